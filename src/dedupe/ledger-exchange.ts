/**
 * An isolate's line to one account's PushLedger instance. Every push with dedupe on makes one
 * call there that cannot wait: the replay guard's check, which must answer before the push does.
 * That call carries everything else the isolate has for the instance, and brings back what the
 * isolate needs to know, so that a push costs one Durable Object request, not three:
 *
 * - Signature checks go out without waiting: the first at once, the ones that arrive while it is
 *   out together in the next call. Under load that turns a round trip per request into one per
 *   batch; idle, it costs the one call.
 * - Answers given without a claim (push-admission.ts) wait for the next call, up to
 *   RECORD_DELAY_MS (or WECHAT_DEDUPE_RECORD_DELAY_MS), and go on their own only when no push
 *   comes by then. WeChat re-sends a
 *   push only after 5 s without an answer, and such an answer was given within CLAIM_AFTER_MS of
 *   the push's arrival, so it is recorded before any re-send can ask.
 * - Every answer says which followers are owed a kept reply (the version, and the list only when
 *   it changed), so admission knows without asking. A line that has not heard from its instance
 *   within OWED_REFRESH_MS asks on its own; with the replay guard (always on with dedupe) the
 *   push's own check has just been answered, so that happens only to callers that admit a push
 *   without checking it.
 */
import type { Env } from "../env";
import { accountLedger } from "./ledger-instances";
import { ledgerUnavailable } from "./ledger-unavailable";
import type { AnsweredPush, KeptFollowers, SignatureCheck, SignatureClaim } from "./push-ledger";

/** Checks per call; beyond it the rest wait for the next call. */
const MAX_BATCH = 256;
/** A check without an answer by then counts as the ledger being unavailable. */
const CHECK_TIMEOUT_MS = 2_000;
/**
 * How long an answer waits for a call to ride on before it goes on its own, unless
 * WECHAT_DEDUPE_RECORD_DELAY_MS says otherwise: long enough that at one push a second each
 * answer rides on the next push's check; short enough that, with CLAIM_AFTER_MS before it, the
 * answer is recorded well inside the 5 s before WeChat's first re-send.
 */
export const RECORD_DELAY_MS = 2_000;
/** How stale the list of followers owed a kept reply may be before admission asks itself. */
const OWED_REFRESH_MS = 1_000;

type Ledgers = Pick<Env, "PUSH_LEDGER">;
type WaitUntil = (promise: Promise<unknown>) => void;

interface PendingCheck {
  claim: SignatureClaim;
  resolve: (result: SignatureCheck) => void;
  reject: (error: unknown) => void;
}

export class LedgerLine {
  #checks: PendingCheck[] = [];
  #answered: AnsweredPush[] = [];
  /** Counts the answer queues taken: a flush timer acts only on the queue it was set for. */
  #answeredQueue = 0;
  /** An answer has waited RECORD_DELAY_MS: the next call goes out even without a check. */
  #answersDue = false;
  #sending = false;
  #owed = new Set<string>();
  #keptVersion: string | undefined;
  #heardAt = Number.NEGATIVE_INFINITY;

  /** `partition`: the account's (its appid), undefined for the single account. */
  constructor(readonly partition: string | undefined) {}

  /** Checks one signature use against the instance (see replay-guard.ts). */
  async check(env: Ledgers, claim: SignatureClaim, waitUntil: WaitUntil): Promise<SignatureCheck> {
    const answer = new Promise<SignatureCheck>((resolve, reject) => {
      this.#checks.push({ claim, resolve, reject });
      // The request that finds nobody sending sends, for as long as checks keep coming; its
      // waitUntil keeps the calls it makes for the others alive after its own answer is out.
      if (!this.#sending) waitUntil(this.#send(env));
    });
    // The answer may come from another request's call. workerd runs this request's continuation
    // in its own context, but cancels a request that waits on nothing of its own as hung: the
    // timer is that something, and bounds the wait.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expiry = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer from the push ledger in ${CHECK_TIMEOUT_MS} ms`)),
        CHECK_TIMEOUT_MS,
      );
    });
    try {
      return await Promise.race([answer, expiry]);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  /**
   * Queues a push answered in time without a claim. The first answer of a queue sets, on its
   * own request's waitUntil, the moment the queue goes out by itself if no call has taken it.
   */
  record(env: Ledgers, push: AnsweredPush, waitUntil: WaitUntil, delayMs = RECORD_DELAY_MS): void {
    this.#answered.push(push);
    if (this.#answered.length > 1) return;
    const queue = this.#answeredQueue;
    waitUntil(
      new Promise((resolve) => setTimeout(resolve, delayMs)).then(() => {
        if (queue !== this.#answeredQueue || this.#answered.length === 0) return undefined;
        this.#answersDue = true;
        // A call out now takes the queue when it comes back.
        return this.#sending ? undefined : this.#send(env);
      }),
    );
  }

  /** Followers owed a kept reply, as of this line's last word from its instance. */
  async owedFollowers(env: Ledgers, now: number): Promise<ReadonlySet<string>> {
    if (now - this.#heardAt < OWED_REFRESH_MS) return this.#owed;
    // Concurrent pushes on this isolate use the current list instead of asking again.
    this.#heardAt = now;
    const known = await accountLedger(env, this.partition)
      .keptFollowers(this.#keptVersion)
      .catch(ledgerUnavailable);
    if (known) this.#heard(known);
    return this.#owed;
  }

  /** This isolate kept (or took) a reply for `openid`: no need to wait for the next word. */
  markOwed(openid: string, owed: boolean): void {
    if (owed) this.#owed.add(openid);
    else this.#owed.delete(openid);
  }

  #heard(kept: KeptFollowers): void {
    this.#heardAt = Date.now();
    this.#keptVersion = kept.version;
    if (kept.openids) this.#owed = new Set(kept.openids);
  }

  #takeAnswered(): AnsweredPush[] {
    this.#answersDue = false;
    const answered = this.#answered;
    if (answered.length === 0) return answered;
    this.#answered = [];
    this.#answeredQueue++;
    return answered;
  }

  async #send(env: Ledgers): Promise<void> {
    this.#sending = true;
    try {
      while (this.#checks.length > 0 || this.#answersDue) {
        const batch = this.#checks.splice(0, MAX_BATCH);
        const answered = this.#takeAnswered();
        try {
          const result = await accountLedger(env, this.partition).exchange({
            checks: batch.map((pending) => pending.claim),
            answered,
            keptVersion: this.#keptVersion,
          });
          this.#heard(result.kept);
          batch.forEach((pending, i) => pending.resolve(result.checks[i]!));
        } catch (error) {
          for (const pending of batch) pending.reject(error);
          if (answered.length > 0) ledgerUnavailable(error, "dedupe", { pushes: answered.length });
        }
      }
    } finally {
      this.#sending = false;
    }
  }
}
