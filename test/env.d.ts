// The test env (cloudflare:test's `env`): the bindings come from worker-configuration.d.ts
// (wrangler types), the variables the library reads are added here, for tests only; the library
// itself declares no globals.
import type { WeChatEdgeVars } from "../src/env";

declare global {
  namespace Cloudflare {
    interface Env extends WeChatEdgeVars {}
  }
}
