/**
 * The guard of every endpoint that calls WeChat's API for a visitor or an operator (/qr, /oauth,
 * /jssdk, /admin): without WECHAT_APPID and WECHAT_APPSECRET no access_token can be had, so the
 * endpoint answers 503 naming the first one unset (never a value), uncached, and calls nothing.
 * The callback does not need them: a plaintext account answers pushes without an AppSecret.
 *
 * @example
 * const account = requireAccount(c);
 * if (!account.ok) return account.response;
 * await createApiClient(c.env, account.config).getApiDomainIp();
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { missingAccountSetting, type AccountConfig } from "../config";

type AccountCheck = { ok: true; config: AccountConfig } | { ok: false; response: Response };

/** The request's config with the account's credentials, or the 503 to answer; `body` adds fields. */
export function requireAccount(
  c: Context<AppEnv>,
  body: Record<string, unknown> = {},
): AccountCheck {
  const config = c.var.config;
  const missing = missingAccountSetting(config);
  if (missing === undefined) return { ok: true, config: config as AccountConfig };
  c.header("cache-control", "no-store");
  return { ok: false, response: c.json({ ...body, error: missing }, 503) };
}
