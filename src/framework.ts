/**
 * The public face of the framework: what a bot author imports.
 *
 * @example
 * import { createWorker, reply, WeChatRouter, type BotContext } from "./framework";
 * const bot = new WeChatRouter<BotContext>().on("text", (m) => reply.text(m.content));
 * export default createWorker(bot);
 */
export { createWorker } from "./worker";
export { WeChatRouter, type Handler, type HandlerResult, type TextMatch } from "./wechat/router";
export { reply, type Reply, type NewsArticle } from "./wechat/reply";
export type * from "./wechat/message";
export type { BotContext } from "./bot/context";
export type { Env } from "./env";
export { deliverReply, type DeliveryOutcome } from "./callback/deliver-reply";
export { WeChatApiError } from "./wechat/api/errors";
