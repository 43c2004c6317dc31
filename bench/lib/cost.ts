/**
 * What a push costs on Cloudflare's bill, and what a remote Durable Object adds to its latency.
 *
 * The Worker is the deployed bundle behind the counting wrapper (bench/servers/counting/): every
 * Durable Object call, SQLite row, storage call, KV operation and subrequest the bundle makes is
 * counted, and read back through the wrapper's `/__bench/ops`. Pushes are signed just before
 * they are sent, so each one's CreateTime is the second it goes out in, as from WeChat.
 *
 * Two rates: idle (one push a second, sent on a clock whether or not the previous one is
 * answered: nothing arrives close enough to another to share a call) and under load (32 pushes
 * in flight at all times). A slow push is driven the way WeChat drives it: a delivery without an
 * answer after 5 s is abandoned and sent again, up to three deliveries.
 */
import {
  checkReply,
  KIND_LABEL,
  makePool,
  type PoolPush,
  type PushKind,
  type TextOverride,
} from "./pushes";
import { costPerMillion, type PerPushOps, type PushCost } from "./prices";

export type CostKind =
  "text-plaintext" | "text-safe" | "event-safe" | "slow-held" | "long-text" | "memory";

export const COST_KINDS: CostKind[] = [
  "text-plaintext",
  "text-safe",
  "event-safe",
  "slow-held",
  "long-text",
  "memory",
];

/** Fast pushes: answered within the budget by a handler that calls nothing. */
export const FAST_KINDS: CostKind[] = ["text-plaintext", "text-safe", "event-safe"];

/** A passage repeated into a text several passive replies long (cut into parts by the Worker). */
const LONG_LINE = "这是一条很长的回复，用来测量分段发送的成本。";

interface KindSpec {
  base: PushKind;
  label: string;
  text?: TextOverride;
  /** Held through WeChat's retries: the first delivery gets no answer. */
  slow?: boolean;
  /**
   * Replies go through customer service too: the fake WeChat is told the follower wrote, as
   * WeChat opens the follower's customer-service window when a message arrives.
   */
  customerService?: boolean;
}

export const COST_KIND_SPECS: Record<CostKind, KindSpec> = {
  "text-plaintext": { base: "text-plaintext", label: KIND_LABEL["text-plaintext"] },
  "text-safe": { base: "text-safe", label: KIND_LABEL["text-safe"] },
  "event-safe": { base: "event-safe", label: KIND_LABEL["event-safe"] },
  "slow-held": {
    base: "text-safe",
    label: "slow reply held through retries (/slow 6)",
    text: { send: () => "/slow 6", expect: () => "done after 6 s" },
    slow: true,
    customerService: true,
  },
  "long-text": {
    base: "text-safe",
    label: "long text in parts (5 KB echoed)",
    text: {
      send: (index) => `第 ${index} 段\n${LONG_LINE.repeat(80)}`,
      expect: (sent) => sent,
      prefix: true,
    },
    customerService: true,
  },
  memory: {
    base: "text-safe",
    label: "conversation memory (/remember)",
    text: {
      send: (index) => `/remember 第 ${index} 条记忆`,
      expect: (sent) => `记住了: ${sent.slice("/remember ".length)}`,
    },
  },
};

/** What the counting wrapper reports (bench/servers/counting/runtime.js). */
export interface OpCounters {
  workerRequests: number;
  doCalls: Record<string, Record<string, number>>;
  doActiveMs: Record<string, number>;
  doInstances: Record<string, number>;
  alarms: Record<string, number>;
  sql: Record<
    string,
    Record<string, { statements: number; rowsRead: number; rowsWritten: number }>
  >;
  storage: Record<string, Record<string, number>>;
  kv: { reads: number; writes: number; deletes: number; lists: number };
  fetches: Record<string, number>;
}

export type CostRate = "idle" | "c32";

export interface CostRow {
  config: string;
  kind: CostKind;
  label: string;
  rate: CostRate;
  pushes: number;
  seconds: number;
  /** Requests sent to the Worker (a held push is answered on a later delivery). */
  deliveriesPerPush: number;
  ops: PerPushOps;
  /** Durable Object calls per push by `BINDING.method` (alarms as `Class.alarm`). */
  doCalls: Record<string, number>;
  /** Instances that got a call, over the phase. */
  doInstances: Record<string, number>;
  /** SQLite rows per push by `Class: statement`, only those that read or wrote a row. */
  rows: { statement: string; read: number; written: number }[];
  storageCalls: Record<string, number>;
  subrequestsPerPush: number;
  cost: PushCost;
  p50Ms: number;
  p99Ms: number;
  failures: number;
  firstFailure?: string;
}

export interface RemoteLatencyRow {
  delayMs: number;
  kind: CostKind;
  label: string;
  /** idle: one push a second on a clock; c1: one after another; c32: 32 at a time. */
  rate: "idle" | "c1" | "c32";
  pushes: number;
  p50Ms: number;
  p99Ms: number;
  /** Per push, counted over the run: a longer round trip makes the replay guard's batches larger. */
  doRequestsPerPush: number;
  rowsWrittenPerPush: number;
  failures: number;
  firstFailure?: string;
}

/** WeChat abandons a delivery it has no answer to after this long, and sends the push again. */
const DELIVERY_TIMEOUT_MS = 5_000;
const LAST_DELIVERY = 3;
/**
 * After a phase, before the counters are read: the last answers wait up to the record delay
 * (WECHAT_DEDUPE_RECORD_DELAY_MS, 2 s by default; src/dedupe/ledger-exchange.ts) for a call to
 * ride on, then go on their own, and that call is counted too; late replies and parts go right
 * after the answer.
 */
const SETTLE_MS = 2_500;

let seed = (Math.floor(Math.random() * 1e5) + 1) * 10_000;

/** One push of `kind`, signed now (CreateTime and timestamp are this second). */
async function freshPush(kind: CostKind): Promise<PoolPush> {
  const spec = COST_KIND_SPECS[kind];
  const [push] = await makePool(spec.base, 1, ++seed, Number.POSITIVE_INFINITY, spec.text);
  return push!;
}

interface Sent {
  ms: number;
  deliveries: number;
  failure?: string;
}

async function deliver(url: string, push: PoolPush) {
  try {
    const response = await fetch(url + push.path, {
      method: "POST",
      headers: { "content-type": "text/xml" },
      body: push.body,
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    if (error instanceof Error && error.name === "TimeoutError") return undefined;
    throw error;
  }
}

/** The fake WeChat API the counted Workers call (customer service, tokens). */
let fakeWeChat: string | undefined;

async function sendPush(url: string, kind: CostKind, dedupe: boolean): Promise<Sent> {
  const spec = COST_KIND_SPECS[kind];
  const push = await freshPush(kind);
  if (spec.customerService && fakeWeChat) {
    const opened = await fetch(`${fakeWeChat}/__fake/interaction`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ openid: push.openid, kind: "message" }),
    });
    if (!opened.ok) throw new Error(`fake WeChat refused the interaction: ${opened.status}`);
  }
  const started = performance.now();
  for (let delivery = 1; delivery <= LAST_DELIVERY; delivery++) {
    let answer: { status: number; body: string } | undefined;
    try {
      answer = await deliver(url, push);
    } catch (error) {
      return { ms: performance.now() - started, deliveries: delivery, failure: String(error) };
    }
    if (!answer) continue;
    const ms = performance.now() - started;
    // Without the ledger nothing is held: the slow reply is answered `success` at the budget
    // and goes out through customer service.
    if (spec.slow && !dedupe && answer.status === 200 && answer.body === "success") {
      return { ms, deliveries: delivery };
    }
    const failure = await checkReply(spec.base, push, answer.status, answer.body);
    return { ms, deliveries: delivery, ...(failure ? { failure } : {}) };
  }
  return {
    ms: performance.now() - started,
    deliveries: LAST_DELIVERY,
    failure: "no answer to any delivery",
  };
}

/** `count` pushes, one every `intervalMs` on a clock (idle), or `concurrency` at a time. */
async function drivePushes(
  url: string,
  kind: CostKind,
  dedupe: boolean,
  count: number,
  pace: { intervalMs: number } | { concurrency: number },
): Promise<{ sent: Sent[]; seconds: number }> {
  const started = performance.now();
  const sent: Sent[] = [];
  if ("intervalMs" in pace) {
    await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const wait = started + i * pace.intervalMs - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        sent.push(await sendPush(url, kind, dedupe));
      }),
    );
  } else {
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(pace.concurrency, count) }, async () => {
        while (next < count) {
          next++;
          sent.push(await sendPush(url, kind, dedupe));
        }
      }),
    );
  }
  return { sent, seconds: (performance.now() - started) / 1000 };
}

function percentile(values: number[], p: number) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function benchCall(url: string, path: string, method = "GET") {
  const response = await fetch(url + path, { method });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

export const readOps = (url: string) => benchCall(url, "/__bench/ops") as Promise<OpCounters>;
export const resetOps = (url: string) => benchCall(url, "/__bench/reset", "POST");
export const setDoDelay = (url: string, ms: number) =>
  benchCall(url, `/__bench/delay?ms=${ms}`, "POST");

const sum = (values: Iterable<number>) => [...values].reduce((a, b) => a + b, 0);

/** Per-push figures from one phase's counters. */
export function perPush(counters: OpCounters, pushes: number) {
  const n = Math.max(1, pushes);
  const doCalls: Record<string, number> = {};
  for (const [binding, methods] of Object.entries(counters.doCalls)) {
    for (const [method, calls] of Object.entries(methods))
      doCalls[`${binding}.${method}`] = calls / n;
  }
  for (const [className, calls] of Object.entries(counters.alarms)) {
    doCalls[`${className}.alarm`] = calls / n;
  }
  const rows: CostRow["rows"] = [];
  for (const [className, statements] of Object.entries(counters.sql)) {
    for (const [statement, figures] of Object.entries(statements)) {
      if (figures.rowsRead === 0 && figures.rowsWritten === 0) continue;
      rows.push({
        statement: `${className}: ${statement}`,
        read: figures.rowsRead / n,
        written: figures.rowsWritten / n,
      });
    }
  }
  const storageCalls: Record<string, number> = {};
  let setAlarms = 0;
  for (const [className, methods] of Object.entries(counters.storage)) {
    for (const [method, calls] of Object.entries(methods)) {
      storageCalls[`${className}.${method}`] = calls / n;
      if (method === "setAlarm") setAlarms += calls;
    }
  }
  // Billed as a row written (the pricing page's note on alarms).
  if (setAlarms > 0)
    rows.push({ statement: "setAlarm (billed as a row written)", read: 0, written: setAlarms / n });
  rows.sort((a, b) => b.written - a.written || b.read - a.read);
  const ops: PerPushOps = {
    workerRequests: counters.workerRequests / n,
    doRequests: sum(Object.values(doCalls)),
    doActiveMs: sum(Object.values(counters.doActiveMs)) / n,
    rowsRead: sum(rows.map((row) => row.read)),
    rowsWritten: sum(rows.map((row) => row.written)),
    kvReads: counters.kv.reads / n,
    kvWrites: counters.kv.writes / n,
    kvDeletes: counters.kv.deletes / n,
    kvLists: counters.kv.lists / n,
  };
  return {
    ops,
    doCalls,
    rows,
    storageCalls,
    subrequestsPerPush: sum(Object.values(counters.fetches)) / n,
  };
}

export interface CostPlan {
  idlePushes: (kind: CostKind) => number;
  idleIntervalMs: number;
  loadPushes: (kind: CostKind) => number;
}

/**
 * Every kind at both rates on one counted Worker. `log` reports each phase as it ends.
 */
export async function measureCosts(
  url: string,
  config: string,
  dedupe: boolean,
  plan: CostPlan,
  fakeWeChatUrl: string | undefined,
  log: (line: string) => void,
): Promise<CostRow[]> {
  fakeWeChat = fakeWeChatUrl;
  const rows: CostRow[] = [];
  // Warm: every ledger instance created, every code path compiled, before anything is counted.
  await drivePushes(url, "text-plaintext", dedupe, 200, { concurrency: 32 });
  for (const kind of COST_KINDS.filter((k) => k !== "slow-held")) {
    await drivePushes(url, kind, dedupe, 2, { concurrency: 1 });
  }
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  for (const rate of ["idle", "c32"] as const) {
    for (const kind of COST_KINDS) {
      await resetOps(url);
      const count = rate === "idle" ? plan.idlePushes(kind) : plan.loadPushes(kind);
      const { sent, seconds } = await drivePushes(
        url,
        kind,
        dedupe,
        count,
        rate === "idle" ? { intervalMs: plan.idleIntervalMs } : { concurrency: 32 },
      );
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const counters = await readOps(url);
      const figures = perPush(counters, sent.length);
      const failed = sent.filter((s) => s.failure);
      const row: CostRow = {
        config,
        kind,
        label: COST_KIND_SPECS[kind].label,
        rate,
        pushes: sent.length,
        seconds,
        deliveriesPerPush: sum(sent.map((s) => s.deliveries)) / Math.max(1, sent.length),
        ...figures,
        doInstances: counters.doInstances,
        cost: costPerMillion(figures.ops),
        p50Ms: percentile(
          sent.map((s) => s.ms),
          50,
        ),
        p99Ms: percentile(
          sent.map((s) => s.ms),
          99,
        ),
        failures: failed.length,
        ...(failed[0]?.failure ? { firstFailure: failed[0].failure } : {}),
      };
      rows.push(row);
      log(
        `  ${config.padEnd(18)} ${row.label.padEnd(44)} ${rate.padEnd(4)} ` +
          `DO ${row.ops.doRequests.toFixed(2)}/push, rows r ${row.ops.rowsRead.toFixed(2)} ` +
          `w ${row.ops.rowsWritten.toFixed(2)}, KV r ${row.ops.kvReads.toFixed(2)} ` +
          `w ${row.ops.kvWrites.toFixed(2)}, $${row.cost.total.toFixed(3)}/M ` +
          `(${row.cost.timesRequestFee.toFixed(1)}× fee), ${row.pushes} pushes, ` +
          `failures ${row.failures}${row.firstFailure ? ` (${row.firstFailure})` : ""}`,
      );
    }
  }
  return rows;
}

export interface LatencyPlan {
  delays: number[];
  kinds: CostKind[];
  /** Kinds also sent at the idle rate (one a second: each pays every periodic refresh). */
  idleKinds: CostKind[];
  idlePushes: number;
  idleIntervalMs: number;
  c1Pushes: number;
  c32Pushes: number;
}

/** p50/p99 of a push with every Durable Object call `delay` ms further away. */
export async function measureRemoteLatency(
  url: string,
  plan: LatencyPlan,
  log: (line: string) => void,
): Promise<RemoteLatencyRow[]> {
  const rows: RemoteLatencyRow[] = [];
  try {
    for (const delayMs of plan.delays) {
      await setDoDelay(url, delayMs);
      // A few pushes first, so each delay starts with the same warm state.
      await drivePushes(url, "text-plaintext", true, 5, { concurrency: 1 });
      for (const kind of plan.kinds) {
        const rates = plan.idleKinds.includes(kind)
          ? (["idle", "c1", "c32"] as const)
          : (["c1", "c32"] as const);
        for (const rate of rates) {
          await resetOps(url);
          const { sent } = await drivePushes(
            url,
            kind,
            true,
            rate === "idle" ? plan.idlePushes : rate === "c1" ? plan.c1Pushes : plan.c32Pushes,
            rate === "idle"
              ? { intervalMs: plan.idleIntervalMs }
              : { concurrency: rate === "c1" ? 1 : 32 },
          );
          await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
          const { ops } = perPush(await readOps(url), sent.length);
          const failed = sent.filter((s) => s.failure);
          const row: RemoteLatencyRow = {
            delayMs,
            kind,
            label: COST_KIND_SPECS[kind].label,
            rate,
            pushes: sent.length,
            p50Ms: percentile(
              sent.map((s) => s.ms),
              50,
            ),
            p99Ms: percentile(
              sent.map((s) => s.ms),
              99,
            ),
            doRequestsPerPush: ops.doRequests,
            rowsWrittenPerPush: ops.rowsWritten,
            failures: failed.length,
            ...(failed[0]?.failure ? { firstFailure: failed[0].failure } : {}),
          };
          rows.push(row);
          log(
            `  +${String(delayMs).padStart(2)} ms per DO call  ${row.label.padEnd(34)} ${rate.padEnd(4)}` +
              ` p50 ${row.p50Ms.toFixed(1)} ms  p99 ${row.p99Ms.toFixed(1)} ms  ` +
              `DO ${row.doRequestsPerPush.toFixed(2)}/push  ` +
              `${row.pushes} pushes, failures ${row.failures}`,
          );
        }
      }
    }
  } finally {
    await setDoDelay(url, 0).catch(() => undefined);
  }
  return rows;
}
