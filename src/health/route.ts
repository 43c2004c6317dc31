/**
 * `GET /healthz` (public): the Worker is up and its configuration valid (a malformed variable
 * already answers 503 naming it). Says which features are configured, never a value.
 */
import { Hono } from "hono/tiny";
import type { AppEnv } from "../app-env";

export function healthRoutes() {
  const app = new Hono<AppEnv>();
  app.get("/", (c) => {
    const config = c.var.config;
    return c.json(
      {
        ok: true,
        configured: {
          callback: true,
          encryption: config.encodingAESKey !== undefined,
          api: config.appId !== undefined && config.appSecret !== undefined,
          admin: config.adminKey !== undefined,
          proxy: config.proxySecret !== undefined,
        },
        token_source: config.tokenSource,
      },
      200,
      { "cache-control": "no-store" },
    );
  });
  return app;
}
