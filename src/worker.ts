/**
 * `createWorker`: the Worker's exported handler around a bot.
 *
 * @example
 * import { createWorker, reply, WeChatRouter, type BotContext } from "wechat-edge";
 * export { PushLedger, TokenAuthority, QrTicketIssuer, QrScanStats } from "wechat-edge";
 *
 * const bot = new WeChatRouter<BotContext<Env>>().on("text", (m) => reply.text(m.content));
 * export default createWorker(bot);
 *
 * Bindings (wrangler.toml; each surface answers 503 naming one it lacks):
 * - always: `PUSH_LEDGER` (Durable Object PushLedger; not with WECHAT_DEDUPE=off) and
 *   `AUTH_FAILURE_LIMITER` (a [[ratelimits]] binding) for `/wechat`;
 *   `TOKEN_AUTHORITY` (Durable Object TokenAuthority) and `TOKEN_CACHE` (KV) for the API, `ctx.api`
 *   and the token watchdog (a Cron Trigger);
 * - `/qr`: `QR_TICKET_ISSUER`, `QR_SCAN_STATS` (Durable Objects), `QR_RATE_LIMITER` (ratelimits);
 * - `/admin`: `QR_SCAN_STATS` as well (the stats report lives under /qr/stats, behind the key).
 * Variables: WECHAT_TOKEN (required unless WECHAT_ACCOUNTS lists the accounts), WECHAT_APPID,
 * WECHAT_APPSECRET, WECHAT_ENCODING_AES_KEY, WECHAT_ACCOUNTS, ADMIN_KEY and the rest in
 * docs/configuration.md.
 */
import {
  createApp,
  internalErrorResponse,
  invalidConfigResponse,
  type SurfaceOptions,
} from "./app";
import { missingBinding, missingBindingResponse, SURFACE_BINDINGS } from "./bindings";
import type { BotContext } from "./bot/context";
import { callbackHandler, userPushHook, type PushHook } from "./callback";
import { loadConfig } from "./config";
import type { WeChatEdgeEnv } from "./env";
import { publishJobHook } from "./publishing";
import { qrAttributionHook } from "./qr";
import { runTokenWatchdog } from "./token";
import type { WeChatRouter } from "./wechat/router";

export interface WorkerOptions extends SurfaceOptions {
  /** Run for every opened push, off the reply's path (see `PushHook`). */
  pushHooks?: readonly PushHook[];
}

export function createWorker<E extends WeChatEdgeEnv = WeChatEdgeEnv>(
  bot: WeChatRouter<BotContext<E>>,
  options: WorkerOptions = {},
) {
  // The pipeline hands handlers the very env object the runtime gave the Worker: an E.
  const anyBot = bot as unknown as WeChatRouter<BotContext>;
  const hooks = [
    ...(options.qr === false ? [] : [qrAttributionHook]),
    // PUBLISHJOBFINISH kept for GET /admin/publish/:publish_id.
    ...(options.admin === false ? [] : [publishJobHook]),
    ...(options.pushHooks ?? []).map(userPushHook),
  ];
  // The app's route tree (every admin, component and diagnose route) is built on the first
  // request that needs it, not at startup: WeChat's pushes take the fast path below and never
  // need it, and each route added at startup is CPU every cold start pays.
  let app: ReturnType<typeof createApp> | undefined;
  const appFor = () => (app ??= createApp(anyBot, options, hooks));
  const callback = callbackHandler(anyBot, hooks);
  return {
    fetch: async (request, env, ctx) => {
      // WeChat's pushes are nearly all the traffic and all of the billed CPU that matters: they
      // skip the router (the same handler is mounted in the app for everything else that
      // composes it). Config and error handling are the app's own.
      const path = pathOf(request.url);
      const appid = callbackAppid(path);
      if (appid === NOT_CALLBACK) return appFor().fetch(request, env, ctx);
      const loaded = loadConfig(env);
      if (!loaded.ok) return invalidConfigResponse(loaded.reason);
      const missing = missingBinding(
        env,
        loaded.config.dedupe ? SURFACE_BINDINGS.callback : ["AUTH_FAILURE_LIMITER"],
      );
      if (missing) return missingBindingResponse(missing);
      try {
        return await callback(request, env, ctx, loaded.config, appid);
      } catch (error) {
        return internalErrorResponse(request.url, error);
      }
    },
    // The token watchdog runs on every Cron Trigger, whatever its schedule.
    scheduled: (controller, env, ctx) => {
      if (missingBinding(env, SURFACE_BINDINGS.watchdog)) return;
      ctx.waitUntil(runTokenWatchdog(env, controller.cron));
    },
  } satisfies ExportedHandler<E>;
}

const NOT_CALLBACK = null;

/**
 * For a callback path, the appid it names (`/wechat/<appid>`, a trailing slash allowed) or
 * undefined (`/wechat`, the single account); NOT_CALLBACK for every other path, and for deeper
 * paths under /wechat/, which the app answers 404.
 */
function callbackAppid(path: string): string | undefined | typeof NOT_CALLBACK {
  if (!path.startsWith("/wechat")) return NOT_CALLBACK;
  if (path.length === 7 || path === "/wechat/") return undefined;
  if (path.charCodeAt(7) !== 47 /* "/" */) return NOT_CALLBACK;
  const end = path.endsWith("/") ? path.length - 1 : path.length;
  const appid = path.slice(8, end);
  return appid.includes("/") ? NOT_CALLBACK : appid;
}

/** The path of a request's URL (the runtime hands it over normalised, without a fragment). */
function pathOf(url: string): string {
  const authority = url.indexOf("//");
  const start = url.indexOf("/", authority < 0 ? 0 : authority + 2);
  if (start < 0) return "/";
  const query = url.indexOf("?", start);
  return url.slice(start, query < 0 ? url.length : query);
}
