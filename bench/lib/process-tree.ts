/**
 * Server processes for the benchmark and the CPU they burn.
 *
 * CPU is read from /proc/<pid>/stat (utime + stime, every thread of a process) over the whole
 * tree under the server's root process, so the Miniflare host, workerd and anything they spawn
 * are all counted. Linux only; the resolution is one clock tick (10 ms), fine over thousands of
 * requests.
 */
import { appendFileSync } from "node:fs";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";

const TICKS_PER_SECOND = Number(spawnSync("getconf", ["CLK_TCK"]).stdout?.toString().trim()) || 100;

interface ProcStat {
  comm: string;
  ppid: number;
  cpuTicks: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after "(comm)": state ppid ... utime(14) stime(15), counted from 1.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return {
      comm: text.slice(text.indexOf("(") + 1, text.lastIndexOf(")")),
      ppid: Number(fields[1]),
      cpuTicks: Number(fields[11]) + Number(fields[12]),
    };
  } catch {
    return undefined; // exited between listing and reading
  }
}

/** The root and every descendant, by pid. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(pid);
    if (!stat) continue;
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/** CPU time (user + system) of each process of the tree by command name, in milliseconds. */
export function treeCpuMs(pids: number[]): Record<string, number> {
  const byName: Record<string, number> = {};
  for (const pid of pids) {
    const stat = readStat(pid);
    if (stat)
      byName[stat.comm] = (byName[stat.comm] ?? 0) + (stat.cpuTicks * 1000) / TICKS_PER_SECOND;
  }
  return byName;
}

export interface ServerProcess {
  name: string;
  url: string;
  pid: number;
  /** Root plus descendants, listed once the server is ready. */
  pids: number[];
  stop(): Promise<void>;
}

export interface StartOptions {
  args?: string[];
  /** The line that says the server is listening; its first group is the base URL. */
  ready?: RegExp;
  timeoutMs?: number;
}

/** Starts `node <script>` and waits for it to print `READY <url>` (or `options.ready`). */
export async function startServer(
  name: string,
  script: string,
  env: Record<string, string>,
  options: StartOptions = {},
): Promise<ServerProcess> {
  const { args = [], ready: readyLine = /READY (\S+)/, timeoutMs = 30_000 } = options;
  const child: ChildProcess = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  // BENCH_SERVER_LOG=<file>: the servers' own output (the Worker's log lines), for debugging.
  const logFile = process.env.BENCH_SERVER_LOG;
  if (logFile) {
    const append = (chunk: Buffer) => appendFileSync(logFile, chunk);
    child.stdout!.on("data", append);
    child.stderr!.on("data", append);
  }
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not start: ${stderr}`)),
      timeoutMs,
    );
    let stdout = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const ready = readyLine.exec(stdout);
      if (ready) {
        clearTimeout(timer);
        resolve(ready[1]!);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before it was ready: ${stderr}`));
    });
  });
  // Keep draining output so a chatty server never blocks on a full pipe.
  child.stdout!.resume();
  const pid = child.pid!;
  return {
    name,
    url,
    pid,
    pids: processTree(pid),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const force = setTimeout(() => child.kill("SIGKILL"), 5000);
        child.once("exit", () => {
          clearTimeout(force);
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}

/** Busy and total CPU ticks of the whole machine, from the first line of /proc/stat. */
export function machineTicks(): { busy: number; total: number } {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1);
  const values = fields.map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  // idle + iowait are the 4th and 5th values.
  return { busy: total - values[3]! - (values[4] ?? 0), total };
}

/** A loopback port nothing listens on right now, for a server about to start. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
