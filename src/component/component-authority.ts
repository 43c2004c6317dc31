/**
 * ComponentAuthority: the one Durable Object of the 第三方平台 (named by the component appid).
 * It holds the latest component_verify_ticket, is the only writer of the component_access_token,
 * keeps the registry of authorisers, and the one-time records of authorisations in progress.
 *
 * One object, because the component_access_token is one credential: WeChat invalidates it when a
 * new one is fetched, so one refresh in flight and compare-and-expire (credential-keeper.ts) are
 * what keep a storm of callers to one api_component_token call. The object's alarm refreshes it
 * ahead of expiry; nothing else wakes it.
 *
 * Storage: `ticket` (the latest ticket, KV-style), the keeper's `record:` and `state:` keys, and
 * two SQLite tables: `authorizers` (appid, active, permissions, times: the registry the admin
 * lists; each authoriser's refresh token lives in its own AuthorizerAuthority, not here) and
 * `pending_authorizations` (one row per /component/authorize, consumed once by the callback).
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import type { LeaseResult } from "../token";
import { randomAlphanumeric } from "../wechat/encoding";
import { fetchComponentAccessToken } from "./component-api";
import { componentTransport } from "./component-transport";
import { CredentialKeeper, CredentialUnavailable } from "./credential-keeper";
import { loadComponentSettings, settingsReason } from "./settings";

/** WeChat rotates the component_access_token like the access_token: 5 minutes of margin. */
const REFRESH_MARGIN_SECONDS = 300;
/** WeChat's pre_auth_code lives 1800 s; the one-time record never outlives it. */
const MAX_PENDING_MS = 30 * 60_000;

export const NO_TICKET_REASON =
  "no component_verify_ticket has arrived yet: WeChat pushes one to /component/events every 10 minutes once the 授权事件接收URL is set";

export interface StoredTicket {
  value: string;
  /** CreateTime of the push, Unix seconds. */
  createTime: number;
  /** When it arrived, epoch ms. */
  receivedAt: number;
}

/** One authoriser as the registry lists it. Never a token. */
export interface RegistryEntry {
  appid: string;
  active: boolean;
  /** The 权限集 ids granted (func_info). */
  permissions: number[];
  authorizedAt: number;
  updatedAt: number;
  /** Why it is inactive (unauthorized event, 61003, removed). */
  inactiveReason?: string;
}

export interface ComponentStatus {
  ticketReceivedAt?: number;
  tokenExpiresAt?: number;
  tokenRefreshedAt?: number;
  consecutiveFailures: number;
  lastFailure?: string;
  refreshing: boolean;
}

export class ComponentAuthority extends DurableObject<Env> {
  #ticket: StoredTicket | undefined;
  readonly #keeper: CredentialKeeper;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#keeper = new CredentialKeeper({
      name: "component_access_token",
      storage: ctx.storage,
      marginSeconds: REFRESH_MARGIN_SECONDS,
      fetch: () => this.#fetchToken(),
      changed: () => this.#scheduleAlarm(),
    });
    void ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS authorizers (
        appid TEXT PRIMARY KEY,
        active INTEGER NOT NULL,
        permissions TEXT NOT NULL,
        authorized_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        inactive_reason TEXT
      )`);
      ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS pending_authorizations (
        state TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
      )`);
      this.#ticket = await ctx.storage.get<StoredTicket>("ticket");
      await this.#keeper.load();
    });
  }

  /** Stores the ticket of a verified push (the newest one wins: pushes may arrive out of order). */
  async storeTicket(value: string, createTime: number): Promise<void> {
    if (this.#ticket && this.#ticket.createTime > createTime) return;
    this.#ticket = { value, createTime, receivedAt: Date.now() };
    await this.ctx.storage.put("ticket", this.#ticket);
  }

  /** The component_access_token; a clear reason while no ticket has arrived. */
  getComponentAccessToken(): Promise<LeaseResult> {
    const settings = loadComponentSettings(this.env);
    if (settings.kind !== "on") return Promise.resolve(unavailable(settingsReason(settings)));
    return this.#keeper.serve();
  }

  /** Compare-and-expire: WeChat rejected `rejected` (40001, 40014, 42001). */
  replaceRejectedComponentToken(rejected: string): Promise<LeaseResult> {
    const settings = loadComponentSettings(this.env);
    if (settings.kind !== "on") return Promise.resolve(unavailable(settingsReason(settings)));
    return this.#keeper.replaceRejected(rejected);
  }

  /** Ticket and token state for the admin; never their values. */
  status(): ComponentStatus {
    const record = this.#keeper.record;
    const state = this.#keeper.state;
    const lastFailure = state.recentFailures.at(-1)?.reason;
    return {
      ...(this.#ticket ? { ticketReceivedAt: this.#ticket.receivedAt } : {}),
      ...(record ? { tokenExpiresAt: record.expiresAt, tokenRefreshedAt: record.refreshedAt } : {}),
      consecutiveFailures: state.consecutiveFailures,
      ...(lastFailure ? { lastFailure } : {}),
      refreshing: this.#keeper.refreshing,
    };
  }

  /** Opens an authorisation: a one-time `state` the callback must bring back before it expires. */
  beginAuthorization(lifetimeMs: number): { state: string; expiresAt: number } {
    const now = Date.now();
    const expiresAt = now + Math.min(lifetimeMs, MAX_PENDING_MS);
    const state = randomAlphanumeric(32);
    this.ctx.storage.sql.exec("DELETE FROM pending_authorizations WHERE expires_at < ?", now);
    this.ctx.storage.sql.exec(
      "INSERT INTO pending_authorizations (state, expires_at) VALUES (?, ?)",
      state,
      expiresAt,
    );
    return { state, expiresAt };
  }

  /** Consumes `state`: true once, while it is unexpired; false for anything else. */
  consumeAuthorization(state: string): boolean {
    const rows = this.ctx.storage.sql
      .exec<{ expires_at: number }>(
        "DELETE FROM pending_authorizations WHERE state = ? RETURNING expires_at",
        state,
      )
      .toArray();
    return rows.length === 1 && rows[0]!.expires_at >= Date.now();
  }

  /** Records an authorisation (authorized, updateauthorized, or the callback): active. */
  recordAuthorizer(appid: string, permissions: readonly number[]): RegistryEntry {
    const now = Date.now();
    this.ctx.storage.sql.exec(
      `INSERT INTO authorizers (appid, active, permissions, authorized_at, updated_at, inactive_reason)
       VALUES (?, 1, ?, ?, ?, NULL)
       ON CONFLICT (appid) DO UPDATE SET active = 1, permissions = excluded.permissions,
         updated_at = excluded.updated_at, inactive_reason = NULL`,
      appid,
      JSON.stringify(permissions),
      now,
      now,
    );
    return this.#entry(appid)!;
  }

  /** Marks an authoriser inactive (revoked); unknown appids are left alone. */
  markInactive(appid: string, reason: string): RegistryEntry | undefined {
    this.ctx.storage.sql.exec(
      "UPDATE authorizers SET active = 0, inactive_reason = ?, updated_at = ? WHERE appid = ?",
      reason,
      Date.now(),
      appid,
    );
    return this.#entry(appid);
  }

  /** Forgets an authoriser; true when it was known. */
  removeAuthorizer(appid: string): boolean {
    const rows = this.ctx.storage.sql
      .exec("DELETE FROM authorizers WHERE appid = ? RETURNING appid", appid)
      .toArray();
    return rows.length > 0;
  }

  /** One page of the registry, by appid, starting after `after`. */
  listAuthorizers(after = "", limit = 100): RegistryEntry[] {
    return this.ctx.storage.sql
      .exec<AuthorizerRow>(
        "SELECT * FROM authorizers WHERE appid > ? ORDER BY appid LIMIT ?",
        after,
        limit,
      )
      .toArray()
      .map(entryOf);
  }

  override async alarm(): Promise<void> {
    if (loadComponentSettings(this.env).kind !== "on") return;
    await this.#keeper.onAlarm();
    await this.#scheduleAlarm();
  }

  #entry(appid: string): RegistryEntry | undefined {
    const row = this.ctx.storage.sql
      .exec<AuthorizerRow>("SELECT * FROM authorizers WHERE appid = ?", appid)
      .toArray()[0];
    return row ? entryOf(row) : undefined;
  }

  async #fetchToken() {
    const settings = loadComponentSettings(this.env);
    if (settings.kind !== "on") throw new CredentialUnavailable(settingsReason(settings));
    if (!this.#ticket) throw new CredentialUnavailable(NO_TICKET_REASON);
    const { transport, credentialTimeoutMs } = componentTransport(this.env, settings.settings);
    return fetchComponentAccessToken(
      transport,
      {
        componentAppId: settings.settings.componentAppId,
        componentAppSecret: settings.settings.componentAppSecret,
        ticket: this.#ticket.value,
      },
      credentialTimeoutMs,
    );
  }

  async #scheduleAlarm(): Promise<void> {
    const next = this.#keeper.nextDueAt();
    if (next !== undefined) await this.ctx.storage.setAlarm(Math.max(next, Date.now() + 100));
  }
}

type AuthorizerRow = {
  appid: string;
  active: number;
  permissions: string;
  authorized_at: number;
  updated_at: number;
  inactive_reason: string | null;
};

function entryOf(row: AuthorizerRow): RegistryEntry {
  return {
    appid: row.appid,
    active: row.active === 1,
    permissions: JSON.parse(row.permissions) as number[],
    authorizedAt: row.authorized_at,
    updatedAt: row.updated_at,
    ...(row.inactive_reason ? { inactiveReason: row.inactive_reason } : {}),
  };
}

function unavailable(reason: string): LeaseResult {
  return { ok: false, reason, retryAfterSeconds: 0 };
}
