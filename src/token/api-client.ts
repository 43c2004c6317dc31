/**
 * `createApiClient`: the typed WeChat API client for the Worker's features, wired to the token
 * authority (KV first, the Durable Object on a miss), WECHAT_API_BASE, the proxy secret, the
 * timeout and redacted error logs.
 *
 * @example
 * const api = createApiClient(c.env, c.var.config);
 * await api.post("/cgi-bin/message/custom/send", { touser, msgtype: "text", text: { content } });
 */
import type { WeChatConfig } from "../config";
import type { Env } from "../env";
import { WeChatApiClient } from "../wechat/api/client";
import { authorityTokenSource } from "./authority-client";
import { upstreamTransport } from "./upstream";

export function createApiClient(env: Env, config: WeChatConfig): WeChatApiClient {
  return new WeChatApiClient({
    ...upstreamTransport(config),
    tokens: authorityTokenSource(env, config),
  });
}
