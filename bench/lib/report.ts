/** The report: one JSON document and the Markdown tables printed and kept in BENCHMARKS.md. */
import type { StartupProfile } from "./build";
import type { LoadResult } from "./load";
import type { Machine } from "./machine";
import type { PushKind } from "./pushes";
import type { StormResult } from "./token-storm";
import type { CostRow, RemoteLatencyRow } from "./cost";
import type { ComponentStormResult } from "./component-storm";
import type { PRICES } from "./prices";

/** Which floor a row measures: a fixed string only, or the push read first. */
export type FloorKind = "fixed string" | "reads the body";

export interface ScenarioRow extends LoadResult {
  server: string;
  variant: string;
  /** The runtime that served it: a row's protocol work is measured against this runtime's floor. */
  runtime: "workerd" | "node";
  floor?: FloorKind;
  kind: PushKind;
  scenario: string;
  connections: number;
}

export interface Budget {
  name: string;
  limit: string;
  value: string;
  pass: boolean;
  /** For a throughput budget: how much CPU a push may cost to meet it, against the runtime's floor. */
  room?: BudgetRoom;
}

/**
 * Each server runs flat out on one core at c32, so its pushes per second are one over its CPU per
 * push: a throughput budget is a CPU budget per push. What is left of it once the runtime has read
 * the body and answered is all the protocol work may cost.
 */
export interface BudgetRoom {
  /** node-webot's CPU per push, divided by the budget's factor. */
  allowedUs: number;
  /** The floor Worker that reads the body (same push, same concurrency). */
  runtimeFloorUs: number;
  /** wechat-edge's CPU per push above that floor. */
  oursAboveFloorUs: number;
  /** The hand-written bare parrot's CPU per push above that floor: the least the protocol needs. */
  parrotAboveFloorUs: number | undefined;
  /** node-webot's CPU per push above Node's own floor (node:http reading the body). */
  webotAboveFloorUs: number | undefined;
}

/**
 * CPU per request of the floor that reads the body on the runtime that served `row`, for the same
 * push and concurrency.
 */
export function runtimeFloor(rows: ScenarioRow[], row: ScenarioRow): number | undefined {
  return rows.find(
    (candidate) =>
      candidate.floor === "reads the body" &&
      candidate.runtime === row.runtime &&
      candidate.kind === row.kind &&
      candidate.connections === row.connections,
  )?.cpuUsPerRequest;
}

export interface Report {
  date: string;
  smoke: boolean;
  machine: Machine;
  bundle: {
    deployed: { bytes: number; gzipBytes: number };
    minified: { bytes: number; gzipBytes: number };
    composition: Record<string, number>;
    forbiddenSources: string[];
  };
  startup: StartupProfile;
  rows: ScenarioRow[];
  storm: StormResult;
  prices: typeof PRICES;
  cost: CostRow[];
  /** What the counted Workers' API calls reached. */
  costWeChat: string;
  remoteLatency: RemoteLatencyRow[];
  componentStorm: ComponentStormResult;
  budgets: Budget[];
  seconds: number;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

function table(header: string[], rows: string[][]) {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

export function renderReport(report: Report): string {
  const { machine } = report;
  const floorCpu = (connections: number) =>
    report.rows.find(
      (row) =>
        row.floor === "fixed string" &&
        row.runtime === "workerd" &&
        row.connections === connections,
    )?.cpuUsPerRequest;
  const loadTable = table(
    [
      "Server",
      "Configuration",
      "Push",
      "Conns",
      "req/s",
      "p50 ms",
      "p99 ms",
      "CPU µs/req",
      "CPU × floor",
      "above own floor µs/req",
      "autocannon µs/req",
      "machine busy",
      "Failures",
    ],
    report.rows.map((row) => {
      const floor = floorCpu(row.connections);
      const ownFloor = row.floor ? undefined : runtimeFloor(report.rows, row);
      return [
        row.server,
        row.variant,
        row.scenario,
        String(row.connections),
        row.requestsPerSecond.toFixed(0),
        row.p50Ms.toFixed(2),
        row.p99Ms.toFixed(2),
        row.cpuUsPerRequest.toFixed(0),
        floor ? `${(row.cpuUsPerRequest / floor).toFixed(1)}×` : "—",
        ownFloor === undefined ? "—" : (row.cpuUsPerRequest - ownFloor).toFixed(0),
        row.generatorCpuUsPerRequest.toFixed(0),
        `${row.machineBusyPercent.toFixed(0)}%`,
        String(row.failures),
      ];
    }),
  );
  const budgetTable = table(
    ["Budget", "Limit", "Measured", "Result"],
    report.budgets.map((budget) => [
      budget.name,
      budget.limit,
      budget.value,
      budget.pass ? "PASS" : "**MISS**",
    ]),
  );
  const us = (value: number | undefined) => (value === undefined ? "—" : value.toFixed(0));
  const roomTable = table(
    [
      "Budget",
      "CPU µs a push may cost",
      "floor Worker reading the body",
      "left for protocol work",
      "bare parrot's protocol work",
      "wechat-edge's protocol work",
      "node-webot's, above Node's floor",
    ],
    report.budgets
      .filter((budget) => budget.room)
      .map(({ name, room }) => [
        name.replace(/: req\/s vs node-webot$/, ""),
        us(room!.allowedUs),
        us(room!.runtimeFloorUs),
        us(room!.allowedUs - room!.runtimeFloorUs),
        us(room!.parrotAboveFloorUs),
        us(room!.oursAboveFloorUs),
        us(room!.webotAboveFloorUs),
      ]),
  );
  const composition = Object.entries(report.bundle.composition)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([source, bytes]) => `${source} ${kb(bytes)}`)
    .join(", ");
  const storm = report.storm.ran
    ? `${report.storm.callers} concurrent cold callers of GET /admin/token all served in ` +
      `${report.storm.allServedMs.toFixed(1)} ms (p50 ${report.storm.p50Ms.toFixed(1)} ms, ` +
      `slowest ${report.storm.maxMs.toFixed(1)} ms); upstream token fetches: ` +
      `${report.storm.upstreamFetches}; failures: ${report.storm.failures}.`
    : `skipped: ${report.storm.reason}`;
  const n = (value: number, digits = 2) => (value === 0 ? "0" : value.toFixed(digits));
  const costTable = table(
    [
      "Configuration",
      "Push",
      "Rate",
      "Worker requests",
      "DO requests",
      "DO active ms",
      "rows read",
      "rows written",
      "KV reads",
      "KV writes",
      "subrequests",
      "$ / M pushes",
      "× request fee",
      "$ Worker req.",
      "$ DO req.",
      "$ DO duration",
      "$ rows written",
      "p50 ms",
      "Failures",
    ],
    report.cost.map((row) => [
      row.config,
      row.label,
      row.rate === "idle" ? "idle" : "c32",
      n(row.ops.workerRequests),
      n(row.ops.doRequests),
      n(row.ops.doActiveMs, 1),
      n(row.ops.rowsRead),
      n(row.ops.rowsWritten),
      n(row.ops.kvReads),
      n(row.ops.kvWrites),
      n(row.subrequestsPerPush),
      row.cost.total.toFixed(3),
      `${row.cost.timesRequestFee.toFixed(1)}×`,
      row.cost.workerRequests.toFixed(3),
      row.cost.doRequests.toFixed(3),
      row.cost.doDuration.toFixed(3),
      row.cost.rowsWritten.toFixed(3),
      row.p50Ms.toFixed(1),
      String(row.failures),
    ]),
  );
  const breakdowns = report.cost
    .filter((row) => row.config === "every feature on")
    .map((row) => {
      const calls = Object.entries(row.doCalls)
        .filter(([, perPush]) => perPush > 0)
        .sort((a, b) => b[1] - a[1])
        .map(([call, perPush]) => `${call} ${n(perPush, 3)}`)
        .join(", ");
      const rows = row.rows
        .filter((r) => r.written > 0 || r.read > 0)
        .map((r) => `\`${r.statement}\` r ${n(r.read, 3)} w ${n(r.written, 3)}`)
        .join("; ");
      return `- **${row.label}, ${row.rate}**: DO calls per push: ${calls || "none"}. Rows per push: ${rows || "none"}.`;
    })
    .join("\n");
  const latencyTable = table(
    [
      "Added per DO call",
      "Push",
      "Rate",
      "Pushes",
      "p50 ms",
      "p99 ms",
      "DO requests / push",
      "rows written / push",
      "Failures",
    ],
    report.remoteLatency.map((row) => [
      `${row.delayMs} ms`,
      row.label,
      row.rate,
      String(row.pushes),
      row.p50Ms.toFixed(1),
      row.p99Ms.toFixed(1),
      n(row.doRequestsPerPush),
      n(row.rowsWrittenPerPush),
      String(row.failures),
    ]),
  );
  const prices = report.prices;
  const priceLine =
    `List prices read ${prices.readOn} (bench/lib/prices.ts; ${prices.sources.join(", ")}): ` +
    `Workers $${prices.workers.requestPerMillion}/M requests; Durable Objects ` +
    `$${prices.durableObjects.requestPerMillion}/M requests, ` +
    `$${prices.durableObjects.gbSecondPerMillion}/M GB-s (128 MB each), ` +
    `$${prices.durableObjects.rowsReadPerMillion}/M rows read, ` +
    `$${prices.durableObjects.rowsWrittenPerMillion}/M rows written; KV ` +
    `$${prices.kv.readPerMillion}/M reads, $${prices.kv.writePerMillion}/M writes. ` +
    `The Workers request fee alone is $${prices.workers.requestPerMillion} per million pushes.`;
  const cs = report.componentStorm;
  const component = cs.ran
    ? `${cs.callers} callers (a text each to /wechat/<authoriser appid>, whose handler calls ` +
      `the API with the authoriser's token) over ${cs.authorisers} authorisers, every token ` +
      `lapsed (the fake granted ${cs.tokenLifetimeSeconds} s tokens), all at once: all served ` +
      `in ${cs.allServedMs.toFixed(1)} ms (p50 ${cs.p50Ms.toFixed(1)} ms, slowest ` +
      `${cs.maxMs.toFixed(1)} ms); upstream api_authorizer_token calls ` +
      `${cs.upstreamAuthoriserTokenCalls} (rule: ${cs.authorisers}), api_component_token calls ` +
      `${cs.upstreamComponentTokenCalls} (rule: 1), the handlers' API calls ` +
      `${cs.upstreamApiCalls}; failures ${cs.failures}. The same storm again with every token ` +
      `fresh (no fetch): all served in ${cs.warmAllServedMs.toFixed(1)} ms (p50 ` +
      `${cs.warmP50Ms.toFixed(1)} ms); failures ${cs.warmFailures}.`
    : cs.reason;
  return [
    `Measured ${report.date}${report.smoke ? " — SMOKE RUN, figures not meaningful" : ""}.`,
    "",
    `Machine: ${machine.nproc} cores (\`nproc\`), ${machine.cpuModel}, ${machine.memoryGiB} GiB, ` +
      `${machine.kernel}; node ${machine.node}, workerd ${machine.workerd} ` +
      `(wrangler ${machine.wrangler}). Load generator (autocannon) and server share these cores; ` +
      `"machine busy" is all CPU in use during the load, anything else running included.`,
    "",
    "### Budgets",
    "",
    budgetTable,
    "",
    "Room under each throughput budget (c32, CPU µs per push). Each server runs flat out on one " +
      "core, so a throughput budget is a CPU budget per push: node-webot's CPU divided by the " +
      "budget's factor. The floor Worker that reads the body and answers a fixed string is the " +
      "least any Worker spends on a push on this runtime; what is left is all the protocol work " +
      "may cost. \"Protocol work\" is each server's CPU above its own runtime's floor (the floor " +
      "Worker for ours and the bare parrot, node:http reading the body for node-webot); the " +
      "hand-written bare parrot's is about the least the protocol can cost here.",
    "",
    roomTable,
    "",
    "### Throughput, latency, server CPU",
    "",
    loadTable,
    "",
    "### Size and startup",
    "",
    `Deployed bundle: ${kb(report.bundle.deployed.bytes)}, gzip ${kb(report.bundle.deployed.gzipBytes)}` +
      // wrangler.toml minifies already; a --minify build is worth a mention only when it differs.
      (report.bundle.minified.bytes === report.bundle.deployed.bytes
        ? " (wrangler.toml's build is minified)."
        : `; with --minify: ${kb(report.bundle.minified.bytes)}, gzip ${kb(report.bundle.minified.gzipBytes)}.`),
    `Largest parts (bytes each source contributes to the deployed output): ${composition}.`,
    `Startup CPU (wrangler check startup, non-idle samples of its cpuprofile): ` +
      `${report.startup.activeMs.toFixed(1)} ms median of ` +
      `[${report.startup.runsMs.map((ms) => ms.toFixed(1)).join(", ")}] ms.`,
    "",
    "### Token authority under a storm",
    "",
    storm,
    "",
    "### What a push costs",
    "",
    "Billable operations per push, counted on the deployed bundle (bench/servers/counting/), and " +
      "dollars per million pushes at list prices (Workers CPU not included). API calls went to " +
      `${report.costWeChat}.`,
    "",
    priceLine,
    "",
    report.cost.length ? costTable : "not measured in this run",
    "",
    "Where they go (every feature on; calls and rows per push, by binding and method, by class and statement):",
    "",
    breakdowns || "not measured in this run",
    "",
    "### Latency with a remote Durable Object",
    "",
    "The push's latency with a delay added to every Durable Object call (half before, half after " +
      "it), every feature on: pushes one a second on a clock (idle), one after another (c1) and 32 at " +
      "a time (c32); with the Durable Object requests and rows written per push counted over each run " +
      "(a longer round trip lets more signature checks share a call).",
    "",
    report.remoteLatency.length ? latencyTable : "not measured in this run",
    "",
    "### Storm over many authorisers (issue 18)",
    "",
    component,
    "",
  ].join("\n");
}
