/**
 * wechat-edge: a WeChat Official Account (公众号) backend on Cloudflare Workers.
 *
 * The framework: `createWorker` around a bot written with `WeChatRouter`, the reply builders, the
 * typed messages and events, `deliverReply` for answers computed after the push,
 * `accountApiClient` for API calls outside a push, the typed
 * errors, and the Durable Object classes the Worker's wrangler.toml binds (re-export them from
 * the Worker's entry module). The pure protocol is `wechat-edge/core`; the typed API modules are
 * `wechat-edge/api`.
 *
 * @example
 * import { createWorker, reply, WeChatRouter, type BotContext } from "wechat-edge";
 * export { PushLedger, QrScanStats, QrTicketIssuer, TokenAuthority } from "wechat-edge";
 *
 * const bot = new WeChatRouter<BotContext>().on("text", (m) => reply.text(m.content));
 * export default createWorker(bot);
 */
export { createWorker, type WorkerOptions } from "./worker";
export type { SurfaceOptions } from "./app";
export type { PushHook } from "./callback/route";
export { WeChatRouter, type Handler, type HandlerResult, type TextMatch } from "./wechat/router";
export { reply, type Reply, type ReplyType, type NewsArticle } from "./wechat/reply";
export type * from "./wechat/message";
export type { BotContext } from "./bot/context";
export type { WeChatEdgeEnv, WeChatEdgeVars, WeChatEdgeBindings } from "./env";
export { deliverReply, type DeliveryOutcome } from "./callback/deliver-reply";
export { accountApiClient } from "./accounts/account-api-client";
export { WeChatApiError, WeChatTransportError } from "./wechat/api/errors";
export { WeChatApiClient } from "./wechat/api/client";
export { TokenUnavailableError } from "./token/errors";
export { PushLedger } from "./dedupe/push-ledger";
export { TokenAuthority } from "./token/authority";
export { QrTicketIssuer } from "./qr/ticket-issuer";
export { QrScanStats } from "./qr/scan-stats";
export { ConversationMemory } from "./conversation/conversation-memory";
export { ComponentAuthority } from "./component/component-authority";
export { AuthorizerAuthority } from "./component/authorizer-authority";
export { ConversationValueError, type Conversation } from "./conversation/conversation";
