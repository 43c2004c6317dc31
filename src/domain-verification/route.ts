/**
 * WeChat's domain verification: before it accepts a 网页授权 (OAuth) or JS-SDK domain, the MP
 * console asks for a file MP_verify_<code>.txt at the domain's root whose content is <code>.
 * MP_VERIFY holds that code; any other MP_verify_*.txt is 404, like any unknown path.
 */
import { Hono } from "hono/tiny";
import type { AppEnv } from "../app-env";

export function domainVerificationRoutes() {
  const app = new Hono<AppEnv>();
  app.get("/:file{MP_verify_[A-Za-z0-9]+\\.txt}", (c) => {
    const code = c.req.param("file").slice("MP_verify_".length, -".txt".length);
    if (!c.var.config.mpVerify || code !== c.var.config.mpVerify)
      return c.json({ error: "not found" }, 404);
    return c.text(code, 200, { "content-type": "text/plain; charset=utf-8" });
  });
  return app;
}
