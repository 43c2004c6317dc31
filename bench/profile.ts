/**
 * `npm run bench -- --profile[=<kind>] [--dedupe=off]`: where the Worker spends its CPU under
 * load. Serves the deployed bundle like the benchmark does, with workerd's V8 inspector open,
 * records a CPU profile over a few seconds of c32 load and prints the functions with the most
 * self time and the heaviest source files. The .cpuprofile is kept for DevTools.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildWorker, PROJECT_DIR } from "./lib/build";
import { drive } from "./lib/load";
import { startServer } from "./lib/process-tree";
import { ACCOUNT, makePool, PUSH_KINDS, type PushKind } from "./lib/pushes";

const argument = (name: string) =>
  process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const kind = (argument("profile") ?? "text-plaintext") as PushKind;
if (!PUSH_KINDS.includes(kind)) throw new Error(`--profile=<${PUSH_KINDS.join("|")}>`);
const dedupe = argument("dedupe") ?? "on";
/** `--worker=parrot` profiles the hand-written bare parrot instead of the product. */
const bareParrot = argument("worker") === "parrot";
const INSPECTOR_PORT = 9300 + Math.floor(Math.random() * 500);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** A minimal Chrome DevTools Protocol client over the inspector's WebSocket. */
async function connect(port: number) {
  const deadline = Date.now() + 10_000;
  let targets: { webSocketDebuggerUrl: string; title: string }[] = [];
  while (Date.now() < deadline) {
    targets = await fetch(`http://127.0.0.1:${port}/json/list`)
      .then((response) => response.json() as Promise<typeof targets>)
      .catch(() => []);
    if (targets.length) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // Miniflare's own workers are named core:…; the user's Worker is the other one.
  const target = targets.find((t) => !t.title.startsWith("core:")) ?? targets[0];
  if (!target) throw new Error("no inspector target");
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    socket.addEventListener("open", resolve, { once: true });
    socket.addEventListener("error", reject, { once: true });
  });
  let id = 0;
  const pending = new Map<number, (result: unknown) => void>();
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
  });
  return {
    target: target.title,
    send: (method: string, params: object = {}) =>
      new Promise<unknown>((resolve) => {
        pending.set(++id, resolve);
        socket.send(JSON.stringify({ id, method, params }));
      }),
    close: () => socket.close(),
  };
}

/** esbuild starts each bundled module with a `// path/to/module.ts` line: map lines to modules. */
function moduleOfLine(script: string) {
  const starts: [number, string][] = [];
  script.split("\n").forEach((line, index) => {
    const match = /^\/\/ (\S+\.[cm]?[jt]s)$/.exec(line);
    if (match) starts.push([index, match[1]!.replace(/^.*node_modules\//, "")]);
  });
  return (line: number) => {
    let found = "(bundle prelude)";
    for (const [start, name] of starts) {
      if (start > line) break;
      found = name;
    }
    return found;
  };
}

function summarize(profile: CpuProfile, moduleOf: (line: number) => string) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  const files = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)!.callFrame;
    const micros = profile.timeDeltas[i] ?? 0;
    total += micros;
    const name = `${frame.functionName || "(anonymous)"} ${frame.url.split("/").pop()}:${frame.lineNumber + 1}`;
    self.set(name, (self.get(name) ?? 0) + micros);
    const file = frame.url ? moduleOf(frame.lineNumber) : frame.functionName || "(native)";
    files.set(file, (files.get(file) ?? 0) + micros);
  });
  const top = (map: Map<string, number>, n: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => `  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${name}`)
      .join("\n");
  return `Self time by function:\n${top(self, 25)}\n\nSelf time by module:\n${top(files, 25)}`;
}

// Unminified, so that functions and modules keep their names in the profile.
const built = bareParrot
  ? { script: join(PROJECT_DIR, "bench", "floor", "parrot.js") }
  : buildWorker({ minify: false });
const server = await startServer("workerd", join(PROJECT_DIR, "bench", "servers", "worker.ts"), {
  BENCH_WORKER: JSON.stringify({
    script: built.script,
    ...(bareParrot ? {} : { config: join(PROJECT_DIR, "wrangler.toml") }),
    inspectorPort: INSPECTOR_PORT,
    bindings: {
      WECHAT_TOKEN: ACCOUNT.token,
      WECHAT_APPID: ACCOUNT.appId,
      WECHAT_ENCODING_AES_KEY: ACCOUNT.encodingAESKey,
      WECHAT_MESSAGE_MODE: "compatible",
      WECHAT_DEDUPE: dedupe,
      WELCOME: "欢迎关注",
    },
  }),
});
try {
  let seed = Date.now() % 1e6;
  const warm = await drive(server.url, server.pid, await makePool(kind, 2000, ++seed), 32);
  const inspector = await connect(INSPECTOR_PORT);
  await inspector.send("Profiler.enable");
  await inspector.send("Profiler.setSamplingInterval", { interval: 100 });
  await inspector.send("Profiler.start");
  const pool = await makePool(kind, 8000, ++seed, warm.requestsPerSecond);
  const load = await drive(server.url, server.pid, pool, 32);
  const { profile } = (await inspector.send("Profiler.stop")) as { profile: CpuProfile };
  inspector.close();
  const dir = join(PROJECT_DIR, "bench", "results");
  mkdirSync(dir, { recursive: true });
  const path = join(
    dir,
    bareParrot
      ? `profile-${kind}-parrot.cpuprofile`
      : `profile-${kind}-dedupe-${dedupe}.cpuprofile`,
  );
  writeFileSync(path, JSON.stringify(profile));
  console.log(
    `${kind}, dedupe ${dedupe}, inspector target ${inspector.target}: ` +
      `${load.requestsPerSecond.toFixed(0)} req/s, ${load.cpuUsPerRequest.toFixed(0)} µs CPU/req ` +
      `(profiling on)\n\n${summarize(profile, moduleOfLine(readFileSync(built.script, "utf8")))}\n\nWrote ${path}`,
  );
} finally {
  await server.stop();
}
