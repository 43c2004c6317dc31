/**
 * The Worker's HTTP surface: configuration first, then one sub-app per concern.
 */
import { Hono } from "hono/tiny";
import type { AppEnv } from "./app-env";
import type { BotContext } from "./bot/context";
import { adminAuth } from "./admin/auth";
import { platformAdminRoutes } from "./admin/platform-routes";
import { adminRoutes } from "./admin/routes";
import { callbackRoutes } from "./callback/route";
import { loadConfig } from "./config";
import { healthRoutes } from "./health/route";
import { domainVerificationRoutes } from "./domain-verification/route";
import { jssdkRoutes } from "./jssdk/route";
import { describeError, log } from "./log";
import { oauthRoutes } from "./oauth/routes";
import { qrRoutes } from "./qr/route";
import type { WeChatRouter } from "./wechat/router";

/** 503 naming the malformed variable (never its value): every endpoint answers so until fixed. */
export function invalidConfigResponse(reason: string): Response {
  log.error("config.invalid", { reason });
  return Response.json({ error: reason }, { status: 503 });
}

/** 500 for an exception no route handled; the log line has the path, never the query. */
export function internalErrorResponse(url: string, error: unknown): Response {
  log.error("request.failed", { path: new URL(url).pathname, error: describeError(error) });
  return Response.json({ error: "internal error" }, { status: 500 });
}

export function createApp(bot: WeChatRouter<BotContext>) {
  const app = new Hono<AppEnv>();

  app.use("*", async (c, next) => {
    const result = loadConfig(c.env);
    if (!result.ok) return invalidConfigResponse(result.reason);
    c.set("config", result.config);
    await next();
  });

  app.route("/wechat", callbackRoutes(bot));

  app.route("/healthz", healthRoutes());

  app.route("/qr", qrRoutes());

  // Every /admin/* route, whoever adds it, sits behind the same Bearer ADMIN_KEY check.
  app.use("/admin/*", adminAuth());
  app.route("/admin", adminRoutes());
  app.route("/admin", platformAdminRoutes());

  app.route("/oauth", oauthRoutes());

  app.route("/jssdk", jssdkRoutes());

  // MP_verify_<code>.txt must be at the domain root.
  app.route("/", domainVerificationRoutes());

  app.notFound((c) => c.json({ error: "not found" }, 404));
  app.onError((error, c) => internalErrorResponse(c.req.url, error));

  return app;
}
