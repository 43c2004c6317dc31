/**
 * Builds the Worker's exported handler around a bot.
 *
 * @example
 * // src/index.ts
 * export default createWorker(myBot);
 */
import { createApp } from "./app";
import type { BotContext } from "./bot/context";
import type { Env } from "./env";
import type { WeChatRouter } from "./wechat/router";

export function createWorker(bot: WeChatRouter<BotContext>) {
  const app = createApp(bot);
  return {
    fetch: (request, env, ctx) => app.fetch(request, env, ctx),
  } satisfies ExportedHandler<Env>;
}
