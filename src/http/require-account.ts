/**
 * The guard of every endpoint that works for one 公众号 on behalf of a visitor or an operator
 * (/qr, /qr/stats, /oauth, /jssdk, /admin): it picks the account, then checks it can call WeChat.
 *
 * - `?appid=` names the account: WECHAT_APPID's, or one of WECHAT_ACCOUNTS; any other appid → 404.
 * - Without it, the single account (exactly as before WECHAT_ACCOUNTS existed), or the one
 *   listed account; several listed and no WECHAT_APPID → 400, the request must name one.
 * - Without its AppID and AppSecret no access_token can be had, so the endpoint answers 503
 *   naming the first one unset (never a value), and calls nothing.
 * Every refusal is uncached. The callback does not need this: a plaintext account answers pushes
 * without an AppSecret, and its account comes from its URL.
 *
 * @example
 * const account = requireAccount(c);
 * if (!account.ok) return account.response;
 * await createApiClient(c.env, account.config).getApiDomainIp();
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import {
  configuredAccount,
  defaultAccount,
  missingAccountSetting,
  type AccountConfig,
} from "../config";

type AccountCheck = { ok: true; config: AccountConfig } | { ok: false; response: Response };

/** The view of the account the request names, with its credentials, or the answer to give; `body` adds fields. */
export function requireAccount(
  c: Context<AppEnv>,
  body: Record<string, unknown> = {},
): AccountCheck {
  const refuse = (status: 400 | 404 | 503, error: string): AccountCheck => {
    c.header("cache-control", "no-store");
    return { ok: false, response: c.json({ ...body, error }, status) };
  };
  const appid = c.req.query("appid");
  let config;
  if (appid === undefined) {
    const chosen = defaultAccount(c.var.config);
    if (!chosen.ok) return refuse(400, chosen.reason);
    config = chosen.config;
  } else {
    // The same answer for every appid this Worker does not serve, well formed or not.
    config = configuredAccount(c.var.config, appid);
    if (!config) return refuse(404, "no account with this appid is configured here");
  }
  const missing = missingAccountSetting(config);
  if (missing !== undefined) return refuse(503, missing);
  return { ok: true, config: config as AccountConfig };
}
