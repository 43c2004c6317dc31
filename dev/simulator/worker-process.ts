/**
 * The Worker under `wrangler dev`, configured for the playground: local KV and Durable Objects
 * in their own state directory (so a real account's state from `npm run dev` is never mixed in),
 * every setting given with `--var`, and an empty env file so that a developer's `.dev.vars`
 * (real credentials) is not loaded. `--test-scheduled` exposes the Cron Trigger for the simulator.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";

export interface WorkerProcessOptions {
  port: number;
  /** Variables passed with --var, e.g. WECHAT_TOKEN. */
  vars: Record<string, string>;
  /** Where local KV/Durable Object state and the empty env file live. */
  stateDir: string;
  /** Every line wrangler prints, stdout and stderr. */
  onLine?: (line: string) => void;
}

export interface WorkerProcess {
  url: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;

export async function startWorker(options: WorkerProcessOptions): Promise<WorkerProcess> {
  await mkdir(options.stateDir, { recursive: true });
  const envFile = join(options.stateDir, "no-dev-vars.env");
  await writeFile(envFile, "# The playground passes every setting with --var; see dev/start.ts.\n");
  // The package's "bin" entry; its exports map does not expose bin/ to resolve() directly.
  const wranglerPackage = createRequire(import.meta.url).resolve("wrangler/package.json");
  const wrangler = join(dirname(wranglerPackage), "bin", "wrangler.js");
  const args = [
    wrangler,
    "dev",
    "--local",
    "--ip",
    "127.0.0.1",
    "--port",
    String(options.port),
    "--inspector-port",
    "0",
    "--test-scheduled",
    "--persist-to",
    join(options.stateDir, "state"),
    "--env-file",
    envFile,
    "--show-interactive-dev-session=false",
    ...Object.entries(options.vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
  ];
  const child = spawn(process.execPath, args, {
    // Its own process group, so that stopping it also stops the workerd it starts.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      // Offline by design: no Request.cf download, no metrics, no update banner.
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      WRANGLER_SEND_METRICS: "false",
      WRANGLER_SEND_ERROR_REPORTS: "false",
      WRANGLER_HIDE_BANNER: "true",
      NO_COLOR: "1",
      FORCE_COLOR: "0",
    },
  });
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on("line", (line) => options.onLine?.(line));
  }
  const url = `http://127.0.0.1:${options.port}`;
  const worker = { url, stop: () => stopProcessGroup(child) };
  try {
    await waitUntilAnswering(`${url}/healthz`, child);
  } catch (error) {
    await worker.stop();
    throw error;
  }
  return worker;
}

async function waitUntilAnswering(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited: number | null = null;
  child.once("exit", (code) => (exited = code ?? -1));
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`wrangler dev exited (code ${exited}) before it answered`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.body?.cancel();
      // Any answer means the Worker runs; /healthz says 503 only when a setting is wrong,
      // which the Worker's own reason explains better than a timeout would.
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`wrangler dev did not answer at ${url} within ${READY_TIMEOUT_MS / 1000} s`);
}

export async function stopProcessGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // Already gone.
    }
  };
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}
