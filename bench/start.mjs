/**
 * `npm run bench [-- --smoke]`: installs the bench package's own dependencies on first use,
 * bundles the harness (it imports the project's TypeScript sources, which Node cannot resolve
 * without extensions) and runs it.
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
const outfile = join(benchDir, "results", ".build", "run.mjs");
await build({
  entryPoints: [join(benchDir, "run.ts")],
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
