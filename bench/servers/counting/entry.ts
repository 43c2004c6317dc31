/**
 * The modules Miniflare loads for a counted Worker: a generated entry module, the counting
 * runtime (runtime.js, beside this file) and the deployed bundle, byte for byte. The entry
 * imports the bundle, exports its default handler wrapped and a counted subclass of each
 * Durable Object class wrangler.toml binds, under the same names, so the bindings resolve to them.
 */
import { readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const RUNTIME = join(dirname(fileURLToPath(import.meta.url)), "runtime.js");

const ENTRY_NAME = "bench-counting-entry.mjs";
const RUNTIME_NAME = "bench-counting-runtime.mjs";

export function countingModules(bundlePath: string, bundle: string, classNames: string[]) {
  const dir = dirname(bundlePath);
  const bundleName = basename(bundlePath);
  const entry = [
    `import * as product from "./${bundleName}";`,
    `import { countedClass, countedHandler } from "./${RUNTIME_NAME}";`,
    "export default countedHandler(product.default);",
    ...[...new Set(classNames)].map(
      (name) => `export const ${name} = countedClass(product.${name}, ${JSON.stringify(name)});`,
    ),
  ].join("\n");
  return [
    { type: "ESModule", path: join(dir, ENTRY_NAME), contents: entry },
    { type: "ESModule", path: join(dir, RUNTIME_NAME), contents: readFileSync(RUNTIME, "utf8") },
    { type: "ESModule", path: bundlePath, contents: bundle },
  ];
}
