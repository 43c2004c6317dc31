/**
 * What one isolate remembers between pushes, so that most pushes never wait on the PushLedger:
 * - the pushes it is handling or has just answered, so that a copy of one sent again to this
 *   isolate gets the same answer (or waits for it) without a claim;
 * - its line to each account's ledger instance (ledger-exchange.ts): the signature checks and
 *   answers on their way there, and which followers are owed a kept reply.
 *
 * The state is per PushLedger namespace, so two Workers (or two test environments) sharing an
 * isolate never mix records.
 */
import type { Env } from "../env";
import { LedgerLine } from "./ledger-exchange";

/** How long an answered push is remembered here: past any copy sent within the fresh window. */
export const RECENT_PUSH_MS = 5_000;
/** Bounds the memory under a flood; the oldest answered pushes go first. */
const MAX_RECENT_PUSHES = 20_000;

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
  readonly #singleLine = new LedgerLine(undefined);
  readonly #lines = new Map<string, LedgerLine>();

  /** This isolate's line to the account's ledger instance; `partition` as ledgerPartition says. */
  line(partition: string | undefined): LedgerLine {
    if (partition === undefined) return this.#singleLine;
    let line = this.#lines.get(partition);
    if (!line) {
      line = new LedgerLine(partition);
      this.#lines.set(partition, line);
    }
    return line;
  }

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
