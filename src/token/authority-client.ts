/**
 * The Worker's side of the token authority: read the credential from KV, and ask the authority
 * (the Durable Object named by the appid) only on a miss or when the refresh rule says the cached
 * copy is due.
 */
import type { WeChatConfig } from "../config";
import type { Env } from "../env";
import type { TokenAuthority } from "./authority";
import type { AccessTokenSource } from "../wechat/api/client";
import { TokenUnavailableError } from "./errors";
import { readCachedLease } from "./kv-cache";
import type { CredentialKind, LeaseResult } from "./records";
import { needsRefresh } from "./refresh-rule";

/** The authority owning this account's credentials. */
export function tokenAuthority(env: Pick<Env, "TOKEN_AUTHORITY">, appId: string) {
  const namespace = env.TOKEN_AUTHORITY as DurableObjectNamespace<TokenAuthority>;
  return namespace.get(namespace.idFromName(appId));
}

function unwrap(result: LeaseResult): string {
  if (!result.ok) throw new TokenUnavailableError(result);
  return result.lease.value;
}

function requireAppId(config: WeChatConfig): string {
  if (!config.appId) {
    throw new TokenUnavailableError({
      ok: false,
      reason: "WECHAT_APPID is not set",
      retryAfterSeconds: 0,
    });
  }
  return config.appId;
}

async function cachedOrAuthority(
  env: Env,
  config: WeChatConfig,
  kind: CredentialKind,
  ask: () => Promise<LeaseResult>,
): Promise<string> {
  const appId = requireAppId(config);
  const cached = await readCachedLease(env.TOKEN_CACHE, kind, appId).catch(() => undefined);
  if (cached && !needsRefresh(cached.expiresAt, Date.now(), config.tokenRefreshMarginSeconds)) {
    return cached.value;
  }
  return unwrap(await ask());
}

/** The access_token source behind every `WeChatApiClient` the Worker builds. */
export function authorityTokenSource(env: Env, config: WeChatConfig): AccessTokenSource {
  return {
    accessToken: () =>
      cachedOrAuthority(env, config, "access_token", () =>
        tokenAuthority(env, requireAppId(config)).getAccessToken(),
      ),
    replaceRejected: async (rejected) =>
      unwrap(await tokenAuthority(env, requireAppId(config)).replaceRejectedAccessToken(rejected)),
  };
}

/**
 * The current jsapi_ticket for JS-SDK signatures (wx.config). Throws `TokenUnavailableError`
 * when none can be had.
 */
export function getJsapiTicket(env: Env, config: WeChatConfig): Promise<string> {
  return cachedOrAuthority(env, config, "jsapi_ticket", () =>
    tokenAuthority(env, requireAppId(config)).getJsapiTicket(),
  );
}
