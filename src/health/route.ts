/**
 * `GET /healthz`: whether the Worker is up and its configuration valid (a malformed variable
 * already answers 503 naming it). Strangers learn only that; which features are configured, the
 * message mode and the token source are for the operator (the admin key), since they tell an
 * attacker which surfaces to try.
 */
import { Hono } from "hono/tiny";
import type { AppEnv } from "../app-env";
import { identifyAdminCaller } from "../http/admin-caller";

export function healthRoutes() {
  const app = new Hono<AppEnv>();
  app.get("/", async (c) => {
    const config = c.var.config;
    c.header("cache-control", "no-store");
    const caller = await identifyAdminCaller({
      authorization: c.req.header("authorization"),
      connectingIp: c.req.header("cf-connecting-ip"),
      adminKeys: config.adminKeys,
      adminKeyProblem: config.adminKeyProblem,
      limiter: c.env.AUTH_FAILURE_LIMITER,
      realm: "admin",
    });
    if (caller.kind === "refused") return caller.response;
    if (caller.kind === "no-header") return c.json({ ok: true, configured: true });
    return c.json({
      ok: true,
      configured: {
        callback: true,
        message_mode: config.messageMode,
        encryption: config.encodingAESKey !== undefined,
        previous_encryption_key: config.encodingAESKeyPrevious !== undefined,
        api: config.appId !== undefined && config.appSecret !== undefined,
        admin: config.adminKeys !== undefined,
        proxy: config.proxySecret !== undefined,
      },
      token_source: config.tokenSource,
    });
  });
  return app;
}
