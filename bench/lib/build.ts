/**
 * The Worker as it deploys: `wrangler deploy --dry-run --outdir`, its gzipped size and what is
 * in it, and its startup CPU from `wrangler check startup`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

/** Set by bench/start.mjs (this file runs bundled, away from its source folder). */
export const PROJECT_DIR = join(process.env.BENCH_DIR ?? "bench", "..");
const WRANGLER = join(PROJECT_DIR, "node_modules", "wrangler", "bin", "wrangler.js");

/** No telemetry: the benchmark makes no outside connection of its own. */
const QUIET_ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };

function wrangler(args: string[]) {
  const result = spawnSync(process.execPath, [WRANGLER, ...args], {
    cwd: PROJECT_DIR,
    env: QUIET_ENV,
    encoding: "utf8",
  });
  if (result.status !== 0) {
    throw new Error(`wrangler ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout + result.stderr;
}

export interface BuiltWorker {
  dir: string;
  script: string;
  bytes: number;
  gzipBytes: number;
  /** Bytes of output per source group (src/…, each npm package). */
  composition: Record<string, number>;
  /** Sources that must never ship (dev tools, playground, simulator, examples, tests). */
  forbiddenSources: string[];
}

const FORBIDDEN = /(^|\/)(dev|test|bench|examples?|playground|simulator)\//;

/** Builds the Worker as wrangler.toml says, or with `minify` forced on or off. */
export function buildWorker(options: { minify?: boolean } = {}): BuiltWorker {
  const dir = mkdtempSync(join(tmpdir(), "wechat-edge-bench-"));
  const metafile = join(dir, "meta.json");
  wrangler([
    "deploy",
    "--dry-run",
    "--outdir",
    join(dir, "out"),
    "--metafile",
    metafile,
    ...(options.minify === undefined ? [] : [`--minify=${options.minify}`]),
  ]);
  const outDir = join(dir, "out");
  const entry = readdirSync(outDir).find((name) => /\.m?js$/.test(name));
  if (!entry) throw new Error(`no bundle in ${outDir}`);
  const script = join(outDir, entry);
  const code = readFileSync(script);
  const meta = JSON.parse(readFileSync(metafile, "utf8")) as {
    outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
  };
  const composition: Record<string, number> = {};
  const forbiddenSources: string[] = [];
  for (const output of Object.values(meta.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const group = pkg ? pkg[1]! : input.replace(/^(\.\.\/)+/, "").replace(/\/[^/]+$/, "/");
      composition[group] = (composition[group] ?? 0) + bytesInOutput;
      if (!pkg && FORBIDDEN.test(input.replace(/^(\.\.\/)+/, ""))) forbiddenSources.push(input);
    }
  }
  return {
    dir,
    script,
    bytes: code.length,
    gzipBytes: gzipSync(code, { level: 9 }).length,
    composition,
    forbiddenSources,
  };
}

export interface StartupProfile {
  /** Median over the runs of CPU time sampled outside "(idle)", as wrangler itself reports it. */
  activeMs: number;
  runsMs: number[];
  profile: string;
}

/** Sampled non-idle CPU in a V8 .cpuprofile, attributing each time delta to its sample. */
export function activeMsOf(profile: {
  nodes: { id: number; callFrame: { functionName: string } }[];
  samples: number[];
  timeDeltas: number[];
}): number {
  const idle = new Set(
    profile.nodes.filter((node) => node.callFrame.functionName === "(idle)").map((n) => n.id),
  );
  let micros = 0;
  profile.samples.forEach((id, i) => {
    if (!idle.has(id)) micros += profile.timeDeltas[i] ?? 0;
  });
  return micros / 1000;
}

export function profileStartup(runs: number): StartupProfile {
  const dir = mkdtempSync(join(tmpdir(), "wechat-edge-startup-"));
  const runsMs: number[] = [];
  let profile = "";
  for (let run = 0; run < runs; run++) {
    profile = join(dir, `startup-${run}.cpuprofile`);
    wrangler(["check", "startup", "--outfile", profile]);
    runsMs.push(activeMsOf(JSON.parse(readFileSync(profile, "utf8"))));
  }
  const sorted = [...runsMs].sort((a, b) => a - b);
  return { activeMs: sorted[Math.floor(sorted.length / 2)]!, runsMs, profile };
}
