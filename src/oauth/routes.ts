/**
 * Web OAuth (网页授权): GET /oauth/login, /oauth/callback, /oauth/me, POST /oauth/logout.
 *
 * login → 302 to WeChat's authorize page (WECHAT_OPEN_BASE, default open.weixin.qq.com) with a
 * state bound to this browser; callback → the code exchanged once, the profile fetched once for
 * snsapi_userinfo, a signed session cookie, 302 to the redirect. The redirect must be this
 * Worker's origin or one in ALLOWED_ORIGINS ("*" never counts), checked at login and again at the
 * callback, so the Worker is never an open redirect.
 *
 * Cookies are HttpOnly, Secure and SameSite=Lax (WeChat's redirect back is a top-level GET, which
 * Lax allows). Browsers treat http://localhost as secure, so `wrangler dev` works as is.
 */
import { Hono } from "hono/tiny";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../app-env";
import { log } from "../log";
import { createApiClient } from "../token";
import { apiErrorResponse } from "../http/api-error-response";
import { requireAccount } from "../http/require-account";
import { WeChatApiError } from "../wechat/api/errors";
import {
  buildAuthorizeUrl,
  exchangeOAuthCode,
  fetchOAuthProfile,
  isAllowedRedirect,
  isOAuthScope,
  isUnusableCode,
  isValidState,
} from "../wechat/oauth";
import {
  matchLoginState,
  newState,
  sealLoginState,
  STATE_COOKIE,
  STATE_LIFETIME_SECONDS,
} from "./login-state";
import {
  openSession,
  profileForSession,
  sealSession,
  SESSION_COOKIE,
  SESSION_LIFETIME_SECONDS,
  type OAuthSession,
} from "./session";

const COOKIE_BASE = { httpOnly: true, secure: true, sameSite: "Lax" } as const;
const REDIRECT_RULE =
  "redirect must be on this Worker's origin or an origin listed in ALLOWED_ORIGINS";

function refuse(c: Context<AppEnv>, reason: string, status: 400 | 401 = 400) {
  c.header("cache-control", "no-store");
  return c.json({ error: reason }, status);
}

function ownOrigin(c: Context<AppEnv>): string {
  return new URL(c.req.url).origin;
}

export function oauthRoutes() {
  const app = new Hono<AppEnv>();

  app.get("/login", async (c) => {
    const account = requireAccount(c);
    if (!account.ok) return account.response;
    const { config } = account;
    const scope = c.req.query("scope") ?? "snsapi_base";
    if (!isOAuthScope(scope)) return refuse(c, "scope must be snsapi_base or snsapi_userinfo");
    const origin = ownOrigin(c);
    let redirect: string;
    try {
      redirect = new URL(c.req.query("redirect") ?? "/", origin).toString();
    } catch {
      return refuse(c, REDIRECT_RULE);
    }
    if (!isAllowedRedirect(redirect, origin, config.allowedOrigins))
      return refuse(c, REDIRECT_RULE);
    const state = newState();
    const sealed = await sealLoginState(config, {
      state,
      redirect,
      scope,
      expires_at: Math.floor(Date.now() / 1000) + STATE_LIFETIME_SECONDS,
    });
    setCookie(c, STATE_COOKIE, sealed!, {
      ...COOKIE_BASE,
      path: "/oauth",
      maxAge: STATE_LIFETIME_SECONDS,
    });
    c.header("cache-control", "no-store");
    const authorize = buildAuthorizeUrl({
      openBase: config.openBase,
      appId: config.appId,
      // WeChat keeps the redirect's query: the callback then picks the same account.
      redirectUri: `${origin}/oauth/callback${c.req.query("appid") === undefined ? "" : `?appid=${config.appId}`}`,
      scope,
      state,
    });
    return c.redirect(authorize, 302);
  });

  app.get("/callback", async (c) => {
    const account = requireAccount(c);
    if (!account.ok) return account.response;
    const { config } = account;
    const cookie = getCookie(c, STATE_COOKIE);
    // One use per state: whatever happens next, this browser's state is spent.
    deleteCookie(c, STATE_COOKIE, { ...COOKIE_BASE, path: "/oauth" });
    const state = c.req.query("state");
    if (!isValidState(state))
      return refuse(c, "state is missing or malformed: start again at /oauth/login");
    const login = await matchLoginState(config, cookie, state);
    if (!login) {
      return refuse(
        c,
        "state does not match a login started in this browser (expired, already used, or forged): start again at /oauth/login",
      );
    }
    if (!isAllowedRedirect(login.redirect, ownOrigin(c), config.allowedOrigins)) {
      return refuse(c, REDIRECT_RULE);
    }
    const code = c.req.query("code");
    // "用户禁止授权，则重定向后不会带上code参数，仅会带上state参数"
    if (!code) return refuse(c, "the follower declined authorisation (no code)");
    const client = createApiClient(c.env, config);
    let session: OAuthSession;
    try {
      const grant = await exchangeOAuthCode(client, config, code);
      session = {
        openid: grant.openid,
        scope: grant.scope,
        ...(grant.unionid ? { unionid: grant.unionid } : {}),
        ...(grant.is_snapshotuser ? { is_snapshotuser: grant.is_snapshotuser } : {}),
        expires_at: Math.floor(Date.now() / 1000) + SESSION_LIFETIME_SECONDS,
      };
      if (grant.scope.split(",").includes("snsapi_userinfo")) {
        session.profile = profileForSession(
          await fetchOAuthProfile(client, grant.access_token, grant.openid),
        );
      }
    } catch (error) {
      if (error instanceof WeChatApiError && isUnusableCode(error.errcode)) {
        log.warn("oauth.code_refused", { errcode: error.errcode });
        return refuse(
          c,
          `the code is invalid or already used (errcode ${error.errcode}); codes are single-use and live 5 minutes: start again at /oauth/login`,
        );
      }
      return apiErrorResponse(error, "public");
    }
    setCookie(c, SESSION_COOKIE, await sealSession(config, session), {
      ...COOKIE_BASE,
      path: "/",
      maxAge: SESSION_LIFETIME_SECONDS,
    });
    c.header("cache-control", "no-store");
    return c.redirect(login.redirect, 302);
  });

  app.get("/me", async (c) => {
    // With WECHAT_ACCOUNTS the session was sealed with the key of the account it signed in to.
    let config = c.var.config;
    if (config.accounts.size > 0) {
      const account = requireAccount(c);
      if (!account.ok) return account.response;
      config = account.config;
    }
    const session = await openSession(config, getCookie(c, SESSION_COOKIE));
    if (!session) return refuse(c, "not signed in: start at /oauth/login", 401);
    c.header("cache-control", "no-store");
    return c.json(session);
  });

  app.post("/logout", (c) => {
    deleteCookie(c, SESSION_COOKIE, { ...COOKIE_BASE, path: "/" });
    return c.body(null, 204);
  });

  return app;
}
