/**
 * The read path for tickets: this isolate's memory first, the scene's QrTicketIssuer on a miss.
 *
 * A heavy page sends every view here. Memory answers in no time and the issuer (strongly
 * consistent, one per scene) is asked once per isolate and scene while the ticket stays
 * comfortable, so views never reach WeChat. KV would add a second, eventually consistent copy
 * and a binding to provision for no gain: a KV miss would still end at the issuer, and it could
 * never be the lock. Entries are bounded, so a crawler walking scenes cannot grow the isolate.
 */
import type { Env } from "../env";
import type { QrCodeSpec } from "../wechat/qrcode";
import {
  qrTicketIssuerName,
  type QrIssueOptions,
  type QrIssueResult,
  type QrTicketIssuer,
} from "./ticket-issuer";
import { hasComfortableLife } from "./ticket-life";

const MAX_ENTRIES = 500;

class QrTicketCache {
  readonly #entries = new Map<string, Extract<QrIssueResult, { ok: true }>["ticket"]>();

  async get(
    env: Env,
    appId: string,
    spec: QrCodeSpec,
    options: QrIssueOptions = {},
    now = Date.now(),
  ): Promise<QrIssueResult> {
    const name = qrTicketIssuerName(appId, spec);
    const life = spec.kind === "temporary" ? spec.expireSeconds : 0;
    const cached = this.#entries.get(name);
    if (cached && hasComfortableLife(cached, life, now)) {
      // Map order is insertion order: re-inserting keeps recently used entries last.
      this.#entries.delete(name);
      this.#entries.set(name, cached);
      return { ok: true, ticket: cached, created: false };
    }
    const result = await qrTicketIssuer(env, name).issue(spec, options);
    if (result.ok) {
      this.#entries.delete(name);
      this.#entries.set(name, result.ticket);
      while (this.#entries.size > MAX_ENTRIES) {
        this.#entries.delete(this.#entries.keys().next().value as string);
      }
    }
    return result;
  }

  clear(): void {
    this.#entries.clear();
  }
}

/** The isolate's cache (module scope is per isolate; entries hold no secret). */
export const qrTicketCache = new QrTicketCache();

/** The issuer named `name`: the one place its namespace gets its class. */
function qrTicketIssuer(env: Pick<Env, "QR_TICKET_ISSUER">, name: string) {
  const namespace = env.QR_TICKET_ISSUER as DurableObjectNamespace<QrTicketIssuer>;
  return namespace.get(namespace.idFromName(name));
}
