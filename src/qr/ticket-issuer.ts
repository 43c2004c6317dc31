/**
 * QrTicketIssuer: one Durable Object per (appid, kind, scene), the only place a ticket for that
 * scene is created.
 *
 * Concurrent first requests for a new scene must create one ticket, not one each. KV cannot
 * decide that (eventually consistent, no compare-and-set), and a lock in isolate memory only
 * covers one isolate. A Durable Object is unique per name worldwide and runs one request at a
 * time between awaits; while its `qrcode/create` call is out (an outbound fetch lets other
 * requests in), callers join the same in-flight promise, kept on the instance. The ticket is then
 * stored, so an evicted object reuses it instead of creating another.
 *
 * Sharding by scene keeps every object tiny (one record) and spreads load: a busy scene does not
 * queue behind another; an idle object costs nothing. The price is one object per scene ever
 * asked for, and no single place that lists them (the stats object does that job).
 *
 * A temporary ticket's record is deleted by an alarm once the ticket has expired, so the objects
 * of scenes nobody asks for again hold nothing; permanent tickets are kept for ever. Creations
 * for visitors go through the account's daily cap first (new-scene-cap.ts); past it a live
 * ticket is still served, even one short of comfortable life, rather than none.
 *
 * Failures come back as values (RPC keeps no error classes), already shaped as the HTTP answer by
 * `apiErrorResponse(…, "public")`: /qr answers anyone, so neither the token nor WeChat's errmsg
 * (for 40164 it names the egress IP) appears in them; the errmsg goes to the log.
 */
import { DurableObject } from "cloudflare:workers";
import { configuredAccount, loadConfig, type WeChatConfig } from "../config";
import type { Env } from "../env";
import { describeError, log } from "../log";
import { createApiClient } from "../token";
import { apiErrorResponse } from "../http/api-error-response";
import { qrCodeCreateBody, readQrCodeTicket, sceneKey, type QrCodeSpec } from "../wechat/qrcode";
import { qrScanStats } from "./attribution";
import { beijingDay, secondsToBeijingMidnight } from "./new-scene-cap";
import { hasComfortableLife, type QrTicket } from "./ticket-life";

interface QrIssueFailure {
  status: 429 | 502 | 503;
  body: Record<string, unknown>;
  retryAfterSeconds?: number;
}

export interface QrIssueOptions {
  /**
   * Temporary codes this caller may have created per Beijing day for the account
   * (QR_NEW_SCENES_PER_DAY); absent for admin calls, which are not capped.
   */
  newScenesPerDay?: number;
}

export type QrIssueResult =
  { ok: true; ticket: QrTicket; created: boolean } | { ok: false; failure: QrIssueFailure };

const TICKET_KEY = "ticket";

/** The name of the issuer that owns `spec`'s scene. */
export function qrTicketIssuerName(appId: string, spec: QrCodeSpec): string {
  return `${appId}:${spec.kind}:${sceneKey(spec.scene)}`;
}

const requestedLife = (spec: QrCodeSpec) => (spec.kind === "temporary" ? spec.expireSeconds : 0);

const isLive = (ticket: QrTicket | undefined, now: number): ticket is QrTicket =>
  ticket !== undefined && (ticket.expiresAt === undefined || ticket.expiresAt > now);

export class QrTicketIssuer extends DurableObject<Env> {
  #inflight: Promise<QrIssueResult> | undefined;
  #expiryArmed = false;

  /** A ticket for `spec` with comfortable life left: the stored one, or one new one. */
  async issue(spec: QrCodeSpec, options: QrIssueOptions = {}): Promise<QrIssueResult> {
    const stored = await this.ctx.storage.get<QrTicket>(TICKET_KEY);
    if (stored && !this.#expiryArmed) await this.#armExpiry(stored);
    if (stored && hasComfortableLife(stored, requestedLife(spec), Date.now())) {
      return { ok: true, ticket: stored, created: false };
    }
    if (this.#inflight) {
      const joined = await this.#inflight;
      if (joined.ok && hasComfortableLife(joined.ticket, requestedLife(spec), Date.now())) {
        return { ...joined, created: false };
      }
      // A creation for a shorter code may not suit this request, and a refusal by the cap does
      // not apply to an admin call: then this one tries on its own.
      const refusedByCap = !joined.ok && joined.failure.status === 429;
      if (!joined.ok && !(refusedByCap && options.newScenesPerDay === undefined)) return joined;
      return this.issue(spec, options);
    }
    const creation = this.#create(spec, options);
    this.#inflight = creation;
    try {
      return await creation;
    } finally {
      if (this.#inflight === creation) this.#inflight = undefined;
    }
  }

  /** The stored ticket, if any (for tests and the stats page). */
  async current(): Promise<QrTicket | undefined> {
    return this.ctx.storage.get<QrTicket>(TICKET_KEY);
  }

  /** Forgets an expired temporary ticket; one renewed since is kept, and its expiry armed again. */
  override async alarm(): Promise<void> {
    const stored = await this.ctx.storage.get<QrTicket>(TICKET_KEY);
    if (stored?.expiresAt === undefined) return;
    if (stored.expiresAt > Date.now()) {
      await this.ctx.storage.setAlarm(stored.expiresAt);
      return;
    }
    await this.ctx.storage.deleteAll();
    await this.ctx.storage.deleteAlarm();
  }

  /** Records stored before expiry alarms existed get one the first time they are read. */
  async #armExpiry(stored: QrTicket): Promise<void> {
    this.#expiryArmed = true;
    if (stored.expiresAt === undefined) return;
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(stored.expiresAt);
    }
  }

  /**
   * The account this issuer creates tickets for: the appid its name starts with
   * (`qrTicketIssuerName`; the runtime hands the name back as ctx.id.name). An issuer reached
   * without a name works for the single account, as every issuer did before WECHAT_ACCOUNTS.
   */
  #account(): { ok: true; config: WeChatConfig } | { ok: false; reason: string } {
    const loaded = loadConfig(this.env);
    if (!loaded.ok) return loaded;
    const name = this.ctx.id.name;
    if (name === undefined) return loaded;
    const config = configuredAccount(loaded.config, name.slice(0, name.indexOf(":")));
    return config
      ? { ok: true, config }
      : { ok: false, reason: "no account with this appid is configured here" };
  }

  async #create(spec: QrCodeSpec, options: QrIssueOptions): Promise<QrIssueResult> {
    const account = this.#account();
    if (!account.ok)
      return { ok: false, failure: { status: 503, body: { error: account.reason } } };
    const { config } = account;
    if (spec.kind === "permanent" || options.newScenesPerDay === undefined) {
      return this.#callCreate(spec, config);
    }
    if (!config.appId) {
      return { ok: false, failure: { status: 503, body: { error: "WECHAT_APPID is not set" } } };
    }
    const now = Date.now();
    const day = beijingDay(now);
    const stats = qrScanStats(this.env, config.appId);
    let reserved: boolean | undefined;
    try {
      reserved = await stats.reserveNewScene(day, options.newScenesPerDay);
    } catch (error) {
      log.error("qr.new_scenes.unavailable", { error: describeError(error) });
    }
    if (reserved) {
      const result = await this.#callCreate(spec, config);
      if (!result.ok) {
        try {
          await stats.releaseNewScene(day);
        } catch (error) {
          // The slot stays taken until the day ends: the cap errs on the safe side.
          log.warn("qr.new_scenes.refund_failed", { error: describeError(error) });
        }
      }
      return result;
    }
    // Past the cap, or with no way to count: the live ticket, even short of comfortable life,
    // is better than none.
    const stored = await this.ctx.storage.get<QrTicket>(TICKET_KEY);
    if (isLive(stored, Date.now())) return { ok: true, ticket: stored, created: false };
    if (reserved === undefined) {
      return {
        ok: false,
        failure: {
          status: 503,
          body: { error: "new QR codes cannot be counted right now; try again shortly" },
          retryAfterSeconds: 10,
        },
      };
    }
    return {
      ok: false,
      failure: {
        status: 429,
        body: {
          error:
            "this account's new QR codes for today are used up (QR_NEW_SCENES_PER_DAY); " +
            "try again after midnight, Beijing time",
        },
        retryAfterSeconds: secondsToBeijingMidnight(now),
      },
    };
  }

  async #callCreate(spec: QrCodeSpec, config: WeChatConfig): Promise<QrIssueResult> {
    const startedAt = Date.now();
    let answer: Record<string, unknown>;
    try {
      answer = await createApiClient(this.env, config).post(
        "/cgi-bin/qrcode/create",
        qrCodeCreateBody(spec),
      );
    } catch (error) {
      let response: Response;
      try {
        response = apiErrorResponse(error, "public");
      } catch {
        log.error("qr.create.failed", { error: describeError(error) });
        return {
          ok: false,
          failure: { status: 502, body: { error: "creating the QR code failed" } },
        };
      }
      const body = (await response.json()) as Record<string, unknown>;
      log.warn("qr.create.failed", {
        status: response.status,
        reason: String(body.error),
        errcode: typeof body.errcode === "number" ? body.errcode : undefined,
      });
      const retryAfter = Number(response.headers.get("retry-after"));
      return {
        ok: false,
        failure: {
          status: response.status === 503 ? 503 : 502,
          body,
          ...(retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
        },
      };
    }
    const read = readQrCodeTicket(answer);
    if (!read.ok) {
      log.error("qr.create.malformed", { reason: read.reason });
      return { ok: false, failure: { status: 502, body: { error: read.reason } } };
    }
    const { ticket, url, expireSeconds } = read.value;
    const record: QrTicket = {
      kind: spec.kind,
      scene: sceneKey(spec.scene),
      ticket,
      url,
      // Counted from before the call, so the stored expiry is never later than WeChat's.
      createdAt: startedAt,
      ...(spec.kind === "temporary"
        ? { expiresAt: startedAt + (expireSeconds ?? spec.expireSeconds) * 1000 }
        : {}),
    };
    await this.ctx.storage.put(TICKET_KEY, record);
    if (record.expiresAt !== undefined) await this.ctx.storage.setAlarm(record.expiresAt);
    this.#expiryArmed = true;
    log.info("qr.created", { kind: spec.kind, scene: record.scene });
    return { ok: true, ticket: record, created: true };
  }
}
