/**
 * The operator's diagnosis of an account, behind adminAuth() (Bearer ADMIN_KEY), each for the
 * account `requireAccount` picks (?appid= when several are configured):
 *
 * GET  /admin/diagnose          → { account, checked_at, ok, checks, problems: [{ what, why, fix }] }
 *                                 (200 whatever it finds; src/diagnose/)
 * POST /admin/quota/clear[?force=1]
 *                               → clear_quota/v2 with the AppSecret. WeChat allows 10 a month, so a
 *                                 second reset within 24 h is refused (429) unless forced.
 * GET  /admin/rid/:rid          → openapi/rid/get: what WeChat recorded of a failed call, by the
 *                                 rid in its errmsg (400 for a malformed rid), credentials redacted.
 */
import { Hono } from "hono/tiny";
import type { AppEnv } from "../app-env";
import { diagnoseAccount } from "../diagnose";
import { apiErrorResponse } from "../http/api-error-response";
import { requireAccount } from "../http/require-account";
import { createApiClient, isoTime, tokenAuthority } from "../token";
import { getRidInfo, isRid } from "../wechat/api/openapi";

export function diagnoseAdminRoutes() {
  const app = new Hono<AppEnv>();

  app.get("/diagnose", async (c) => {
    const account = requireAccount(c);
    if (!account.ok) return account.response;
    return c.json(await diagnoseAccount(c.env, account.config));
  });

  app.post("/quota/clear", async (c) => {
    const account = requireAccount(c);
    if (!account.ok) return account.response;
    const force = c.req.query("force") === "1";
    const result = await tokenAuthority(c.env, account.config.appId).clearQuota(force);
    if (result.ok) {
      return c.json({
        ok: true,
        cleared_at: isoTime(result.clearedAt),
        resets_last_month: result.recent.length,
      });
    }
    switch (result.kind) {
      case "too-soon": {
        const retryAfter = Math.max(1, Math.ceil((result.retryAt - Date.now()) / 1000));
        return c.json(
          {
            error: `the quotas were reset at ${isoTime(result.lastAt)}; WeChat allows 10 resets a month, so another within 24 h needs ?force=1`,
            last_at: isoTime(result.lastAt),
            resets_last_month: result.recent.length,
          },
          429,
          { "retry-after": String(retryAfter) },
        );
      }
      case "refused":
        return c.json(
          {
            error: result.reason,
            errcode: result.upstream.errcode,
            errmsg: result.upstream.errmsg,
            hint: result.upstream.hint,
            ...(result.upstream.ip ? { ip: result.upstream.ip } : {}),
          },
          502,
        );
      case "unavailable":
        return c.json({ error: result.reason }, 503);
    }
  });

  app.get("/rid/:rid", async (c) => {
    const rid = c.req.param("rid");
    if (!isRid(rid)) {
      return c.json(
        {
          error:
            "a rid is three groups of 8 hex digits, as in the errmsg: 61725984-6126f6f9-040f19c4",
        },
        400,
      );
    }
    const account = requireAccount(c);
    if (!account.ok) return account.response;
    try {
      const request = await getRidInfo(createApiClient(c.env, account.config), rid);
      return c.json({
        rid,
        request: { ...request, invoke_time_iso: isoTime(request.invoke_time * 1000) },
      });
    } catch (error) {
      return apiErrorResponse(error);
    }
  });

  return app;
}
