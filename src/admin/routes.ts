/**
 * `/admin/token` and `/admin/check`, behind `adminAuth()` (mounted in src/app.ts).
 *
 * /admin/token makes the Worker the account's central token server (中控服务器): other backends take
 * the current token from here instead of fetching their own, which would invalidate ours. It is
 * the only response that ever carries a token. Authenticated admin calls are not rate limited.
 *
 * /admin/check makes one cheap real call (get_api_domain_ip) with the token and reports ok, or the
 * typed error and its hint (for 40164, the egress IP WeChat saw).
 */
import { Hono } from "hono/tiny";
import type { AppEnv } from "../app-env";
import { apiErrorResponse } from "../http/api-error-response";
import { requireAccount } from "../http/require-account";
import {
  createApiClient,
  isoTime as iso,
  refreshStateView as refreshState,
  tokenAuthority,
  type AccountPermissions,
} from "../token";

export function adminRoutes() {
  const app = new Hono<AppEnv>();

  app.get("/token", async (c) => {
    const account = requireAccount(c);
    if (!account.ok) return account.response;
    const authority = tokenAuthority(c.env, account.config.appId);
    const { result, status } = await authority.accessTokenWithStatus();
    if (!result.ok) {
      return c.json(
        {
          error: result.reason,
          ...(result.upstream
            ? { errcode: result.upstream.errcode, hint: result.upstream.hint }
            : {}),
          refresh: refreshState(status),
        },
        503,
        { "retry-after": String(Math.max(1, result.retryAfterSeconds)) },
      );
    }
    const { value, expiresAt } = result.lease;
    return c.json({
      access_token: value,
      expires_in: Math.max(0, Math.floor((expiresAt - Date.now()) / 1000)),
      expires_at: iso(expiresAt),
      refresh: refreshState(status),
    });
  });

  app.get("/check", async (c) => {
    const account = requireAccount(c, { ok: false });
    if (!account.ok) return account.response;
    const { config } = account;
    const started = Date.now();
    // What WeChat has refused this account (48001 from customer service: the slow-reply
    // strategy then holds pushes through WeChat's retries).
    const permissions = await tokenAuthority(c.env, config.appId)
      .accountPermissions()
      .then((known) => describePermissions(known, config.slowReply))
      .catch(() => undefined);
    try {
      const answer = await createApiClient(c.env, config).getApiDomainIp();
      return c.json({
        ok: true,
        api_base: config.apiBase,
        token_source: config.tokenSource,
        duration_ms: Date.now() - started,
        api_domain_ips: Array.isArray(answer.ip_list) ? answer.ip_list.length : 0,
        ...(permissions ? { account: permissions } : {}),
      });
    } catch (error) {
      const failed = apiErrorResponse(error);
      const body = (await failed.json()) as Record<string, unknown>;
      return c.json(
        {
          ok: false,
          api_base: config.apiBase,
          ...body,
          ...(permissions ? { account: permissions } : {}),
        },
        failed.status as 502 | 503,
      );
    }
  });

  return app;
}

function describePermissions(known: AccountPermissions, slowReply: string) {
  const refused = known["customer-service"];
  return {
    customer_service: refused
      ? { allowed: false, errcode: refused.errcode, learnt_at: iso(refused.learntAt) }
      : { allowed: "not refused so far" },
    slow_reply: slowReply,
    slow_replies_held_through_retries:
      slowReply === "retries" || (slowReply === "auto" && refused !== undefined),
  };
}
