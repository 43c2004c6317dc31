/**
 * What every bot handler receives besides the message: the Worker's facilities, nothing secret.
 * (The bindings in `env` are the user's own; the library's validated settings, which hold the
 * AppSecret and the admin key, are not handed to handlers.)
 */
import type { Conversation } from "../conversation";
import type { WeChatEdgeEnv } from "../env";
import type { WeChatApiClient } from "../wechat/api/client";

export interface BotContext<E extends WeChatEdgeEnv = WeChatEdgeEnv> {
  /** The Worker's bindings and variables. */
  env: E;
  /**
   * The account the push was sent to (`/wechat` or `/wechat/<appid>`): its appid, in WeChat's
   * spelling; undefined only for a single account configured without WECHAT_APPID.
   */
  account: {
    appid: string | undefined;
    /** @deprecated The same value as `appid`; kept for bots written before several accounts. */
    appId: string | undefined;
  };
  /** WeChat's API with the account's access_token (from the token authority) injected. */
  api: WeChatApiClient;
  /**
   * The follower's own durable memory: JSON up to 64 KB, strongly consistent across isolates,
   * kept WECHAT_CONVERSATION_TTL_DAYS after its last write. Needs the CONVERSATION_MEMORY binding;
   * costs nothing until used.
   */
  conversation: Conversation;
  /** Keeps work going after the reply is sent (Workers cut it off about 30 s later). */
  waitUntil(promise: Promise<unknown>): void;
}
