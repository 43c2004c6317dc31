/**
 * PushLedger: the strongly consistent memory of the callback, a SQLite-backed Durable Object.
 *
 * WeChat re-sends a push it got no answer to within 5 s, up to three times. KV is eventually
 * consistent (60 s or more between locations) and has no compare-and-set, so it cannot say "this
 * push is already being handled"; a Durable Object is single-threaded and can. It keeps:
 * - claims per push (MsgId, or the event key), so a handler runs at most once per push; the
 *   reply, so a retry gets the very same one; and the retries waiting for it;
 * - replies that could not be delivered late, kept for the follower's next message, and a
 *   version of who is owed one, which isolates learn with every exchange;
 * - which body each (timestamp, nonce) carried. In plaintext mode the signature does not cover
 *   the body, so the same pair with another body is a forgery built from a captured push
 *   (signature-pairs.ts: looked up in memory, one row written per call).
 * One instance per account holds all of these (ledger-instances.ts); `exchange` is the call every
 * push makes, and carries the rest along (ledger-exchange.ts).
 *
 * Rows expire: claims after PUSH_TTL_MS (well past WeChat's ~15 s of retries), signatures when
 * their timestamp leaves the accepted window, kept replies after the 48-hour service window.
 */
import { DurableObject } from "cloudflare:workers";
import { describeError, log } from "../log";
import type { Reply } from "../wechat/reply";
import { accountOfLedgerName, LEGACY_KEPT_LEDGER } from "./ledger-names";
import { SignaturePairs, type SignatureCheck, type SignatureClaim } from "./signature-pairs";

const PUSH_TTL_MS = 15 * 60 * 1000;
const KEPT_REPLY_TTL_MS = 48 * 60 * 60 * 1000;
const SWEEP_INTERVAL_MS = 15 * 60 * 1000;
/**
 * Answers recorded after the fact (recordAnswered) are kept in the instance's memory this long,
 * past WeChat's ~15 s of retries, not in SQLite: under load they come in bursts, and a SQLite row
 * each would dominate a push's CPU (npm run bench -- --profile shows it). Losing one
 * takes this instance restarting within those seconds and WeChat losing the answer as well.
 */
const ANSWERED_MEMORY_MS = 30_000;

export type ClaimResult =
  /** Run the handler. */
  | { state: "owner" }
  /** Already answered: give WeChat this reply again (undefined → `success`). */
  | { state: "answered"; replyXml: string | undefined }
  /**
   * Still running after the wait: `delivery` is which delivery this was (2 or 3); `closed` when
   * it was the last one of a held push, whose reply must now go out some other way.
   */
  | { state: "busy"; delivery?: number; closed?: boolean }
  /** Already delivered through customer service, or closed by the last delivery: `success`. */
  | { state: "delivered" };

/** A push held through WeChat's retries: deliveries before the last wait this long. */
export interface HoldOptions {
  waitMs: number;
  /** WeChat's deliveries of one push: the third is the last. */
  lastDelivery: number;
}

export type { SignatureCheck, SignatureClaim };

/** A push answered in time without a claim (see isolate-memory.ts), recorded after the fact. */
export interface AnsweredPush {
  key: string;
  replyXml: string | undefined;
}

/** Which followers are owed kept replies; `openids` is left out when `version` has not changed. */
export interface KeptFollowers {
  version: string;
  openids?: string[];
}

/** What an isolate sends its account's instance in one call (ledger-exchange.ts). */
export interface LedgerExchangeRequest {
  /** Signatures to check, in order. */
  checks: SignatureClaim[];
  /** Pushes answered in time without a claim since the last call. */
  answered: AnsweredPush[];
  /** The kept-replies version the isolate knows, if any. */
  keptVersion?: string | undefined;
}

export interface LedgerExchangeResult {
  checks: SignatureCheck[];
  kept: KeptFollowers;
}

/** A kept reply as it is stored, to hand over between instances. */
interface KeptReplyRow {
  openid: string;
  reply: string;
  expires_at: number;
}

type Waiter = (result: ClaimResult) => void;

export class PushLedger extends DurableObject {
  readonly #sql: SqlStorage;
  readonly #signatures: SignaturePairs;
  readonly #waiters = new Map<string, Set<Waiter>>();
  /** When the sweep alarm is known to be set; asking storage on every push costs a round trip. */
  #sweepScheduled = false;
  /** Changes whenever the set of followers owed a reply may have: new per instance life. */
  readonly #keptEpoch = crypto.randomUUID();
  #keptChanges = 0;
  readonly #answered = new Map<string, { replyXml: string | undefined; forgetAt: number }>();
  /** Replies kept before each account had its own instance, taken over once (see below). */
  #legacyKept: Promise<void> | undefined;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    this.#sql = ctx.storage.sql;
    this.#signatures = new SignaturePairs(this.#sql);
    // WITHOUT ROWID: the key is the row's only index, so writing a row is billed as one row
    // written, not two (a rowid table writes its TEXT PRIMARY KEY's index as well; npm run bench
    // counts them). Instances created before keep the tables they have.
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS pushes (
      key TEXT PRIMARY KEY, state TEXT NOT NULL, reply_xml TEXT, expires_at INTEGER NOT NULL,
      deliveries INTEGER NOT NULL DEFAULT 1) WITHOUT ROWID`);
    // Instances created before deliveries were counted get the column (rows there expire fast).
    const columns = this.#sql.exec<{ name: string }>("PRAGMA table_info(pushes)").toArray();
    if (!columns.some((column) => column.name === "deliveries")) {
      this.#sql.exec("ALTER TABLE pushes ADD COLUMN deliveries INTEGER NOT NULL DEFAULT 1");
    }
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS kept_replies (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, openid TEXT NOT NULL, reply TEXT NOT NULL,
      expires_at INTEGER NOT NULL)`);
    this.#sql.exec("CREATE INDEX IF NOT EXISTS kept_replies_openid ON kept_replies (openid)");
    this.#sql.exec(
      "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
    );
  }

  /**
   * The call every push makes: records the answers given since the isolate's last call, checks
   * the signatures, and says who is owed a kept reply (only the version, when it has not
   * changed). Answers first, so that a claim behind them in this instance finds them.
   */
  async exchange(request: LedgerExchangeRequest): Promise<LedgerExchangeResult> {
    if (request.answered.length > 0) await this.recordAnswered(request.answered);
    const checks = request.checks.length > 0 ? await this.checkSignatures(request.checks) : [];
    return { checks, kept: await this.keptFollowers(request.keptVersion) };
  }

  /**
   * Claims a push for handling, and counts the delivery. The first claim owns it (delivery 1);
   * a later one (WeChat re-sending it) waits for the owner's reply while the push is running:
   * up to `waitMs`, or, when the push is held through WeChat's retries (`hold`) and this is not
   * the last delivery, up to `hold.waitMs`. A last delivery that times out closes the push: from
   * then on its reply must go through customer service or be kept (settle says which).
   */
  async claim(key: string, waitMs: number, hold?: HoldOptions): Promise<ClaimResult> {
    const answered = this.#answered.get(key);
    if (answered && answered.forgetAt > Date.now()) {
      return { state: "answered", replyXml: answered.replyXml };
    }
    const row = this.#sql
      .exec<{ state: string; reply_xml: string | null; deliveries: number }>(
        "SELECT state, reply_xml, deliveries FROM pushes WHERE key = ? AND expires_at > ?",
        key,
        Date.now(),
      )
      .toArray()[0];
    if (!row) {
      this.#sql.exec(
        "INSERT OR REPLACE INTO pushes (key, state, reply_xml, expires_at, deliveries) VALUES (?, 'running', NULL, ?, 1)",
        key,
        Date.now() + PUSH_TTL_MS,
      );
      await this.#ensureSweep();
      return { state: "owner" };
    }
    if (row.state === "answered")
      return { state: "answered", replyXml: row.reply_xml ?? undefined };
    if (row.state === "delivered" || row.state === "closed") return { state: "delivered" };
    const delivery = row.deliveries + 1;
    this.#sql.exec("UPDATE pushes SET deliveries = ? WHERE key = ?", delivery, key);
    if (hold && delivery < hold.lastDelivery) {
      const result = await this.#waitFor(key, hold.waitMs);
      return result.state === "busy" ? { state: "busy", delivery } : result;
    }
    const result = await this.#waitFor(key, waitMs);
    if (result.state !== "busy") return result;
    if (hold) {
      // The last delivery gave up: the reply, when it comes, goes out some other way, once.
      this.#sql.exec("UPDATE pushes SET state = 'closed' WHERE key = ? AND state = 'running'", key);
      return { state: "busy", delivery, closed: true };
    }
    return { state: "busy", delivery };
  }

  /**
   * Records the owner's outcome. In time (`late: false`), the reply is stored for retries and given
   * to any retry already waiting. Late, the reply goes to a waiting retry if there is one (WeChat is
   * still listening there) and otherwise must be delivered through customer service: the answer
   * says which, so the late delivery happens once however many retries came. Held (`late:
   * "held"`: the push is being held through WeChat's retries), a reply with no retry waiting is
   * stored for the next delivery, unless the last delivery has already closed the push.
   */
  async settle(
    key: string,
    replyXml: string | undefined,
    late: boolean | "held",
  ): Promise<{ deliverLate: boolean }> {
    const waiting = this.#waiters.get(key);
    const retryWaiting = waiting !== undefined && waiting.size > 0 && replyXml !== undefined;
    const closed =
      late === "held" &&
      this.#sql.exec<{ state: string }>("SELECT state FROM pushes WHERE key = ?", key).toArray()[0]
        ?.state === "closed";
    const stored = !late || retryWaiting || (late === "held" && !closed);
    const state = stored ? "answered" : "delivered";
    this.#sql.exec(
      `INSERT OR REPLACE INTO pushes (key, state, reply_xml, expires_at, deliveries)
       VALUES (?, ?, ?, ?, COALESCE((SELECT deliveries FROM pushes WHERE key = ?), 1))`,
      key,
      state,
      replyXml ?? null,
      Date.now() + PUSH_TTL_MS,
      key,
    );
    this.#wake(key, state === "answered" ? { state, replyXml } : { state: "delivered" });
    return { deliverLate: !stored && replyXml !== undefined };
  }

  /**
   * Records pushes answered in time without a claim, in one call per batch. A retry that claimed
   * one of them meanwhile (it would have to come early) is woken with the reply.
   */
  async recordAnswered(pushes: AnsweredPush[]): Promise<void> {
    const now = Date.now();
    for (const { key, replyXml } of pushes) {
      this.#answered.delete(key);
      this.#answered.set(key, { replyXml, forgetAt: now + ANSWERED_MEMORY_MS });
      this.#wake(key, { state: "answered", replyXml });
    }
    this.#forgetAnswered(now);
  }

  /** Keeps a reply that could not be delivered late, for the follower's next message. */
  async keepReply(openid: string, reply: Reply): Promise<void> {
    await this.#takeOverLegacyKept();
    this.#keptChanges++;
    this.#sql.exec(
      "INSERT INTO kept_replies (openid, reply, expires_at) VALUES (?, ?, ?)",
      openid,
      JSON.stringify(reply),
      Date.now() + KEPT_REPLY_TTL_MS,
    );
    await this.#ensureSweep();
  }

  /** Takes (and forgets) the replies kept for a follower, oldest first. */
  async takeKeptReplies(openid: string): Promise<Reply[]> {
    await this.#takeOverLegacyKept();
    return this.#takeKeptReplies(openid);
  }

  /** The followers owed a kept reply, unless nothing changed since `version`. */
  async keptFollowers(version?: string): Promise<KeptFollowers> {
    await this.#takeOverLegacyKept();
    const current = `${this.#keptEpoch}:${this.#keptChanges}`;
    if (version === current) return { version: current };
    const rows = this.#sql
      .exec<{ openid: string }>(
        "SELECT DISTINCT openid FROM kept_replies WHERE expires_at > ?",
        Date.now(),
      )
      .toArray();
    return { version: current, openids: rows.map((row) => row.openid) };
  }

  /**
   * Checks a batch of (timestamp, nonce) pairs against the bodies they carried before, in order,
   * and remembers the new ones until their `expiresAt` (ms): "fresh" the first time, "retry" for
   * the same body again, "conflict" for another body (a replayed signature). One call per batch: an isolate sends the checks that arrive
   * while its previous call is out (replay-guard.ts).
   */
  async checkSignatures(checks: SignatureClaim[]): Promise<SignatureCheck[]> {
    const { results, wrote } = this.#signatures.check(checks);
    if (wrote) await this.#ensureSweep();
    return results;
  }

  /**
   * The replies kept here for the account `partition` (null: the single account, whose openids
   * carry no prefix), for its own instance to take over. This is asked only of the instance that
   * kept every account's replies before (LEGACY_KEPT_LEDGER); they are forgotten here only once
   * the new instance holds them (forgetHandedOverKept).
   */
  async keptToHandOver(partition: string | null): Promise<KeptReplyRow[]> {
    return this.#sql
      .exec<{ openid: string; reply: string; expires_at: number }>(
        `SELECT openid, reply, expires_at FROM kept_replies WHERE expires_at > ? AND ${
          partition === null ? "instr(openid, ':') = 0" : "substr(openid, 1, ?) = ?"
        } ORDER BY seq`,
        Date.now(),
        ...(partition === null ? [] : [partition.length + 1, `${partition}:`]),
      )
      .toArray();
  }

  /** Forgets the replies keptToHandOver gave for `partition`, now held by its own instance. */
  async forgetHandedOverKept(partition: string | null): Promise<void> {
    this.#sql.exec(
      `DELETE FROM kept_replies WHERE ${
        partition === null ? "instr(openid, ':') = 0" : "substr(openid, 1, ?) = ?"
      }`,
      ...(partition === null ? [] : [partition.length + 1, `${partition}:`]),
    );
    this.#keptChanges++;
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    for (const table of ["pushes", "kept_replies"]) {
      this.#sql.exec(`DELETE FROM ${table} WHERE expires_at <= ?`, now);
    }
    const signaturesLeft = this.#signatures.sweep(now);
    const remaining =
      signaturesLeft ||
      ["pushes", "kept_replies"].some(
        (table) => this.#sql.exec(`SELECT 1 FROM ${table} LIMIT 1`).toArray().length > 0,
      );
    this.#sweepScheduled = remaining;
    if (remaining) await this.ctx.storage.setAlarm(now + SWEEP_INTERVAL_MS);
  }

  #forgetAnswered(now: number): void {
    for (const [key, entry] of this.#answered) {
      if (entry.forgetAt > now) break;
      this.#answered.delete(key);
    }
  }

  #takeKeptReplies(openid: string): Reply[] {
    const rows = this.#sql
      .exec<{ reply: string }>(
        "SELECT reply FROM kept_replies WHERE openid = ? AND expires_at > ? ORDER BY seq",
        openid,
        Date.now(),
      )
      .toArray();
    if (rows.length > 0) {
      this.#sql.exec("DELETE FROM kept_replies WHERE openid = ?", openid);
      this.#keptChanges++;
    }
    return rows.map((row) => JSON.parse(row.reply) as Reply);
  }

  #waitFor(key: string, waitMs: number): Promise<ClaimResult> {
    if (waitMs <= 0) return Promise.resolve({ state: "busy" });
    return new Promise((resolve) => {
      const waiters = this.#waiters.get(key) ?? new Set<Waiter>();
      this.#waiters.set(key, waiters);
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        if (waiters.size === 0) this.#waiters.delete(key);
        resolve({ state: "busy" });
      }, waitMs);
      const waiter: Waiter = (result) => {
        clearTimeout(timer);
        resolve(result);
      };
      waiters.add(waiter);
    });
  }

  #wake(key: string, result: ClaimResult): void {
    const waiters = this.#waiters.get(key);
    if (!waiters) return;
    this.#waiters.delete(key);
    for (const waiter of waiters) waiter(result);
  }

  /**
   * Before each account had its own instance, every account's kept replies lived in one
   * (LEGACY_KEPT_LEDGER), and a follower may still be owed one of them for up to 48 hours after
   * an upgrade. An account's instance takes its own over before it first answers about kept
   * replies: once, remembered in `meta`, so later lives of the instance read one row instead of
   * calling. If the old instance cannot be reached, the next kept-reply call tries again.
   */
  #takeOverLegacyKept(): Promise<void> {
    this.#legacyKept ??= this.#takeOver().catch((error: unknown) => {
      this.#legacyKept = undefined;
      log.warn("ledger.kept_takeover_failed", { error: describeError(error) });
    });
    return this.#legacyKept;
  }

  async #takeOver(): Promise<void> {
    const account = accountOfLedgerName(this.ctx.id.name);
    const namespace = (this.env as { PUSH_LEDGER?: DurableObjectNamespace<PushLedger> })
      .PUSH_LEDGER;
    if (!account || !namespace) return;
    const done = this.#sql
      .exec("SELECT 1 FROM meta WHERE key = 'legacy_kept_taken'")
      .toArray().length;
    if (done > 0) return;
    const legacy = namespace.get(namespace.idFromName(LEGACY_KEPT_LEDGER));
    const partition = account.partition ?? null;
    const rows = await legacy.keptToHandOver(partition);
    // One synchronous run: the rows and the mark are written together or not at all.
    for (const row of rows) {
      this.#sql.exec(
        "INSERT INTO kept_replies (openid, reply, expires_at) VALUES (?, ?, ?)",
        row.openid,
        row.reply,
        row.expires_at,
      );
    }
    this.#sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('legacy_kept_taken', '1')");
    if (rows.length === 0) return;
    this.#keptChanges++;
    await this.#ensureSweep();
    // Left there if this fails: never taken again (the mark), they expire with their 48 hours.
    await legacy.forgetHandedOverKept(partition).catch(() => undefined);
  }

  async #ensureSweep(): Promise<void> {
    if (this.#sweepScheduled) return;
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now() + SWEEP_INTERVAL_MS);
    }
    this.#sweepScheduled = true;
  }
}
