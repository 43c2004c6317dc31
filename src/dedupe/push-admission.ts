/**
 * Whether a push may run its handler, and how its outcome reaches the PushLedger: the
 * "at most once per push, across isolates" rule, paid for only when it can matter.
 *
 * WeChat retries a push only after waiting 5 s for an answer, and a retry carries the push's own
 * CreateTime. So a push whose CreateTime is less than FRESH_PUSH_SECONDS old is a first delivery:
 * no other isolate can be handling it, and it runs without a claim (no round trip). Then:
 * - answered in time, its reply goes to the ledger on the account's next call there (within
 *   RECORD_DELAY_MS, long before any retry can come), and is remembered here for copies sent to
 *   this isolate;
 * - still running after CLAIM_AFTER_MS, or late, it claims the push in the ledger, so that a
 *   retry finds it running and waits for it, and a late reply goes out once.
 * Everything else claims first, as every push used to: older pushes (WeChat's retries, pushes
 * delayed on the way) and pushes from followers owed a kept reply (the claim decides who takes
 * it). A copy of a push that arrives while this isolate still handles it waits for it here.
 * The 3-second window allows this isolate's clock to be up to 2 s behind WeChat's.
 *
 * Accounts other than the single one pass their appid as `partition`: their pushes go to their
 * own ledger instance, and the appid prefixes the push's key and the follower's id there too, so
 * two accounts' pushes never meet, even with equal MsgIds or openids.
 */
import type { Env } from "../env";
import { log } from "../log";
import type { InboundMessage } from "../wechat/message";
import type { Reply } from "../wechat/reply";
import { isolateMemory, type IsolateMemory, type RecentPush } from "./isolate-memory";
import { RECORD_DELAY_MS, type LedgerLine } from "./ledger-exchange";
import { accountLedger, followerIdIn } from "./ledger-instances";
import { ledgerUnavailable } from "./ledger-unavailable";
import type { ClaimResult, HoldOptions } from "./push-ledger";

export const FRESH_PUSH_SECONDS = 3;
/** A handler still running this long claims its push, well before a retry can arrive. */
export const CLAIM_AFTER_MS = 1_000;
/** How often a copy waiting on this isolate looks at the push it waits for. */
const LOCAL_POLL_MS = 10;

type Admission =
  /**
   * Do not run the handler: answer this (undefined → `success`). `busy` when the push is still
   * running elsewhere after the wait: which delivery this was, and whether it closed a held push.
   */
  | {
      run: false;
      replyXml: string | undefined;
      busy?: { delivery: number | undefined; closed: boolean };
    }
  /** Run it; `kept` are replies owed to the follower; without a ticket, nothing is deduplicated. */
  | { run: true; kept: Reply[]; ticket: PushTicket | undefined };

type Ledgers = Pick<Env, "PUSH_LEDGER">;

export async function admitPush(
  env: Ledgers,
  message: InboundMessage,
  key: string,
  waitMs: number,
  memory: IsolateMemory = isolateMemory(env),
  hold?: () => Promise<HoldOptions | undefined>,
  partition?: string,
  recordDelayMs: number = RECORD_DELAY_MS,
): Promise<Admission> {
  // The follower's id in the ledger (kept replies), within the account's partition.
  const openid = followerIdIn(partition, message.fromUserName);
  if (partition !== undefined) key = `${partition}:${key}`;
  const line = memory.line(partition);
  // Built only when asked: most pushes are fresh and never call the ledger here.
  const ledger = () => accountLedger(env, partition);
  // Known from the push's own replay check, which has just come back (ledger-exchange.ts).
  const owed = (await line.owedFollowers(env, Date.now())).has(openid);
  const now = Date.now();
  const here = memory.recent(key, now);
  if (here) {
    // A held push's copies are counted in the ledger, wherever they arrive: it decides which
    // delivery is the last. A copy of an answered push gets its answer here.
    const held = here.answered ? undefined : await hold?.();
    if (!held) return { run: false, replyXml: await waitHere(here, waitMs) };
    const claim = await ledger().claim(key, waitMs, held).catch(ledgerUnavailable);
    // Owner: the handler here has not claimed yet (it claims long before a re-send is due).
    if (!claim || claim.state === "owner") {
      return { run: false, replyXml: await waitHere(here, waitMs) };
    }
    return notRun(claim);
  }

  const entry = memory.remember(key);
  const ageSeconds = now / 1000 - message.createTime;
  if (!owed && ageSeconds < FRESH_PUSH_SECONDS) {
    return {
      run: true,
      kept: [],
      ticket: new PushTicket(env, memory, line, key, openid, entry, false, recordDelayMs),
    };
  }

  // A copy of a push that is not fresh may be a re-send of a held one: ask only then.
  const held = ageSeconds >= FRESH_PUSH_SECONDS ? await hold?.() : undefined;
  const claim = await ledger().claim(key, waitMs, held).catch(ledgerUnavailable);
  if (!claim) {
    memory.forget(key);
    return { run: true, kept: [], ticket: undefined };
  }
  if (claim.state !== "owner") {
    const replyXml = claim.state === "answered" ? claim.replyXml : undefined;
    if (claim.state === "busy") memory.forget(key);
    else memory.answer(entry, replyXml, Date.now());
    return notRun(claim);
  }
  const kept = owed ? await takeKept(ledger(), line, openid) : [];
  return {
    run: true,
    kept,
    ticket: new PushTicket(env, memory, line, key, openid, entry, true, recordDelayMs),
  };
}

function notRun(claim: Exclude<ClaimResult, { state: "owner" }>): Admission {
  if (claim.state === "answered") return { run: false, replyXml: claim.replyXml };
  if (claim.state === "busy") {
    return {
      run: false,
      replyXml: undefined,
      busy: { delivery: claim.delivery, closed: claim.closed === true },
    };
  }
  return { run: false, replyXml: undefined };
}

async function takeKept(
  ledger: ReturnType<typeof accountLedger>,
  line: LedgerLine,
  openid: string,
): Promise<Reply[]> {
  const kept = (await ledger.takeKeptReplies(openid).catch(ledgerUnavailable)) ?? [];
  line.markOwed(openid, false);
  return kept;
}

/** A copy of a push this isolate is handling: its answer once there, within the wait. */
async function waitHere(entry: RecentPush, waitMs: number): Promise<string | undefined> {
  const deadline = Date.now() + waitMs;
  entry.waiting++;
  try {
    while (!entry.answered && Date.now() < deadline) {
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(LOCAL_POLL_MS, deadline - Date.now())),
      );
    }
    // Checked and given up in one step, so a late reply is either handed here or delivered.
    return entry.answered ? entry.replyXml : undefined;
  } finally {
    entry.waiting--;
  }
}

/** The handler's side of the rule: how its outcome is recorded. */
export class PushTicket {
  #claim: Promise<boolean> | undefined;
  #stub: ReturnType<typeof accountLedger> | undefined;

  constructor(
    private readonly env: Ledgers,
    private readonly memory: IsolateMemory,
    private readonly line: LedgerLine,
    private readonly key: string,
    private readonly openid: string,
    private readonly entry: RecentPush,
    claimed: boolean,
    private readonly recordDelayMs: number,
  ) {
    if (claimed) this.#claim = Promise.resolve(true);
  }

  /** The account's ledger instance, built on first use: a push answered in time never needs it. */
  get #ledger(): ReturnType<typeof accountLedger> {
    return (this.#stub ??= accountLedger(this.env, this.line.partition));
  }

  /** Claims the push now if it ran unclaimed; false when the ledger cannot be counted on. */
  claim(): Promise<boolean> {
    this.#claim ??= this.#ledger
      .claim(this.key, 0)
      .then((result) => {
        // Nobody else should hold a fresh push; if someone does, both ran: say so.
        if (result.state !== "owner") log.warn("push.duplicate", { state: result.state });
        return result.state === "owner";
      })
      .catch((error: unknown) => ledgerUnavailable(error) ?? false);
    return this.#claim;
  }

  /** Answered in time with `replyXml`. */
  answered(replyXml: string | undefined, waitUntil: (promise: Promise<unknown>) => void): void {
    this.memory.answer(this.entry, replyXml, Date.now());
    if (!this.#claim) {
      this.line.record(this.env, { key: this.key, replyXml }, waitUntil, this.recordDelayMs);
      return;
    }
    const ledger = this.#ledger;
    waitUntil(
      this.#claim.then((owner) =>
        owner ? ledger.settle(this.key, replyXml, false).catch(ledgerUnavailable) : undefined,
      ),
    );
  }

  /**
   * The handler finished after the push was answered `success`. Resolves whether this isolate
   * must deliver `replyXml` through customer service: not when a retry (here or anywhere) took it.
   */
  async answeredLate(replyXml: string | undefined): Promise<boolean> {
    // A copy waiting on this isolate is WeChat still listening: it answers passively.
    const handedHere = this.entry.waiting > 0 && replyXml !== undefined;
    this.memory.answer(this.entry, handedHere ? replyXml : undefined, Date.now());
    const owner = await this.claim();
    if (!owner) return !handedHere && replyXml !== undefined;
    const settled = await this.#ledger
      .settle(this.key, replyXml, !handedHere)
      .catch(ledgerUnavailable);
    if (handedHere) return false;
    return settled ? settled.deliverLate : replyXml !== undefined;
  }

  /**
   * The handler of a held push finished (after its own delivery's budget). Resolves whether this
   * isolate must deliver `replyXml` some other way: only when the last delivery has closed the
   * push; otherwise a waiting or later delivery carries it passively.
   */
  async answeredHeld(replyXml: string | undefined): Promise<boolean> {
    const handedHere = this.entry.waiting > 0 && replyXml !== undefined;
    this.memory.answer(this.entry, replyXml, Date.now());
    if (handedHere) return false;
    const owner = await this.claim();
    if (!owner) return replyXml !== undefined;
    const settled = await this.#ledger.settle(this.key, replyXml, "held").catch(ledgerUnavailable);
    return settled ? settled.deliverLate : replyXml !== undefined;
  }

  /** Keeps a reply customer service refused, for the follower's next message. */
  async keep(reply: Reply): Promise<void> {
    this.line.markOwed(this.openid, true);
    await this.#ledger.keepReply(this.openid, reply);
  }
}
