/**
 * GET /jssdk/config?url=<page URL> → { appId, timestamp, nonceStr, signature } for wx.config.
 *
 * Only pages on an origin listed in ALLOWED_ORIGINS are signed ("*" never counts: a signature is
 * a capability for the account's JS-SDK, so a wildcard would lend it to any site). The fragment
 * is stripped; the rest of the URL is signed exactly as given, which is what WeChat compares
 * (pass `location.href.split('#')[0]`, not an HTML-escaped or re-encoded copy). The jsapi_ticket
 * comes from the token authority, which fetches it once and refreshes it ahead of expiry.
 */
import { Hono } from "hono/tiny";
import type { AppEnv } from "../app-env";
import { apiErrorResponse } from "../http/api-error-response";
import { cors } from "../http/cors";
import { requireAccount } from "../http/require-account";
import { getJsapiTicket } from "../token";
import { buildJssdkConfig, signableUrl } from "../wechat/jssdk";

const MAX_URL_LENGTH = 4096;

/** The reason `pageUrl` may not be signed, or undefined. */
function unsignableReason(pageUrl: string | undefined, allowedOrigins: readonly string[]) {
  if (!pageUrl) return "url is required: the page's location.href without the #fragment";
  if (pageUrl.length > MAX_URL_LENGTH) return `url is longer than ${MAX_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(signableUrl(pageUrl));
  } catch {
    return "url must be an absolute http(s) URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return "url must be an absolute http(s) URL";
  if (!allowedOrigins.some((origin) => origin !== "*" && origin === url.origin)) {
    return `url's origin ${url.origin} is not in ALLOWED_ORIGINS`;
  }
  if (/&amp;/.test(pageUrl))
    return "url contains &amp;: pass the URL itself, not its HTML-escaped form";
  return undefined;
}

export function jssdkRoutes() {
  const app = new Hono<AppEnv>();
  app.use("*", cors({ methods: ["GET"] }));

  app.get("/config", async (c) => {
    c.header("cache-control", "no-store");
    const account = requireAccount(c);
    if (!account.ok) return account.response;
    const { config } = account;
    const pageUrl = c.req.query("url");
    const reason = unsignableReason(pageUrl, config.allowedOrigins);
    if (reason) return c.json({ error: reason }, 400);
    try {
      const ticket = await getJsapiTicket(c.env, config);
      return c.json(await buildJssdkConfig(config.appId, ticket, pageUrl!));
    } catch (error) {
      return apiErrorResponse(error, "public");
    }
  });

  return app;
}
