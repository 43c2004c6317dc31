/**
 * The Worker's HTTP surface: configuration first, then one sub-app per surface, each behind a
 * check of the bindings it needs (src/bindings.ts). Surfaces turned off in the options are not
 * mounted: they answer 404 like any unknown path.
 */
import type { MiddlewareHandler } from "hono";
import { Hono } from "hono/tiny";
import type { AppEnv } from "./app-env";
import {
  adminRoutes,
  diagnoseAdminRoutes,
  followerAdminRoutes,
  menuAdminRoutes,
  platformAdminRoutes,
  publishingAdminRoutes,
  subscribeAdminRoutes,
} from "./admin";
import { missingBinding, missingBindingResponse, SURFACE_BINDINGS } from "./bindings";
import type { BotContext } from "./bot/context";
import { callbackRoutes, type AccountPushHook } from "./callback";
import { componentAdminRoutes, componentRoutes } from "./component";
import { loadConfig } from "./config";
import { domainVerificationRoutes } from "./domain-verification";
import { healthRoutes } from "./health";
import { adminAuth } from "./http/admin-auth";
import { jssdkRoutes } from "./jssdk";
import { describeError, log } from "./log";
import { oauthRoutes } from "./oauth";
import { qrRoutes } from "./qr";
import type { WeChatRouter } from "./wechat/router";

/** The optional surfaces, each on unless set to false. */
export interface SurfaceOptions {
  /** `/qr` and `/qr/stats` (parametric QR codes and scan statistics). */
  qr?: boolean;
  /** `/oauth/*` (网页授权). */
  oauth?: boolean;
  /** `/jssdk/config` (wx.config signatures). */
  jssdk?: boolean;
  /** `/admin/*` (the token for other backends, self-check, menus, messages, media). */
  admin?: boolean;
}

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

function requireBindings(names: Parameters<typeof missingBinding>[1]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const missing = missingBinding(c.env, names);
    if (missing) return missingBindingResponse(missing);
    await next();
  };
}

export function createApp(
  bot: WeChatRouter<BotContext>,
  options: SurfaceOptions = {},
  hooks: readonly AccountPushHook[] = [],
) {
  const app = new Hono<AppEnv>();
  const on = (surface: keyof SurfaceOptions) => options[surface] !== false;

  app.use("*", async (c, next) => {
    const result = loadConfig(c.env);
    if (!result.ok) return invalidConfigResponse(result.reason);
    c.set("config", result.config);
    await next();
  });

  app.route("/wechat", callbackRoutes(bot, hooks));

  app.route("/healthz", healthRoutes());

  if (on("qr")) {
    app.use("/qr/*", requireBindings(SURFACE_BINDINGS.qr));
    app.use("/qr", requireBindings(SURFACE_BINDINGS.qr));
    app.route("/qr", qrRoutes());
  }

  if (on("admin")) {
    // Every /admin/* route, whoever adds it, sits behind the same Bearer ADMIN_KEY check.
    app.use("/admin/*", requireBindings(SURFACE_BINDINGS.admin), adminAuth());
    app.route("/admin", adminRoutes());
    app.route("/admin", diagnoseAdminRoutes());
    app.route("/admin", platformAdminRoutes());
    app.route("/admin", publishingAdminRoutes());
    app.route("/admin", followerAdminRoutes());
    app.route("/admin", menuAdminRoutes());
    app.route("/admin", subscribeAdminRoutes());
  }

  // The 第三方平台: 404 unless WECHAT_COMPONENT_APPID is set (docs/component.md).
  app.route("/component", componentRoutes());
  if (on("admin")) app.route("/admin", componentAdminRoutes());

  if (on("oauth")) {
    app.use("/oauth/*", requireBindings(SURFACE_BINDINGS.oauth));
    app.route("/oauth", oauthRoutes());
  }

  if (on("jssdk")) {
    app.use("/jssdk/*", requireBindings(SURFACE_BINDINGS.jssdk));
    app.route("/jssdk", jssdkRoutes());
  }

  // MP_verify_<code>.txt must be at the domain root.
  app.route("/", domainVerificationRoutes());

  app.notFound((c) => c.json({ error: "not found" }, 404));
  app.onError((error, c) => internalErrorResponse(c.req.url, error));

  return app;
}
