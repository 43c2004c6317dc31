/**
 * The OAuth state, bound to the browser that started the login (CSRF): a random state of 32
 * letters and digits goes to WeChat (which allows only a-zA-Z0-9, at most 128 bytes) and, signed
 * together with the redirect and scope, into a short-lived HttpOnly cookie scoped to /oauth.
 * The callback accepts a state only if it equals the one in that cookie, and clears the cookie
 * in every answer, so a state works once: a replayed callback finds no cookie.
 */
import type { WeChatConfig } from "../config";
import { randomAlphanumeric } from "../wechat/encoding";
import type { OAuthScope } from "../wechat/oauth";
import { timingSafeEqualText } from "../wechat/signature";
import { cookieKey, signValue, verifyValue } from "./signed-cookie";

export const STATE_COOKIE = "wx_oauth_state";
/** Longer than a code's 5 minutes, for a follower who reads the consent page slowly. */
export const STATE_LIFETIME_SECONDS = 600;

interface LoginState {
  state: string;
  redirect: string;
  scope: OAuthScope;
  /** Unix seconds. */
  expires_at: number;
}

export function newState(): string {
  return randomAlphanumeric(32);
}

export async function sealLoginState(
  config: WeChatConfig,
  login: LoginState,
): Promise<string | undefined> {
  const key = await cookieKey(config, "oauth-state");
  return key ? signValue(key, login) : undefined;
}

/** The login this browser started, if `state` is its state and it has not expired. */
export async function matchLoginState(
  config: WeChatConfig,
  cookie: string | undefined,
  state: string,
  now = Date.now(),
): Promise<LoginState | undefined> {
  const key = await cookieKey(config, "oauth-state");
  if (!key) return undefined;
  const login = (await verifyValue(key, cookie)) as Partial<LoginState> | undefined;
  if (typeof login?.state !== "string" || typeof login.redirect !== "string") return undefined;
  if (typeof login.expires_at !== "number" || login.expires_at * 1000 <= now) return undefined;
  return timingSafeEqualText(login.state, state) ? (login as LoginState) : undefined;
}
