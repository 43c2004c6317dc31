/**
 * One credential held by one Durable Object: the component_access_token in ComponentAuthority,
 * an authorizer_access_token in each AuthorizerAuthority. The rules are the token authority's
 * (src/token/authority.ts), applied through its pure pieces (the refresh rule and the records):
 *
 * - one refresh in flight: callers join its promise, kept on the instance (the object is
 *   single-threaded and unique per name, so that is one fetch whatever the number of isolates);
 * - callers get the stored credential while it has useful life; when the rule says so a refresh
 *   starts in the background (stale-while-revalidate);
 * - a failing fetch is retried with the backoff steps, at most one attempt per step; a caller
 *   without a servable credential gets a reason within the deadline, never a hang;
 * - compare-and-expire: a credential WeChat rejected is dropped only if it is still current;
 * - `nextDueAt` tells the owner when to set its alarm (refresh due, or retry).
 *
 * The owner supplies `fetch`; a fetch that cannot go ahead for a reason that is not WeChat's
 * (no ticket yet, authorisation revoked) throws `CredentialUnavailable`, which is answered as is
 * and does not count as a failure.
 */
import { describeError, log } from "../log";
import {
  backoffMs,
  isServable,
  needsRefresh,
  RECENT_FAILURES_KEPT,
  refreshDueAt,
  type LeaseResult,
  type RefreshFailure,
  type RefreshState,
  type UpstreamError,
} from "../token";
import type { IssuedCredential } from "../wechat/api/credentials";
import { WeChatApiError, WeChatTransportError } from "../wechat/api/errors";

/** A caller waiting for a refresh gets an answer by then (WeChat-facing handlers have 5 s). */
const CALLER_DEADLINE_MS = 4500;
/** Rule-driven refreshes at most this often, whatever expires_in WeChat grants. */
const RULE_REFRESH_SPACING_MS = 30_000;

export interface KeptCredential {
  value: string;
  expiresAt: number;
  refreshedAt: number;
}

/** A reason the credential cannot be fetched that is not a failed attempt. */
export class CredentialUnavailable extends Error {}

export interface CredentialKeeperOptions {
  /** For log lines and reasons: component_access_token, authorizer_access_token. */
  name: string;
  storage: DurableObjectStorage;
  fetch: () => Promise<IssuedCredential>;
  /** Refresh when fewer than this many seconds of life remain. */
  marginSeconds: number;
  /** Called after every change of record or state, e.g. to set the owner's alarm. */
  changed: () => Promise<void>;
}

const emptyState = (): RefreshState => ({
  consecutiveFailures: 0,
  nextAttemptAt: 0,
  recentFailures: [],
});

export class CredentialKeeper {
  readonly #options: CredentialKeeperOptions;
  #record: KeptCredential | undefined;
  #state: RefreshState = emptyState();
  #inflight: Promise<LeaseResult> | undefined;

  constructor(options: CredentialKeeperOptions) {
    this.#options = options;
  }

  get #recordKey() {
    return `record:${this.#options.name}`;
  }

  get #stateKey() {
    return `state:${this.#options.name}`;
  }

  /** Reads the stored record and state; call once, inside blockConcurrencyWhile. */
  async load(): Promise<void> {
    const stored = await this.#options.storage.get<KeptCredential | RefreshState>([
      this.#recordKey,
      this.#stateKey,
    ]);
    this.#record = stored.get(this.#recordKey) as KeptCredential | undefined;
    this.#state = (stored.get(this.#stateKey) as RefreshState | undefined) ?? emptyState();
  }

  get record(): KeptCredential | undefined {
    return this.#record;
  }

  get state(): RefreshState {
    return this.#state;
  }

  get refreshing(): boolean {
    return this.#inflight !== undefined;
  }

  /** The credential while it has useful life; refreshed in the background when the rule says so. */
  serve(): Promise<LeaseResult> {
    const now = Date.now();
    const record = this.#record;
    if (record && isServable(record.expiresAt, now)) {
      if (this.#due(record, now)) void this.refresh("rule");
      return Promise.resolve({ ok: true, lease: leaseOf(record) });
    }
    return this.#waitFor(this.refresh("missing"));
  }

  /** Compare-and-expire: drops `rejected` only if it is still current, then serves. */
  async replaceRejected(rejected: string): Promise<LeaseResult> {
    const current = this.#record;
    if (current && current.value !== rejected && isServable(current.expiresAt, Date.now())) {
      return { ok: true, lease: leaseOf(current) };
    }
    if (current?.value === rejected) {
      this.#record = undefined;
      await this.#options.storage.delete(this.#recordKey);
      log.warn("component.credential_rejected", { credential: this.#options.name });
    }
    return this.#waitFor(this.refresh("rejected"));
  }

  /** Joins the refresh in flight, or starts one unless the backoff step forbids it. Never rejects. */
  refresh(trigger: "missing" | "rule" | "rejected" | "alarm" | "forced"): Promise<LeaseResult> {
    if (this.#inflight) return this.#inflight;
    const now = Date.now();
    if (now < this.#state.nextAttemptAt) return Promise.resolve(this.#backingOff(now));
    const attempt = this.#attempt(trigger).finally(() => {
      this.#inflight = undefined;
    });
    this.#inflight = attempt;
    return attempt;
  }

  /**
   * The alarm's work: refresh when the rule says so or a retry is due. `earlyMs`: the alarm was
   * set that far ahead of the rule's time (the owner's jitter), so the rule is read as of then.
   */
  async onAlarm(earlyMs = 0): Promise<void> {
    const now = Date.now() + earlyMs;
    const record = this.#record;
    const retryDue = this.#state.consecutiveFailures > 0 && now >= this.#state.nextAttemptAt;
    if (
      retryDue ||
      (record && this.#due(record, now)) ||
      (record && !isServable(record.expiresAt, now))
    ) {
      await this.refresh("alarm");
    }
  }

  /**
   * When the owner's alarm should fire for this credential: the refresh rule's time (minus
   * `jitterMs`, so that many objects spread), or the next retry; undefined when nothing is due.
   */
  nextDueAt(jitterMs = 0): number | undefined {
    let next = Infinity;
    const record = this.#record;
    if (record) {
      const due = refreshDueAt(record.expiresAt, this.#options.marginSeconds) - jitterMs;
      next = Math.min(next, Math.max(due, record.refreshedAt + RULE_REFRESH_SPACING_MS));
    }
    if (this.#state.consecutiveFailures > 0) next = Math.min(next, this.#state.nextAttemptAt);
    return Number.isFinite(next) ? next : undefined;
  }

  /** Forgets the credential and its state (the authorisation was revoked or removed). */
  async clear(): Promise<void> {
    this.#record = undefined;
    this.#state = emptyState();
    await this.#options.storage.delete([this.#recordKey, this.#stateKey]);
  }

  /** Stores a credential obtained elsewhere (api_query_auth hands the first authorizer token). */
  async adopt(issued: IssuedCredential): Promise<void> {
    const now = Date.now();
    this.#record = {
      value: issued.value,
      expiresAt: now + issued.expiresIn * 1000,
      refreshedAt: now,
    };
    this.#state = emptyState();
    await this.#options.storage.put<KeptCredential | RefreshState>({
      [this.#recordKey]: this.#record,
      [this.#stateKey]: this.#state,
    });
    await this.#options.changed();
  }

  #due(record: KeptCredential, now: number): boolean {
    return (
      needsRefresh(record.expiresAt, now, this.#options.marginSeconds) &&
      now - record.refreshedAt >= RULE_REFRESH_SPACING_MS
    );
  }

  async #attempt(trigger: string): Promise<LeaseResult> {
    const started = Date.now();
    try {
      const issued = await this.#options.fetch();
      await this.adopt(issued);
      log.info("component.credential_refreshed", {
        credential: this.#options.name,
        trigger,
        durationMs: Date.now() - started,
        expiresIn: issued.expiresIn,
      });
      return { ok: true, lease: leaseOf(this.#record!) };
    } catch (error) {
      if (error instanceof CredentialUnavailable) {
        return { ok: false, reason: error.message, retryAfterSeconds: 0 };
      }
      return this.#recordFailure(trigger, error, started);
    }
  }

  async #recordFailure(trigger: string, error: unknown, started: number): Promise<LeaseResult> {
    const now = Date.now();
    const failure = describeFailure(error, now);
    const consecutiveFailures = this.#state.consecutiveFailures + 1;
    this.#state = {
      ...this.#state,
      consecutiveFailures,
      nextAttemptAt: now + backoffMs(consecutiveFailures),
      recentFailures: [...this.#state.recentFailures, failure].slice(-RECENT_FAILURES_KEPT),
    };
    log.warn("component.refresh_failed", {
      credential: this.#options.name,
      trigger,
      reason: failure.reason,
      errcode: failure.upstream?.errcode,
      durationMs: now - started,
      consecutiveFailures,
    });
    try {
      await this.#options.storage.put(this.#stateKey, this.#state);
      await this.#options.changed();
    } catch (storageError) {
      log.error("component.state_failed", { error: describeError(storageError) });
    }
    return {
      ok: false,
      reason: `could not get the ${this.#options.name} from WeChat: ${failure.reason}`,
      retryAfterSeconds: Math.ceil((this.#state.nextAttemptAt - now) / 1000),
      ...(failure.upstream ? { upstream: failure.upstream } : {}),
    };
  }

  #backingOff(now: number): LeaseResult {
    const last = this.#state.recentFailures.at(-1);
    const retryAfterSeconds = Math.ceil((this.#state.nextAttemptAt - now) / 1000);
    return {
      ok: false,
      reason: `could not get the ${this.#options.name} from WeChat: ${last?.reason ?? "refresh failing"}; next attempt in ${retryAfterSeconds} s`,
      retryAfterSeconds,
      ...(last?.upstream ? { upstream: last.upstream } : {}),
    };
  }

  /** Bounds a caller's wait: a refresh in flight may outlast it, the caller does not. */
  async #waitFor(refresh: Promise<LeaseResult>): Promise<LeaseResult> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<LeaseResult>((resolve) => {
      timer = setTimeout(
        () =>
          resolve({
            ok: false,
            reason: `WeChat did not answer the ${this.#options.name} request in time`,
            retryAfterSeconds: 1,
          }),
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

function leaseOf(record: KeptCredential) {
  return { value: record.value, expiresAt: record.expiresAt };
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
  if (error instanceof WeChatTransportError) {
    return { at, reason: `${error.message} (${error.hint})` };
  }
  return { at, reason: `unexpected ${describeError(error)}` };
}
