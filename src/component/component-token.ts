/**
 * Calls that need the component_access_token, from the Worker's side: the token comes from the
 * ComponentAuthority; a call WeChat refuses for the token (40001, 40014, 42001) hands that very
 * token back for compare-and-expire and is retried once, as `WeChatApiClient` does for the
 * access_token. No token → `TokenUnavailableError` with the authority's reason (e.g. no ticket
 * yet), which `apiErrorResponse` answers as 503.
 */
import type { Env } from "../env";
import { TokenUnavailableError, type LeaseResult } from "../token";
import { isTokenRejected, WeChatApiError } from "../wechat/api/errors";
import { componentAuthority } from "./component-stub";
import type { ComponentSettings } from "./settings";

function unwrap(result: LeaseResult): string {
  if (!result.ok) throw new TokenUnavailableError(result);
  return result.lease.value;
}

export async function withComponentToken<T>(
  env: Env,
  settings: Pick<ComponentSettings, "componentAppId">,
  call: (componentAccessToken: string) => Promise<T>,
): Promise<T> {
  const authority = componentAuthority(env, settings.componentAppId);
  const token = unwrap(await authority.getComponentAccessToken());
  try {
    return await call(token);
  } catch (error) {
    if (!(error instanceof WeChatApiError) || !isTokenRejected(error.errcode)) throw error;
    return call(unwrap(await authority.replaceRejectedComponentToken(token)));
  }
}
