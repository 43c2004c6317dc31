/**
 * `adminAuth()`: guards /admin/* and /qr/stats with `Authorization: Bearer <ADMIN_KEY>`.
 *
 * Without ADMIN_KEY the admin surface does not exist (404, as for any unknown path); with a key
 * too short to resist guessing it answers 503 naming ADMIN_KEY until that is fixed. A missing or
 * wrong key gets 401 and nothing else; repeated wrong keys get 429 (src/http/admin-caller.ts).
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { identifyAdminCaller } from "./admin-caller";

export function adminAuth(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { adminKeys, adminKeyProblem } = c.var.config;
    c.header("cache-control", "no-store");
    if (adminKeyProblem) return c.json({ error: adminKeyProblem }, 503);
    if (!adminKeys) return c.json({ error: "not found" }, 404);
    const caller = await identifyAdminCaller({
      authorization: c.req.header("authorization"),
      connectingIp: c.req.header("cf-connecting-ip"),
      adminKeys,
      adminKeyProblem,
      limiter: c.env.AUTH_FAILURE_LIMITER,
      realm: "admin",
    });
    if (caller.kind === "refused") return caller.response;
    if (caller.kind === "no-header") {
      c.header("www-authenticate", 'Bearer realm="admin"');
      return c.json({ error: "unauthorized" }, 401);
    }
    await next();
  };
}
