/**
 * `npm run bench [-- --smoke]`: installs the bench package's own dependencies on first use,
 * bundles the harness (it imports the project's TypeScript sources, which Node cannot resolve
 * without extensions) and runs it (or, with `--profile`, bench/profile.ts).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const benchDir = dirname(fileURLToPath(import.meta.url));

if (!existsSync(join(benchDir, "node_modules", "autocannon"))) {
  console.log("Installing the bench package's dependencies (npm ci --prefix bench)...");
  execFileSync("npm", ["ci", "--prefix", benchDir, "--no-audit", "--no-fund"], {
    stdio: "inherit",
  });
}

process.env.BENCH_DIR = benchDir;
// `--profile[=<kind>]` runs the CPU profiler instead of the benchmark.
const entry = process.argv.some((arg) => arg.startsWith("--profile")) ? "profile" : "run";
const outfile = join(benchDir, "results", ".build", `${entry}.mjs`);
// The fake WeChat API the token storm and the counted runs call, bundled the same way.
await build({
  entryPoints: [join(benchDir, "servers", "fake-wechat.ts")],
  outfile: join(benchDir, "results", ".build", "fake-wechat.mjs"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node24",
  packages: "external",
  logLevel: "warning",
});
await build({
  entryPoints: [join(benchDir, `${entry}.ts`)],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node24",
  // Packages resolve at run time from bench/node_modules, then the project's node_modules.
  packages: "external",
  logLevel: "warning",
});
await import(pathToFileURL(outfile).href);
