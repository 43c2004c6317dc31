/**
 * Builds the Worker's exported handler around a bot.
 *
 * @example
 * // src/index.ts
 * export default createWorker(myBot);
 */
import { createApp, internalErrorResponse, invalidConfigResponse } from "./app";
import type { BotContext } from "./bot/context";
import { callbackHandler } from "./callback/route";
import { loadConfig } from "./config";
import type { Env } from "./env";
import { runTokenWatchdog } from "./token/watchdog";
import type { WeChatRouter } from "./wechat/router";

export function createWorker(bot: WeChatRouter<BotContext>) {
  const app = createApp(bot);
  const callback = callbackHandler(bot);
  return {
    fetch: async (request, env, ctx) => {
      // WeChat's pushes are nearly all the traffic and all of the billed CPU that matters: they
      // skip the router (the same handler is mounted in the app for everything else that
      // composes it). Config and error handling are the app's own.
      const path = pathOf(request.url);
      if (path !== "/wechat" && path !== "/wechat/") return app.fetch(request, env, ctx);
      const loaded = loadConfig(env);
      if (!loaded.ok) return invalidConfigResponse(loaded.reason);
      try {
        return await callback(request, env, ctx, loaded.config);
      } catch (error) {
        return internalErrorResponse(request.url, error);
      }
    },
    // The token watchdog runs on every Cron Trigger, whatever its schedule.
    scheduled: (controller, env, ctx) => {
      ctx.waitUntil(runTokenWatchdog(env, controller.cron));
    },
  } satisfies ExportedHandler<Env>;
}

/** The path of a request's URL (the runtime hands it over normalised, without a fragment). */
function pathOf(url: string): string {
  const authority = url.indexOf("//");
  const start = url.indexOf("/", authority < 0 ? 0 : authority + 2);
  if (start < 0) return "/";
  const query = url.indexOf("?", start);
  return url.slice(start, query < 0 ? url.length : query);
}
