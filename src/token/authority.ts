/**
 * TokenAuthority: one Durable Object per appid, the only writer of the account's access_token
 * and jsapi_ticket.
 *
 * WeChat invalidates a token whenever someone fetches a new one (classic) or force-refreshes
 * (stable), so several isolates refreshing at once would invalidate each other (errcode 40001).
 * A Durable Object is single-threaded and unique per name, so here exactly one refresh per
 * credential is in flight, whatever the number of callers: they join its promise, kept on the
 * instance (never in module scope, which other objects and requests share).
 *
 * - Callers get the stored credential without waiting while it has useful life; when the refresh
 *   rule says so (src/token/refresh-rule.ts) a refresh starts in the background.
 * - State lives in storage, so an evicted or restarted object serves its token without a fetch;
 *   its alarm wakes it at the next refresh or retry time.
 * - A failing token endpoint is retried with backoff (1 s doubling to 10 s), at most one attempt
 *   per step; a still-servable token keeps being served; a caller without one gets a reason
 *   within 5 s, never a hang.
 * - Compare-and-expire: a token WeChat rejected is dropped only if it is still the current one.
 */
import { DurableObject } from "cloudflare:workers";
import { configuredAccount, loadConfig, missingAccountSetting, type WeChatConfig } from "../config";
import type { Env } from "../env";
import { describeError, log } from "../log";
import { WeChatApiClient } from "../wechat/api/client";
import {
  fetchAccessToken,
  fetchJsapiTicket,
  type Account,
  type IssuedCredential,
} from "../wechat/api/credentials";
import { WeChatApiError, WeChatTransportError } from "../wechat/api/errors";
import { dropCachedLease, writeCachedLease } from "./kv-cache";
import {
  RECENT_FAILURES_KEPT,
  type CredentialKind,
  type CredentialRecord,
  type CredentialStatus,
  type LeaseResult,
  type RefreshFailure,
  type RefreshState,
  type UpstreamError,
  type WatchdogReport,
} from "./records";
import type { AccountPermissions, PermissionArea } from "./permissions";
import {
  clearQuota,
  quotaClears,
  type QuotaClearRecord,
  type QuotaClearResult,
} from "./quota-clear";
import { backoffMs, isServable, needsRefresh, refreshDueAt } from "./refresh-rule";
import { credentialFetchTimeout, upstreamTransport } from "./upstream";

const KINDS: readonly CredentialKind[] = ["access_token", "jsapi_ticket"];
/** A caller waiting for a refresh gets an answer by then (WeChat-facing handlers have 5 s). */
const CALLER_DEADLINE_MS = 4500;
/** Rule-driven refreshes of one credential at most this often, whatever WeChat's expires_in. */
const RULE_REFRESH_SPACING_MS = 30_000;
/** stable_token force_refresh: "每天限用20次且需间隔30秒" (20 a day, at least 30 s apart). */
const FORCE_REFRESH_SPACING_MS = 30_000;

type Trigger = "missing" | "rule" | "rejected";
type Settings =
  { ok: true; config: WeChatConfig; account: Account } | { ok: false; reason: string };

const recordKey = (kind: CredentialKind) => `record:${kind}`;
const stateKey = (kind: CredentialKind) => `state:${kind}`;
const emptyState = (): RefreshState => ({
  consecutiveFailures: 0,
  nextAttemptAt: 0,
  recentFailures: [],
});

const PERMISSIONS_KEY = "permissions";

/** A refresh that cannot go ahead; `upstream` is WeChat's answer behind it, when there was one. */
class RefreshRefused extends Error {
  constructor(
    message: string,
    readonly upstream?: UpstreamError,
  ) {
    super(message);
  }
}

export class TokenAuthority extends DurableObject<Env> {
  readonly #records = new Map<CredentialKind, CredentialRecord>();
  readonly #states = new Map<CredentialKind, RefreshState>();
  readonly #inflight = new Map<CredentialKind, Promise<LeaseResult>>();
  /** Tokens WeChat rejected since the last successful refresh (stable normal mode may return them). */
  readonly #rejected = new Set<string>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      const keys = KINDS.flatMap((kind) => [recordKey(kind), stateKey(kind)]);
      const stored = await ctx.storage.get<CredentialRecord | RefreshState>(keys);
      for (const kind of KINDS) {
        const record = stored.get(recordKey(kind)) as CredentialRecord | undefined;
        const state = stored.get(stateKey(kind)) as RefreshState | undefined;
        if (record) this.#records.set(kind, record);
        if (state) this.#states.set(kind, state);
      }
    });
  }

  /** The access_token, from storage while it has useful life; refreshed by the rule. */
  getAccessToken(): Promise<LeaseResult> {
    return this.#serve("access_token");
  }

  /** The jsapi_ticket for JS-SDK signatures, owned exactly like the access_token. */
  getJsapiTicket(): Promise<LeaseResult> {
    return this.#serve("jsapi_ticket");
  }

  /**
   * Compare-and-expire: WeChat rejected `rejected` (40001, 40014, 42001). It is dropped only if it
   * is still the current token; either way the caller gets the token to retry with. A burst of
   * such calls joins one refresh.
   */
  async replaceRejectedAccessToken(rejected: string): Promise<LeaseResult> {
    const settings = this.#settings();
    if (!settings.ok) return unavailable(settings.reason);
    const current = this.#records.get("access_token");
    if (current && current.value !== rejected && isServable(current.expiresAt, Date.now())) {
      return { ok: true, lease: leaseOf(current) };
    }
    if (current?.value === rejected) {
      this.#rejected.add(rejected);
      this.#records.delete("access_token");
      await this.ctx.storage.delete(recordKey("access_token"));
      await dropCachedLease(this.env.TOKEN_CACHE, "access_token", settings.account.appId).catch(
        (error) => log.warn("token.cache_failed", { error: describeError(error) }),
      );
      log.warn("token.rejected", { credential: "access_token" });
    }
    return this.#waitFor(this.#refresh("access_token", "rejected"));
  }

  /** The cron watchdog: makes sure the token exists and is refreshed by the rule; leaves a fresh one alone. */
  async watchdog(): Promise<WatchdogReport[]> {
    const reports: WatchdogReport[] = [];
    const settings = this.#settings();
    if (!settings.ok) {
      return [{ credential: "access_token", action: "failed", reason: settings.reason }];
    }
    for (const kind of KINDS) {
      // The jsapi_ticket is only kept fresh once someone has asked for it (getticket's quota is small).
      if (kind === "jsapi_ticket" && !this.#records.has(kind)) continue;
      reports.push(await this.#applyRule(kind, settings.config));
    }
    await this.#scheduleAlarm();
    return reports;
  }

  /** The access_token with its refresh state, for /admin/token (中控服务器). */
  async accessTokenWithStatus(): Promise<{ result: LeaseResult; status: CredentialStatus }> {
    const result = await this.#serve("access_token");
    return { result, status: this.#status("access_token") };
  }

  /**
   * What WeChat has refused this account, learnt from its answers (48001: the account lacks the
   * permission, e.g. customer-service messages on an unverified subscription account; see
   * src/token/permissions.ts). Kept durably here, the one object per appid, so every isolate
   * learns it from one answer.
   */
  async accountPermissions(): Promise<AccountPermissions> {
    return (await this.ctx.storage.get<AccountPermissions>(PERMISSIONS_KEY)) ?? {};
  }

  /** Records that WeChat refused `api` with `errcode`; written (and logged) only when new. */
  async noteRefusal(
    api: PermissionArea,
    errcode: number,
    path?: string,
  ): Promise<AccountPermissions> {
    const permissions = await this.accountPermissions();
    if (permissions[api]?.allowed === false) return permissions;
    const next: AccountPermissions = {
      ...permissions,
      [api]: { allowed: false, errcode, learntAt: Date.now(), ...(path ? { path } : {}) },
    };
    await this.ctx.storage.put(PERMISSIONS_KEY, next);
    log.warn("account.permission_refused", { api, errcode, path });
    return next;
  }

  /** A call of `api` succeeded: a refusal learnt earlier is forgotten (written only if there was one). */
  async noteAllowed(api: PermissionArea): Promise<AccountPermissions> {
    const permissions = await this.accountPermissions();
    if (!permissions[api]) return permissions;
    const { [api]: _forgotten, ...next } = permissions;
    await this.ctx.storage.put(PERMISSIONS_KEY, next);
    log.info("account.permission_granted", { api });
    return next;
  }

  /** clear_quota/v2 with this account's AppSecret, at most once in 24 h unless forced (quota-clear.ts). */
  async clearQuota(force = false): Promise<QuotaClearResult> {
    const settings = this.#settings();
    if (!settings.ok) return { ok: false, kind: "unavailable", reason: settings.reason };
    return clearQuota(
      this.ctx.storage,
      upstreamTransport(settings.config),
      settings.account,
      force,
    );
  }

  /** When the account's quotas were last reset through the Worker, and how often this month. */
  quotaClears(): Promise<QuotaClearRecord | undefined> {
    return quotaClears(this.ctx.storage);
  }

  /** Refresh state of both credentials; never their values. */
  status(): CredentialStatus[] {
    return KINDS.map((kind) => this.#status(kind));
  }

  override async alarm(): Promise<void> {
    const settings = this.#settings();
    if (!settings.ok) return;
    for (const kind of KINDS) {
      const record = this.#records.get(kind);
      const state = this.#state(kind);
      if (!record && (kind === "jsapi_ticket" || state.consecutiveFailures === 0)) continue;
      await this.#applyRule(kind, settings.config);
    }
    await this.#scheduleAlarm();
  }

  async #applyRule(kind: CredentialKind, config: WeChatConfig): Promise<WatchdogReport> {
    const now = Date.now();
    const record = this.#records.get(kind);
    let result: LeaseResult;
    if (!record || !isServable(record.expiresAt, now)) {
      result = await this.#waitFor(this.#refresh(kind, "missing"));
    } else if (
      needsRefresh(record.expiresAt, now, config.tokenRefreshMarginSeconds) &&
      now - record.refreshedAt >= RULE_REFRESH_SPACING_MS
    ) {
      result = await this.#waitFor(this.#refresh(kind, "rule"));
    } else {
      return { credential: kind, action: "fresh", expiresAt: record.expiresAt };
    }
    return result.ok
      ? { credential: kind, action: "refreshed", expiresAt: result.lease.expiresAt }
      : { credential: kind, action: "failed", reason: result.reason };
  }

  async #serve(kind: CredentialKind): Promise<LeaseResult> {
    const settings = this.#settings();
    if (!settings.ok) return unavailable(settings.reason);
    const now = Date.now();
    const record = this.#records.get(kind);
    if (record && isServable(record.expiresAt, now)) {
      const due = needsRefresh(record.expiresAt, now, settings.config.tokenRefreshMarginSeconds);
      // Stale-while-revalidate: the caller does not wait for this refresh.
      if (due && now - record.refreshedAt >= RULE_REFRESH_SPACING_MS)
        void this.#refresh(kind, "rule");
      return { ok: true, lease: leaseOf(record) };
    }
    return this.#waitFor(this.#refresh(kind, "missing"));
  }

  /** Joins the refresh in flight, or starts one unless the backoff step forbids it. Never rejects. */
  #refresh(kind: CredentialKind, trigger: Trigger): Promise<LeaseResult> {
    const inflight = this.#inflight.get(kind);
    if (inflight) return inflight;
    const state = this.#state(kind);
    const now = Date.now();
    if (now < state.nextAttemptAt) return Promise.resolve(backingOff(kind, state, now));
    const attempt = this.#attempt(kind, trigger).finally(() => this.#inflight.delete(kind));
    this.#inflight.set(kind, attempt);
    return attempt;
  }

  async #attempt(kind: CredentialKind, trigger: Trigger): Promise<LeaseResult> {
    const started = Date.now();
    const settings = this.#settings();
    if (!settings.ok) return unavailable(settings.reason);
    const { config, account } = settings;
    try {
      const { issued, source } =
        kind === "access_token"
          ? await this.#fetchAccessToken(config, account)
          : { issued: await this.#fetchJsapiTicket(config), source: "getticket" as const };
      const now = Date.now();
      const record: CredentialRecord = {
        value: issued.value,
        expiresAt: now + issued.expiresIn * 1000,
        refreshedAt: now,
        source,
      };
      const state = { ...this.#state(kind), consecutiveFailures: 0, nextAttemptAt: 0 };
      this.#records.set(kind, record);
      this.#states.set(kind, state);
      if (kind === "access_token") this.#rejected.clear();
      await this.ctx.storage.put<CredentialRecord | RefreshState>({
        [recordKey(kind)]: record,
        [stateKey(kind)]: state,
      });
      await writeCachedLease(this.env.TOKEN_CACHE, kind, account.appId, leaseOf(record), now).catch(
        (error) =>
          log.warn("token.cache_failed", { credential: kind, error: describeError(error) }),
      );
      log.info("token.refreshed", {
        credential: kind,
        tokenSource: source,
        trigger,
        durationMs: now - started,
        expiresIn: issued.expiresIn,
      });
      await this.#scheduleAlarm();
      return { ok: true, lease: leaseOf(record) };
    } catch (error) {
      return this.#recordFailure(kind, trigger, error, started);
    }
  }

  async #fetchAccessToken(config: WeChatConfig, account: Account) {
    const transport = upstreamTransport(config);
    const timeoutMs = credentialFetchTimeout(config);
    const source = config.tokenSource;
    let issued = await fetchAccessToken(transport, account, source, { timeoutMs });
    if (source === "stable" && this.#rejected.has(issued.value)) {
      // Normal mode returns the current token while WeChat thinks it valid; WeChat has just
      // rejected it, so this is where force_refresh is meant (20 a day, 30 s apart).
      const state = this.#state("access_token");
      const now = Date.now();
      if (state.lastForceRefreshAt && now - state.lastForceRefreshAt < FORCE_REFRESH_SPACING_MS) {
        throw new RefreshRefused(
          "stable_token returned the rejected token and force_refresh was used less than 30 s ago",
        );
      }
      state.lastForceRefreshAt = now;
      this.#states.set("access_token", state);
      issued = await fetchAccessToken(transport, account, source, {
        timeoutMs,
        forceRefresh: true,
      });
    }
    return { issued, source };
  }

  #fetchJsapiTicket(config: WeChatConfig): Promise<IssuedCredential> {
    const client = new WeChatApiClient({
      ...upstreamTransport(config),
      tokens: {
        accessToken: async () => leaseValue(await this.#serve("access_token")),
        replaceRejected: async (rejected) =>
          leaseValue(await this.replaceRejectedAccessToken(rejected)),
      },
    });
    return fetchJsapiTicket(client, { timeoutMs: credentialFetchTimeout(config) });
  }

  async #recordFailure(
    kind: CredentialKind,
    trigger: Trigger,
    error: unknown,
    started: number,
  ): Promise<LeaseResult> {
    const now = Date.now();
    const failure = describeFailure(error, now);
    const previous = this.#state(kind);
    const consecutiveFailures = previous.consecutiveFailures + 1;
    const state: RefreshState = {
      ...previous,
      consecutiveFailures,
      nextAttemptAt: now + backoffMs(consecutiveFailures),
      recentFailures: [...previous.recentFailures, failure].slice(-RECENT_FAILURES_KEPT),
    };
    this.#states.set(kind, state);
    log.warn("token.refresh_failed", {
      credential: kind,
      trigger,
      reason: failure.reason,
      errcode: failure.upstream?.errcode,
      durationMs: now - started,
      consecutiveFailures,
      retryInMs: state.nextAttemptAt - now,
    });
    try {
      await this.ctx.storage.put(stateKey(kind), state);
      await this.#scheduleAlarm();
    } catch (storageError) {
      log.error("token.state_failed", { credential: kind, error: describeError(storageError) });
    }
    return {
      ok: false,
      reason: `could not get the ${kind} from WeChat: ${failure.reason}`,
      retryAfterSeconds: Math.ceil((state.nextAttemptAt - now) / 1000),
      ...(failure.upstream ? { upstream: failure.upstream } : {}),
    };
  }

  /** Wakes the object at the next refresh (by the rule) or retry (by the backoff). */
  async #scheduleAlarm(): Promise<void> {
    const settings = this.#settings();
    if (!settings.ok) return;
    let next = Infinity;
    for (const kind of KINDS) {
      const record = this.#records.get(kind);
      const state = this.#state(kind);
      if (record) {
        const due = refreshDueAt(record.expiresAt, settings.config.tokenRefreshMarginSeconds);
        next = Math.min(next, Math.max(due, record.refreshedAt + RULE_REFRESH_SPACING_MS));
      }
      if (state.consecutiveFailures > 0 && (record || kind === "access_token")) {
        next = Math.min(next, state.nextAttemptAt);
      }
    }
    if (Number.isFinite(next)) await this.ctx.storage.setAlarm(Math.max(next, Date.now() + 100));
  }

  #status(kind: CredentialKind): CredentialStatus {
    const record = this.#records.get(kind);
    const state = this.#state(kind);
    return {
      credential: kind,
      ...(record
        ? { expiresAt: record.expiresAt, refreshedAt: record.refreshedAt, source: record.source }
        : {}),
      consecutiveFailures: state.consecutiveFailures,
      ...(state.consecutiveFailures > 0 ? { nextAttemptAt: state.nextAttemptAt } : {}),
      recentFailures: state.recentFailures,
      refreshing: this.#inflight.has(kind),
    };
  }

  #state(kind: CredentialKind): RefreshState {
    return this.#states.get(kind) ?? emptyState();
  }

  /**
   * This object's account: the one whose appid is the object's name (`tokenAuthority` names it;
   * the runtime hands the name back as ctx.id.name, in alarms too), so each account's secret
   * stays with its own authority. An object reached without a name serves the single account,
   * as every object did before WECHAT_ACCOUNTS.
   */
  #settings(): Settings {
    const loaded = loadConfig(this.env);
    if (!loaded.ok) return { ok: false, reason: loaded.reason };
    const name = this.ctx.id.name;
    const config = name === undefined ? loaded.config : configuredAccount(loaded.config, name);
    if (!config) return { ok: false, reason: "no account with this appid is configured here" };
    const missing = missingAccountSetting(config);
    if (missing !== undefined) return { ok: false, reason: missing };
    const { appId, appSecret } = config as { appId: string; appSecret: string };
    return { ok: true, config, account: { appId, appSecret } };
  }

  /** Bounds a caller's wait: a refresh in flight may outlast it, the caller does not. */
  async #waitFor(refresh: Promise<LeaseResult>): Promise<LeaseResult> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<LeaseResult>((resolve) => {
      timer = setTimeout(
        () => resolve(unavailable("WeChat's token endpoint did not answer in time", 1)),
        CALLER_DEADLINE_MS,
      );
    });
    try {
      return await Promise.race([refresh, deadline]);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }
}

function leaseOf(record: CredentialRecord) {
  return { value: record.value, expiresAt: record.expiresAt };
}

function leaseValue(result: LeaseResult): string {
  if (result.ok) return result.lease.value;
  throw new RefreshRefused(result.reason, result.upstream);
}

function unavailable(reason: string, retryAfterSeconds = 0): LeaseResult {
  return { ok: false, reason, retryAfterSeconds };
}

function backingOff(kind: CredentialKind, state: RefreshState, now: number): LeaseResult {
  const last = state.recentFailures.at(-1);
  const retryAfterSeconds = Math.ceil((state.nextAttemptAt - now) / 1000);
  return {
    ok: false,
    reason: `could not get the ${kind} from WeChat: ${last?.reason ?? "refresh failing"}; next attempt in ${retryAfterSeconds} s`,
    retryAfterSeconds,
    ...(last?.upstream ? { upstream: last.upstream } : {}),
  };
}

function describeFailure(error: unknown, at: number): RefreshFailure {
  if (error instanceof WeChatApiError) {
    const upstream: UpstreamError = {
      errcode: error.errcode,
      errmsg: error.errmsg,
      hint: error.hint,
      ...(error.ip ? { ip: error.ip } : {}),
    };
    return { at, reason: `errcode ${error.errcode} (${error.hint})`, upstream };
  }
  if (error instanceof WeChatTransportError)
    return { at, reason: `${error.message} (${error.hint})` };
  if (error instanceof RefreshRefused) {
    return { at, reason: error.message, ...(error.upstream ? { upstream: error.upstream } : {}) };
  }
  return { at, reason: `unexpected ${describeError(error)}` };
}
