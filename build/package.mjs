// Builds the package in dist/: the three entry points (wechat-edge, wechat-edge/core,
// wechat-edge/api) bundled as ES modules by esbuild, which is what wrangler itself bundles with,
// with shared code in common chunks, and the .d.ts files from tsc (tsconfig.build.json).
// Dependencies stay external: the user's own install and bundler resolve them.
import { rm } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { build } from "esbuild";

const pkg = JSON.parse(await (await import("node:fs/promises")).readFile("package.json", "utf8"));

await rm("dist", { recursive: true, force: true });
await build({
  entryPoints: { index: "src/index.ts", core: "src/core.ts", api: "src/api.ts" },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  external: [...Object.keys(pkg.dependencies ?? {}), "cloudflare:*"],
  chunkNames: "chunks/[name]-[hash]",
  sourcemap: true,
  logLevel: "warning",
});
execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" });
