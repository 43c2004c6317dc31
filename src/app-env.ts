/** Hono's view of the Worker: its bindings and the per-request variables middleware sets. */
import type { WeChatConfig } from "./config";
import type { Env } from "./env";

export interface AppEnv {
  Bindings: Env;
  Variables: { config: WeChatConfig };
}
