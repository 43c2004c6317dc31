/**
 * `npm start`: the offline playground. Starts the WeChat simulator (with the fake WeChat API) and
 * the Worker under `wrangler dev`, and prints the page's address. No account, no network.
 *
 *   npm start [-- --port 8700 --worker-port 8787 --state-dir .wrangler/playground --component]
 *   (or PLAYGROUND_PORT, WORKER_PORT, PLAYGROUND_STATE_DIR)
 *
 * `--component` starts in the 第三方平台 mode: the Worker is an open platform component that two
 * demo accounts authorised (the page's 平台 switch does the same at run time).
 *
 * The state directory keeps the generated credentials and the Worker's local KV and Durable
 * Objects, separate from `npm run dev`'s.
 *
 * Node 24 runs TypeScript by stripping types; project files import each other without the ".ts"
 * extension (the bundler's convention), so the hook below resolves those for Node.
 */
import { registerHooks } from "node:module";
import { parseArgs } from "node:util";

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      const relative = specifier.startsWith("./") || specifier.startsWith("../");
      if (!relative || /\.[cm]?[jt]s$/.test(specifier)) throw error;
      return nextResolve(`${specifier}.ts`, context);
    }
  },
});

const DEFAULT_PLAYGROUND_PORT = 8700;
const DEFAULT_WORKER_PORT = 8787;

function port(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 65535) {
    console.error(`${name} must be a port number from 1 to 65535, not ${JSON.stringify(value)}`);
    process.exit(2);
  }
  return number;
}

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    "worker-port": { type: "string" },
    "state-dir": { type: "string" },
    quiet: { type: "boolean", default: false },
    component: { type: "boolean", default: false },
  },
});
const playgroundPort = port(
  values.port ?? process.env.PLAYGROUND_PORT,
  DEFAULT_PLAYGROUND_PORT,
  "--port",
);
const workerPort = port(
  values["worker-port"] ?? process.env.WORKER_PORT,
  DEFAULT_WORKER_PORT,
  "--worker-port",
);

const { startStack } = await import("./simulator/stack");
const { PortInUseError } = await import("./simulator/ports");

console.log(
  "Starting the WeChat simulator and the Worker (wrangler dev, local KV and Durable Objects)…",
);
let stack;
try {
  stack = await startStack({
    playgroundPort,
    workerPort,
    stateDir: values["state-dir"] ?? process.env.PLAYGROUND_STATE_DIR ?? ".wrangler/playground",
    ...(values.component ? { settings: { platform: "component" as const } } : {}),
    onWorkerLine: (line) => {
      if (!values.quiet) console.log(`[worker] ${line}`);
    },
    onSimulatorLine: (line) => {
      if (!values.quiet) console.log(`[simulator] ${line}`);
    },
  });
} catch (error) {
  console.error(
    error instanceof PortInUseError
      ? error.message
      : `Could not start: ${(error as Error).message}`,
  );
  process.exit(1);
}

const page = await fetch(stack.playgroundUrl).catch(() => undefined);
if (page?.status !== 200) {
  console.error(`The playground page did not answer 200 at ${stack.playgroundUrl}`);
  await stack.stop();
  process.exit(1);
}
await page.body?.cancel();
console.log(`Playground: ${stack.playgroundUrl}`);
console.log("Press Ctrl-C to stop.");

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  console.log("\nStopping…");
  await stack.stop();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
