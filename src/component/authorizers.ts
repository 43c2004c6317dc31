/**
 * What the rest of the Worker asks about authorisers (the seam for `/wechat/<appid>` and the
 * account view): is this appid an authoriser, where does its access_token come from, and with
 * which token and key are its pushes signed and encrypted.
 */
import type { Env } from "../env";
import { missingBinding, SURFACE_BINDINGS } from "../bindings";
import { TokenUnavailableError, type LeaseResult } from "../token";
import type { AccessTokenSource } from "../wechat/api/client";
import type { AuthorizerView } from "./authorizer-authority";
import { authorizerAuthority } from "./authorizer-stub";
import { loadComponentSettings } from "./settings";

function componentReady(env: Env): boolean {
  return (
    loadComponentSettings(env).kind === "on" &&
    missingBinding(env, SURFACE_BINDINGS.component) === undefined
  );
}

/**
 * The authoriser `appid` as its authority knows it, or undefined when the component is off, its
 * bindings are missing, or this appid never authorised it. `active: false` means revoked.
 */
export async function findAuthorizer(env: Env, appid: string): Promise<AuthorizerView | undefined> {
  if (!/^wx[0-9a-f]{16}$/.test(appid) || !componentReady(env)) return undefined;
  return authorizerAuthority(env, appid).describe();
}

function unwrap(result: LeaseResult): string {
  if (!result.ok) throw new TokenUnavailableError(result);
  return result.lease.value;
}

/**
 * The access_token source of an authoriser, for `new WeChatApiClient({ ..., tokens })`: its
 * authorizer_access_token from its AuthorizerAuthority, with compare-and-expire on rejection.
 * Throws `TokenUnavailableError` (the reason: not authorised, revoked, no ticket yet, WeChat
 * failing), as the account's own token source does.
 */
export function authorizerTokenSource(env: Env, appid: string): AccessTokenSource {
  const authority = () => {
    if (!componentReady(env)) {
      throw new TokenUnavailableError({
        ok: false,
        reason: "the 第三方平台 is not configured (WECHAT_COMPONENT_APPID and its bindings)",
        retryAfterSeconds: 0,
      });
    }
    return authorizerAuthority(env, appid);
  };
  return {
    accessToken: async () => unwrap(await authority().getAccessToken()),
    replaceRejected: async (rejected) =>
      unwrap(await authority().replaceRejectedAccessToken(rejected)),
  };
}

/** How an authoriser's pushes are signed and encrypted: with the component's token and key. */
export interface ComponentPushKeys {
  /** The receive-id inside every encrypted push to an authoriser: the component appid. */
  componentAppId: string;
  token: string;
  encodingAESKey: string;
}

/** The component's token and key, or undefined when the component is off or misconfigured. */
export function componentPushKeys(env: Env): ComponentPushKeys | undefined {
  const loaded = loadComponentSettings(env);
  if (loaded.kind !== "on") return undefined;
  const { componentAppId, token, encodingAESKey } = loaded.settings;
  return { componentAppId, token, encodingAESKey };
}
