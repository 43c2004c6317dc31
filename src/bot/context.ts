/** What every bot handler receives besides the message: the Worker's facilities, nothing secret. */
import type { WeChatConfig } from "../config";
import type { Env } from "../env";
import type { WeChatApiClient } from "../wechat/api/client";

export interface BotContext {
  env: Env;
  config: Readonly<WeChatConfig>;
  /** WeChat's API with the account's access_token (from the token authority) injected. */
  api: WeChatApiClient;
  /** Keeps work going after the reply is sent (Workers cut it off about 30 s later). */
  waitUntil(promise: Promise<unknown>): void;
}
