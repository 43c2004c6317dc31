/** What every bot handler receives besides the message: the Worker's facilities, nothing secret. */
import type { WeChatConfig } from "../config";
import type { Env } from "../env";

export interface BotContext {
  env: Env;
  config: Readonly<WeChatConfig>;
  /** Keeps work going after the reply is sent (Workers cut it off about 30 s later). */
  waitUntil(promise: Promise<unknown>): void;
}
