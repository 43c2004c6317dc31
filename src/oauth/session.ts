/**
 * The signed-in follower, kept in the browser as a signed cookie (no server storage).
 *
 * Only what /oauth/me answers is kept: the openid, the scope, the unionid, and for snsapi_userinfo
 * the nickname and avatar URL fetched once at the callback. The user-level access_token is not
 * kept at all: it only serves /sns/* calls this Worker does not make after the callback, and a
 * token in a cookie would need encryption and rotation for no benefit. The cookie stays well
 * under 1 KB (nickname and URL are truncated).
 */
import type { WeChatConfig } from "../config";
import type { OAuthProfile } from "../wechat/oauth";
import { cookieKey, signValue, verifyValue } from "./signed-cookie";

export const SESSION_COOKIE = "wx_session";
export const SESSION_LIFETIME_SECONDS = 24 * 3600;

export interface OAuthSession {
  openid: string;
  scope: string;
  unionid?: string;
  /** 1 for the 快照页 (snapshot page) virtual user. */
  is_snapshotuser?: number;
  profile?: { nickname: string; headimgurl?: string };
  /** Unix seconds. */
  expires_at: number;
}

export function profileForSession(profile: OAuthProfile): OAuthSession["profile"] {
  return {
    nickname: profile.nickname.slice(0, 64),
    ...(profile.headimgurl ? { headimgurl: profile.headimgurl.slice(0, 512) } : {}),
  };
}

export async function sealSession(config: WeChatConfig, session: OAuthSession): Promise<string> {
  const key = await cookieKey(config, "session");
  if (!key) throw new Error("no session key: WECHAT_APPSECRET and SESSION_SECRET are unset");
  return signValue(key, session);
}

/** The session when the cookie is genuine and not expired. */
export async function openSession(
  config: WeChatConfig,
  value: string | undefined,
  now = Date.now(),
): Promise<OAuthSession | undefined> {
  const key = await cookieKey(config, "session");
  if (!key) return undefined;
  const session = (await verifyValue(key, value)) as Partial<OAuthSession> | undefined;
  if (typeof session?.openid !== "string" || typeof session.expires_at !== "number")
    return undefined;
  return session.expires_at * 1000 > now ? (session as OAuthSession) : undefined;
}
