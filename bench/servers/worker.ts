/**
 * Serves one built Worker bundle on workerd through Miniflare's API, as directly as the local
 * runtime allows: no `wrangler dev` and its proxy in front. Bindings (KV, Durable Objects incl.
 * SQLite-backed ones, rate limiters, vars) are read from the wrangler config the Worker deploys
 * with; storage is in memory, so every run starts cold and clean.
 *
 * With `countOps`, the entry module is the bench's counting wrapper (bench/servers/counting/),
 * which imports the bundle unchanged and counts every billable operation its bindings perform.
 *
 * Input (env BENCH_WORKER, JSON): { script, config?, bindings?, countOps? }. Prints
 * `READY <url>` when listening on 127.0.0.1, and shuts workerd down on SIGTERM.
 */
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { countingModules } from "./counting/entry.ts";

interface WorkerServerOptions {
  /** The bundle's entry module (output of `wrangler deploy --dry-run --outdir`). */
  script: string;
  /** wrangler.toml whose bindings to honour; without it a bare Worker (the floor). */
  config?: string;
  /** Variables and secrets, as `.dev.vars` would give them. */
  bindings?: Record<string, string>;
  /** Opens workerd's V8 inspector on this port (for `npm run bench -- --profile`). */
  inspectorPort?: number;
  /** Serve the bundle behind the counting wrapper (bench/servers/counting/). */
  countOps?: boolean;
}

const options = JSON.parse(process.env.BENCH_WORKER ?? "{}") as WorkerServerOptions;

const fromConfig: Record<string, unknown> = options.config
  ? { ...unstable_getMiniflareWorkerOptions(options.config).workerOptions }
  : { compatibilityDate: "2026-10-01" };
// Rules for finding modules apply to wrangler's sources; the bundle needs none.
delete fromConfig.modulesRules;

// Without a persistence path Miniflare keeps KV and Durable Object storage in memory.
const miniflare = new Miniflare(
  convertV4MiniflareOptions({
    ...fromConfig,
    // The bundle is self-contained ES modules; wrangler's own source paths do not apply.
    ...(options.countOps
      ? {
          modules: countingModules(
            options.script,
            readFileSync(options.script, "utf8"),
            Object.values(
              (fromConfig.durableObjects ?? {}) as Record<string, { className: string } | string>,
            ).map((binding) => (typeof binding === "string" ? binding : binding.className)),
          ),
        }
      : { modules: true, scriptPath: options.script }),
    modulesRoot: dirname(options.script),
    bindings: { ...(fromConfig.bindings as object | undefined), ...options.bindings },
    host: "127.0.0.1",
    port: 0,
    // A socket straight to the Worker, bypassing Miniflare's entry worker (which adds the `cf`
    // object, request logging and pretty errors: a second Worker invocation per request that
    // production does not have).
    unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
    logRequests: false,
    ...(options.inspectorPort ? { inspectorPort: options.inspectorPort } : {}),
  } as Parameters<typeof convertV4MiniflareOptions>[0]),
);

await miniflare.ready;
const url = await miniflare.unsafeGetDirectURL();
process.stdout.write(`READY ${url.origin}\n`);

process.on("SIGTERM", () => {
  miniflare.dispose().finally(() => process.exit(0));
});
