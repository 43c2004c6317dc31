/**
 * `adminAuth()`: guards /admin/* with `Authorization: Bearer <ADMIN_KEY>`.
 *
 * Without ADMIN_KEY the admin surface does not exist (404, as for any unknown path). A missing or
 * wrong key gets 401 with nothing else. The key is compared in constant time over SHA-256
 * digests, so neither its content nor its length leaks through timing.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { utf8 } from "../wechat/encoding";

async function sameSecret(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", utf8(given)),
    crypto.subtle.digest("SHA-256", utf8(expected)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}

export function adminAuth(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const adminKey = c.var.config.adminKey;
    if (!adminKey) return c.json({ error: "not found" }, 404);
    const match = /^Bearer +(\S+) *$/i.exec(c.req.header("authorization") ?? "");
    if (!match?.[1] || !(await sameSecret(match[1], adminKey))) {
      c.header("www-authenticate", 'Bearer realm="admin"');
      c.header("cache-control", "no-store");
      return c.json({ error: "unauthorized" }, 401);
    }
    c.header("cache-control", "no-store");
    await next();
  };
}
