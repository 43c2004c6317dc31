/**
 * What one isolate remembers between pushes, so that most pushes never wait on the PushLedger:
 * - the pushes it is handling or has just answered, so that a copy of one sent again to this
 *   isolate gets the same answer (or waits for it) without a claim;
 * - answers not yet recorded in the ledger, sent in one batch per ledger instance shortly after;
 * - which followers are owed a kept reply, refreshed at most once a second.
 *
 * The state is per PushLedger namespace, so two Workers (or two test environments) sharing an
 * isolate never mix records.
 */
import type { Env } from "../env";
import { keptLedger, ledgerByName } from "./ledger-shard";
import { ledgerUnavailable } from "./ledger-unavailable";
import type { AnsweredPush } from "./push-ledger";

/** How long an answered push is remembered here: past any copy sent within the fresh window. */
export const RECENT_PUSH_MS = 5_000;
/** Bounds the memory under a flood; the oldest answered pushes go first. */
const MAX_RECENT_PUSHES = 20_000;
/** Answers are held this long to go to the ledger in batches; retries come 5 s apart at best. */
export const RECORD_DELAY_MS = 500;
/** How stale this isolate's list of followers owed a kept reply may be. */
const OWED_REFRESH_MS = 1_000;

export interface RecentPush {
  /** Answered here (in time, late to a waiting copy, or delivered late: replyXml undefined). */
  answered: boolean;
  replyXml: string | undefined;
  /** Copies of this push waiting here for its answer. */
  waiting: number;
  /** When to forget it, once answered (ms since epoch). */
  forgetAt: number;
}

type Ledgers = Pick<Env, "PUSH_LEDGER">;

export class IsolateMemory {
  readonly #recent = new Map<string, RecentPush>();
  #unrecorded = new Map<string, AnsweredPush[]>();
  #recordScheduled = false;
  #owed = new Set<string>();
  #owedVersion: string | undefined;
  #owedCheckedAt = Number.NEGATIVE_INFINITY;

  recent(key: string, now: number): RecentPush | undefined {
    this.#forgetOld(now);
    return this.#recent.get(key);
  }

  /** Starts remembering a push this isolate is about to handle. */
  remember(key: string): RecentPush {
    const entry: RecentPush = {
      answered: false,
      replyXml: undefined,
      waiting: 0,
      forgetAt: Number.POSITIVE_INFINITY,
    };
    this.#recent.delete(key);
    this.#recent.set(key, entry);
    return entry;
  }

  answer(entry: RecentPush, replyXml: string | undefined, now: number): void {
    entry.answered = true;
    entry.replyXml = replyXml;
    entry.forgetAt = now + RECENT_PUSH_MS;
  }

  forget(key: string): void {
    this.#recent.delete(key);
  }

  /**
   * Queues an answer for the ledger instance `shard`. The first answer of a batch schedules the
   * write on its own request's waitUntil; the ones after it ride along.
   */
  record(
    env: Ledgers,
    shard: string,
    push: AnsweredPush,
    waitUntil: (promise: Promise<unknown>) => void,
  ): void {
    const batch = this.#unrecorded.get(shard);
    if (batch) batch.push(push);
    else this.#unrecorded.set(shard, [push]);
    if (this.#recordScheduled) return;
    this.#recordScheduled = true;
    waitUntil(
      new Promise((resolve) => setTimeout(resolve, RECORD_DELAY_MS)).then(() =>
        this.#recordNow(env),
      ),
    );
  }

  /** Followers owed a kept reply, as of at most OWED_REFRESH_MS ago (or this isolate's own keeps). */
  async owedFollowers(env: Ledgers, now: number): Promise<ReadonlySet<string>> {
    if (now - this.#owedCheckedAt < OWED_REFRESH_MS) return this.#owed;
    // Concurrent pushes on this isolate use the current list instead of asking again.
    this.#owedCheckedAt = now;
    const known = await keptLedger(env).keptFollowers(this.#owedVersion).catch(ledgerUnavailable);
    if (known) {
      this.#owedVersion = known.version;
      if (known.openids) this.#owed = new Set(known.openids);
    }
    return this.#owed;
  }

  /** This isolate kept (or took) a reply for `openid`: no need to wait for the next refresh. */
  markOwed(openid: string, owed: boolean): void {
    if (owed) this.#owed.add(openid);
    else this.#owed.delete(openid);
  }

  async #recordNow(env: Ledgers): Promise<void> {
    const batches = this.#unrecorded;
    this.#unrecorded = new Map();
    this.#recordScheduled = false;
    await Promise.all(
      [...batches].map(([shard, pushes]) =>
        ledgerByName(env, shard)
          .recordAnswered(pushes)
          .catch((error: unknown) => ledgerUnavailable(error, "dedupe", { pushes: pushes.length })),
      ),
    );
  }

  #forgetOld(now: number): void {
    // Insertion order is roughly age order; pushes still running are skipped, never forgotten.
    for (const [key, entry] of this.#recent) {
      if (!entry.answered) continue;
      if (entry.forgetAt > now && this.#recent.size <= MAX_RECENT_PUSHES) break;
      this.#recent.delete(key);
    }
  }
}

const memories = new WeakMap<object, IsolateMemory>();

/** This isolate's memory for the ledger namespace `env.PUSH_LEDGER`. */
export function isolateMemory(env: Ledgers): IsolateMemory {
  let memory = memories.get(env.PUSH_LEDGER);
  if (!memory) {
    memory = new IsolateMemory();
    memories.set(env.PUSH_LEDGER, memory);
  }
  return memory;
}
