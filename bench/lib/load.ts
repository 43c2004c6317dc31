/**
 * Drives a server with autocannon over loopback: every request is the next push of the pool, so
 * no push is sent twice to the same server. Latency is taken per response from autocannon's
 * high-resolution timer (its own histogram rounds to whole milliseconds, too coarse here).
 */
import autocannon from "autocannon";
import type { PoolPush } from "./pushes";
import { machineTicks, processTree, treeCpuMs } from "./process-tree";

export interface LoadResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Server CPU (all processes) per request, in microseconds. */
  cpuUsPerRequest: number;
  /** The same by process (workerd, the node host of Miniflare or of Express). */
  cpuUsPerRequestByProcess: Record<string, number>;
  /** The load generator's own CPU (this process) per request, in microseconds. */
  generatorCpuUsPerRequest: number;
  /** Share of the machine's CPU in use during the load (all cores, all processes). */
  machineBusyPercent: number;
  /** Non-2xx answers, socket errors and timeouts: must be 0 for a figure to count. */
  failures: number;
}

function percentile(sorted: Float64Array, p: number) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Sends `pool.length - connections` pushes (the rest are prepared but never sent). */
export async function drive(
  url: string,
  serverPid: number,
  pool: PoolPush[],
  connections: number,
): Promise<LoadResult> {
  const amount = pool.length - connections;
  let next = 0;
  const latencies = new Float64Array(amount + connections);
  let answered = 0;
  const pids = processTree(serverPid);
  const cpuBefore = treeCpuMs(pids);
  const machineBefore = machineTicks();
  const generatorBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const instance = autocannon({
    url: `${url}/wechat`,
    connections,
    amount,
    timeout: 10,
    requests: [
      {
        method: "POST",
        headers: { "content-type": "text/xml" },
        setupRequest: (request: Record<string, unknown>) => {
          const push = pool[next++ % pool.length]!;
          return { ...request, path: push.path, body: push.body };
        },
      },
    ],
  });
  // autocannon ends on its one-second tick: time the load from its first request to the last answer.
  let lastAnswer = started;
  instance.on("response", (_client: unknown, _status: number, _bytes: number, ms: number) => {
    if (answered < latencies.length) latencies[answered++] = ms;
    lastAnswer = process.hrtime.bigint();
  });
  const result = await instance;
  const generator = process.cpuUsage(generatorBefore);
  const machineAfter = machineTicks();
  const requests = result.requests.total as number;
  const seconds = Number(lastAnswer - started) / 1e9;
  const cpuAfter = treeCpuMs(pids);
  const cpuUsPerRequestByProcess: Record<string, number> = {};
  for (const [name, ms] of Object.entries(cpuAfter)) {
    cpuUsPerRequestByProcess[name] = ((ms - (cpuBefore[name] ?? 0)) * 1000) / Math.max(1, requests);
  }
  const sorted = latencies.subarray(0, answered).sort();
  return {
    requests,
    seconds,
    requestsPerSecond: requests / seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    cpuUsPerRequest: Object.values(cpuUsPerRequestByProcess).reduce((a, b) => a + b, 0),
    cpuUsPerRequestByProcess,
    generatorCpuUsPerRequest: (generator.user + generator.system) / Math.max(1, requests),
    machineBusyPercent:
      (100 * (machineAfter.busy - machineBefore.busy)) /
      Math.max(1, machineAfter.total - machineBefore.total),
    failures: (result.non2xx as number) + (result.errors as number) + (result.timeouts as number),
  };
}
