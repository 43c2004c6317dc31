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
import { runTokenWatchdog } from "./token/watchdog";
import type { WeChatRouter } from "./wechat/router";

export function createWorker(bot: WeChatRouter<BotContext>) {
  const app = createApp(bot);
  return {
    fetch: (request, env, ctx) => app.fetch(request, env, ctx),
    // The token watchdog runs on every Cron Trigger, whatever its schedule.
    scheduled: (controller, env, ctx) => {
      ctx.waitUntil(runTokenWatchdog(env, controller.cron));
    },
  } satisfies ExportedHandler<Env>;
}
