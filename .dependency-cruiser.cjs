/**
 * The architecture, checked: `npm run lint:deps` (dependency-cruiser) fails on any violation.
 *
 * Layers, from the bottom:
 * - src/wechat/: the protocol, pure and portable. It imports itself and its XML parser, nothing
 *   else: no bindings, no Hono, no Worker glue.
 * - Shared pieces: src/http/ (body reading, bearer checks, client address, failure limit, CORS,
 *   API-error answers, the account guard), src/config.ts, src/env.ts, src/log.ts,
 *   src/bindings.ts, src/app-env.ts, src/bot/.
 * - Features, side by side: every other folder of src/ (callback, token, dedupe, qr, oauth,
 *   jssdk, admin, health, domain-verification, and any added later). A module outside a feature
 *   imports from it only its public face, src/<feature>/index.ts; the modules behind it are the
 *   feature's own business.
 * - The composition root: src/app.ts and src/worker.ts wire the features together through their
 *   faces; src/index.ts, src/core.ts and src/api.ts are the package's entry points. Nothing
 *   below imports the root.
 * - demo/ (the demo bot and this repository's Worker) is written as a user's Worker is: it
 *   imports the package's entry points only.
 * Type-only imports count (tsPreCompilationDeps), so does every cycle.
 */
const SHARED_FOLDERS = "wechat|http|bot";
/** A feature's folder name (captured): any folder of src/ but the shared ones. */
const FEATURES = `((?!(?:${SHARED_FOLDERS})/)[^/]+)`;
const ENTRY_POINTS = "^src/(index|core|api)[.]ts$";
const COMPOSITION_ROOT = "^src/(app|worker|index|core|api)[.]ts$";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "wechat-is-pure",
      severity: "error",
      comment:
        "src/wechat/ is the portable protocol: it imports only itself and fast-xml-parser (no bindings, no hono, nothing else from src/).",
      from: { path: "^src/wechat/" },
      to: { pathNot: ["^src/wechat/", "^node_modules/fast-xml-parser/"] },
    },
    {
      name: "feature-reaches-into-another",
      severity: "error",
      comment:
        "A feature imports another feature only through its public face, src/<feature>/index.ts.",
      from: { path: `^src/${FEATURES}/` },
      to: {
        path: `^src/${FEATURES}/`,
        pathNot: ["^src/$1/", `^src/${FEATURES}/index[.]ts$`],
      },
    },
    {
      name: "feature-internals-from-outside",
      severity: "error",
      comment:
        "Shared code and the composition root import a feature only through its public face, src/<feature>/index.ts (the package's entry points re-export a few classes and types by their modules).",
      from: { path: "^src/", pathNot: [`^src/${FEATURES}/`, ENTRY_POINTS] },
      to: { path: `^src/${FEATURES}/`, pathNot: `^src/${FEATURES}/index[.]ts$` },
    },
    {
      name: "composition-root-on-top",
      severity: "error",
      comment:
        "Nothing below the composition root imports it (src/app.ts, src/worker.ts, src/index.ts, src/core.ts, src/api.ts).",
      from: { path: "^src/", pathNot: COMPOSITION_ROOT },
      to: { path: COMPOSITION_ROOT },
    },
    {
      name: "demo-uses-public-entry-points",
      severity: "error",
      comment:
        "demo/ is written as a user's Worker: it imports src/index.ts, src/core.ts and src/api.ts only.",
      from: { path: "^demo/" },
      to: { path: "^(src|test|dev|bench|examples|build)/", pathNot: ENTRY_POINTS },
    },
    {
      name: "src-not-to-tooling",
      severity: "error",
      comment:
        "The library never imports tests, development tools, benchmarks, examples or the demo.",
      from: { path: "^src/" },
      to: { path: "^(test|dev|bench|examples|demo|build)/" },
    },
    {
      name: "src-not-to-dev-dependencies",
      severity: "error",
      comment: "The library imports only its dependencies, never a devDependency.",
      from: { path: "^src/" },
      to: { dependencyTypes: ["npm-dev", "npm-no-pkg", "npm-unknown"] },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "Every import resolves (the Workers runtime's own cloudflare: modules excepted).",
      from: {},
      to: { couldNotResolve: true, pathNot: "^cloudflare:" },
    },
    {
      name: "no-circular",
      severity: "error",
      comment: "No import cycle, type-only imports included.",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-orphans",
      severity: "error",
      comment: "A module in src/ that nothing imports and that imports nothing is dead.",
      from: { orphan: true, path: "^src/" },
      to: {},
    },
    {
      name: "reachable-from-entry-points",
      severity: "error",
      comment:
        "Every module in src/ is reached from the package's entry points (src/index.ts, src/core.ts, src/api.ts); anything else is dead code.",
      from: { path: ENTRY_POINTS },
      to: { path: "^src/", pathNot: ENTRY_POINTS, reachable: false },
    },
  ],
  options: {
    // Declarations emitted by a build are not source.
    exclude: { path: "^(src|demo)/.*[.]d[.]ts$" },
    doNotFollow: { path: "^node_modules/" },
    // Type-only imports are dependencies too: a cycle through types is a cycle.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "default", "types"],
      extensions: [".ts", ".js", ".json"],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
