/**
 * `createApiClient`: the typed WeChat API client for the Worker's features, wired to the token
 * authority (KV first, the Durable Object on a miss), WECHAT_API_BASE, the proxy secret, the
 * timeout and redacted error logs; or, when the account view says its token comes from elsewhere
 * (`config.accessTokens`, a 第三方平台 authoriser), that source. Every answer also teaches the authority what the account may
 * do (48001 and later successes, src/token/permission-learning.ts), off the caller's path.
 *
 * @example
 * const account = requireAccount(c);
 * if (!account.ok) return account.response;
 * const api = createApiClient(c.env, account.config);
 * await api.post("/cgi-bin/message/custom/send", { touser, msgtype: "text", text: { content } });
 */
import type { WeChatConfig } from "../config";
import type { Env } from "../env";
import { WeChatApiClient } from "../wechat/api/client";
import type { ApiCallRecord } from "../wechat/api/transport";
import { authorityTokenSource } from "./authority-client";
import { learnPermissions } from "./permission-learning";
import { upstreamTransport } from "./upstream";

export function createApiClient(env: Env, config: WeChatConfig): WeChatApiClient {
  const transport = upstreamTransport(config);
  const logged = transport.observe;
  // Learning writes to the account's own TokenAuthority, which an account whose token comes from
  // elsewhere (`accessTokens`: a 第三方平台 authoriser) does not have.
  const learn =
    config.appId && !config.accessTokens ? learnPermissions(env, config.appId) : undefined;
  return new WeChatApiClient({
    ...transport,
    observe: (record: ApiCallRecord) => {
      logged?.(record);
      learn?.(record);
    },
    tokens: config.accessTokens ?? authorityTokenSource(env, config),
  });
}
