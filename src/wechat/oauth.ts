/**
 * Web OAuth (网页授权): the authorize URL, the state rules, and the user-level calls.
 *
 * The user-level access_token from `/sns/oauth2/access_token` is not the account's global
 * access_token: it belongs to one follower, lives 7200 s, and is only good for `/sns/*`. A code
 * is single-use and expires after 5 minutes ("code只能使用一次，5分钟未被使用自动过期"): 40029
 * (invalid) and 40163 (already used) mean start again, never retry.
 */
import type { WeChatApiClient } from "./api/client";

export type OAuthScope = "snsapi_base" | "snsapi_userinfo";

export const DEFAULT_OPEN_BASE = "https://open.weixin.qq.com";

export function isOAuthScope(value: unknown): value is OAuthScope {
  return value === "snsapi_base" || value === "snsapi_userinfo";
}

// "state … 只能包含a-zA-Z0-9的参数值，最多128字节": WeChat returns it unchanged.
const STATE_PATTERN = /^[A-Za-z0-9]{1,128}$/;

export function isValidState(state: unknown): state is string {
  return typeof state === "string" && STATE_PATTERN.test(state);
}

export interface AuthorizeUrlOptions {
  /** Default https://open.weixin.qq.com (WECHAT_OPEN_BASE); never the API base. */
  openBase?: string;
  appId: string;
  /** Must be on the account's 网页授权域名. */
  redirectUri: string;
  scope: OAuthScope;
  state: string;
}

/**
 * The URL that starts authorisation. WeChat matches the link strictly: the parameters go in the
 * documented order (appid, redirect_uri, response_type, scope, state) and `#wechat_redirect` ends it,
 * otherwise the authorize page does not open.
 */
export function buildAuthorizeUrl(options: AuthorizeUrlOptions): string {
  if (!isValidState(options.state)) throw new RangeError("state must be 1-128 letters and digits");
  const base = (options.openBase ?? DEFAULT_OPEN_BASE).replace(/\/+$/, "");
  const query = [
    `appid=${encodeURIComponent(options.appId)}`,
    `redirect_uri=${encodeURIComponent(options.redirectUri)}`,
    "response_type=code",
    `scope=${options.scope}`,
    `state=${options.state}`,
  ].join("&");
  return `${base}/connect/oauth2/authorize?${query}#wechat_redirect`;
}

/** The answer of `/sns/oauth2/access_token` (a user-level token). */
export interface OAuthGrant {
  access_token: string;
  expires_in: number;
  refresh_token: string;
  openid: string;
  scope: string;
  /** 1 for the 快照页 (snapshot page) virtual user: not a real follower identity. */
  is_snapshotuser?: number;
  unionid?: string;
}

/** `GET /sns/oauth2/access_token`: exchanges a code, once. */
export function exchangeOAuthCode(
  client: WeChatApiClient,
  account: { appId: string; appSecret: string },
  code: string,
): Promise<OAuthGrant> {
  return client.get<OAuthGrant>(
    "/sns/oauth2/access_token",
    { appid: account.appId, secret: account.appSecret, code, grant_type: "authorization_code" },
    { accessToken: false },
  );
}

export interface OAuthProfile {
  openid: string;
  nickname: string;
  /** 0 unknown, 1 male, 2 female (WeChat now mostly answers 0). */
  sex?: number;
  province?: string;
  city?: string;
  country?: string;
  headimgurl?: string;
  privilege?: string[];
  unionid?: string;
}

/** `GET /sns/userinfo` with the user-level token (snsapi_userinfo only). */
export function fetchOAuthProfile(
  client: WeChatApiClient,
  userAccessToken: string,
  openid: string,
): Promise<OAuthProfile> {
  return client.get<OAuthProfile>(
    "/sns/userinfo",
    { access_token: userAccessToken, openid, lang: "zh_CN" },
    { accessToken: false },
  );
}

/** errcodes that mean the code cannot be used: the visitor must start again. */
export function isUnusableCode(errcode: number): boolean {
  return errcode === 40029 || errcode === 40163;
}

/**
 * Whether `target` may be redirected to: only the Worker's own origin or one listed in
 * ALLOWED_ORIGINS ("*" never counts here: an open redirect would hand the session to anyone).
 */
export function isAllowedRedirect(
  target: string,
  ownOrigin: string,
  allowedOrigins: readonly string[],
): boolean {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return false;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return false;
  if (url.username || url.password) return false;
  return (
    url.origin === ownOrigin ||
    allowedOrigins.some((origin) => origin !== "*" && origin === url.origin)
  );
}
