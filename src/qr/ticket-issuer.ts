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
 * Failures come back as values (RPC keeps no error classes), already shaped as the HTTP answer by
 * `apiErrorResponse`, so the token and secret never appear in them.
 */
import { DurableObject } from "cloudflare:workers";
import { loadConfig } from "../config";
import type { Env } from "../env";
import { describeError, log } from "../log";
import { createApiClient } from "../token/api-client";
import { apiErrorResponse } from "../token/api-error-response";
import { qrCodeCreateBody, readQrCodeTicket, sceneKey, type QrCodeSpec } from "../wechat/qrcode";
import { hasComfortableLife, type QrTicket } from "./ticket-life";

export interface QrIssueFailure {
  status: 502 | 503;
  body: Record<string, unknown>;
  retryAfterSeconds?: number;
}

export type QrIssueResult =
  { ok: true; ticket: QrTicket; created: boolean } | { ok: false; failure: QrIssueFailure };

const TICKET_KEY = "ticket";

/** The name of the issuer that owns `spec`'s scene. */
export function qrTicketIssuerName(appId: string, spec: QrCodeSpec): string {
  return `${appId}:${spec.kind}:${sceneKey(spec.scene)}`;
}

const requestedLife = (spec: QrCodeSpec) => (spec.kind === "temporary" ? spec.expireSeconds : 0);

export class QrTicketIssuer extends DurableObject<Env> {
  #inflight: Promise<QrIssueResult> | undefined;

  /** A ticket for `spec` with comfortable life left: the stored one, or one new one. */
  async issue(spec: QrCodeSpec): Promise<QrIssueResult> {
    const stored = await this.ctx.storage.get<QrTicket>(TICKET_KEY);
    if (stored && hasComfortableLife(stored, requestedLife(spec), Date.now())) {
      return { ok: true, ticket: stored, created: false };
    }
    if (this.#inflight) {
      const joined = await this.#inflight;
      // A creation for a shorter code may not suit this request; then this one creates its own.
      if (!joined.ok || hasComfortableLife(joined.ticket, requestedLife(spec), Date.now())) {
        return joined.ok ? { ...joined, created: false } : joined;
      }
      return this.issue(spec);
    }
    const creation = this.#create(spec);
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

  async #create(spec: QrCodeSpec): Promise<QrIssueResult> {
    const loaded = loadConfig(this.env);
    if (!loaded.ok) return { ok: false, failure: { status: 503, body: { error: loaded.reason } } };
    const startedAt = Date.now();
    let answer: Record<string, unknown>;
    try {
      answer = await createApiClient(this.env, loaded.config).post(
        "/cgi-bin/qrcode/create",
        qrCodeCreateBody(spec),
      );
    } catch (error) {
      let response: Response;
      try {
        response = apiErrorResponse(error);
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
    log.info("qr.created", { kind: spec.kind, scene: record.scene });
    return { ok: true, ticket: record, created: true };
  }
}
