/**
 * Web OAuth on the fake: the authorize page and the /sns/* endpoints.
 *
 * GET /connect/oauth2/authorize plays the follower who agrees at once: it checks the request like
 * WeChat (known appid, response_type=code, a scope, a state of letters and digits at most 128
 * bytes, a redirect_uri) and answers 302 to redirect_uri?code=…&state=… for the configured test
 * follower (platformState(fake).oauthUser; `POST /__fake/oauth-user` on the server). Codes are
 * single-use and live 5 minutes: 40029 for an unknown or expired code, 40163 for a used one.
 */
import { platformState } from "../platform-state.ts";
import { randomToken, requireString, WeChatFault, type Endpoint } from "./types.ts";

const CODE_LIFETIME_MS = 5 * 60_000;
const USER_TOKEN_LIFETIME_S = 7200;

function refusal(message: string) {
  // WeChat shows an error page in the browser here, not JSON.
  return new Response(`<html><body><p>${message}</p></body></html>`, {
    status: 400,
    headers: { "content-type": "text/html; charset=utf-8" },
  });
}

const authorize: Endpoint = {
  method: "GET",
  path: "/connect/oauth2/authorize",
  auth: false,
  handle({ query, fake, now }) {
    const appid = query.get("appid") ?? "";
    if (!fake.accounts.has(appid)) return refusal("appid 参数错误");
    if (query.get("response_type") !== "code") return refusal("response_type 参数错误");
    const scope = query.get("scope") ?? "";
    if (scope !== "snsapi_base" && scope !== "snsapi_userinfo") return refusal("scope 参数错误");
    const state = query.get("state") ?? "";
    if (!/^[A-Za-z0-9]{0,128}$/.test(state)) return refusal("state 参数错误");
    let redirect: URL;
    try {
      redirect = new URL(query.get("redirect_uri") ?? "");
    } catch {
      return refusal("redirect_uri 参数错误");
    }
    const state$ = platformState(fake);
    const code = randomToken(32).replace(/[-_]/g, "0");
    state$.oauthCodes.set(code, {
      appid,
      openid: state$.oauthUser.openid,
      scope,
      expiresAt: now + CODE_LIFETIME_MS,
      used: false,
    });
    redirect.searchParams.set("code", code);
    redirect.searchParams.set("state", state);
    return new Response(null, { status: 302, headers: { location: redirect.toString() } });
  },
};

const accessToken: Endpoint = {
  method: "GET",
  path: "/sns/oauth2/access_token",
  auth: false,
  handle({ query, fake, now }) {
    const appid = requireString(query.get("appid"), 41002, "appid missing");
    const secret = requireString(query.get("secret"), 41004, "appsecret missing");
    if (fake.accounts.get(appid) !== secret) throw new WeChatFault(40125, "invalid appsecret");
    if (query.get("grant_type") !== "authorization_code")
      throw new WeChatFault(40002, "invalid grant_type");
    const code = requireString(query.get("code"), 41008, "missing code");
    const state = platformState(fake);
    const issued = state.oauthCodes.get(code);
    if (!issued || issued.appid !== appid || now >= issued.expiresAt)
      throw new WeChatFault(40029, "invalid code");
    if (issued.used) throw new WeChatFault(40163, "code been used");
    issued.used = true;
    const token = randomToken(88);
    state.userTokens.set(token, {
      openid: issued.openid,
      scope: issued.scope,
      expiresAt: now + USER_TOKEN_LIFETIME_S * 1000,
    });
    return {
      access_token: token,
      expires_in: USER_TOKEN_LIFETIME_S,
      refresh_token: randomToken(88),
      openid: issued.openid,
      scope: issued.scope,
      ...(state.oauthUser.unionid ? { unionid: state.oauthUser.unionid } : {}),
    };
  },
};

const userinfo: Endpoint = {
  method: "GET",
  path: "/sns/userinfo",
  auth: false,
  handle({ query, fake, now }) {
    const state = platformState(fake);
    const token = state.userTokens.get(query.get("access_token") ?? "");
    if (!token)
      throw new WeChatFault(40001, "invalid credential, access_token is invalid or not latest");
    if (now >= token.expiresAt) throw new WeChatFault(42001, "access_token expired");
    if (query.get("openid") !== token.openid) throw new WeChatFault(40003, "invalid openid");
    if (token.scope !== "snsapi_userinfo") throw new WeChatFault(48001, "api unauthorized");
    const user = state.oauthUser;
    return {
      openid: user.openid,
      nickname: user.nickname,
      sex: 0,
      province: "",
      city: "",
      country: "",
      headimgurl: user.headimgurl,
      privilege: [],
      ...(user.unionid ? { unionid: user.unionid } : {}),
    };
  },
};

export const oauthEndpoints: Endpoint[] = [authorize, accessToken, userinfo];
