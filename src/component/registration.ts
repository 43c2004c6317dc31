/**
 * Registering and revoking an authoriser: the one place that writes both the registry
 * (ComponentAuthority) and the authoriser's own AuthorizerAuthority, so they never disagree for
 * long. Reached from the authorisation callback and from the authorized, updateauthorized and
 * unauthorized pushes (either may arrive first; both are idempotent).
 */
import type { Env } from "../env";
import { log } from "../log";
import type { AuthorizerView } from "./authorizer-authority";
import { authorizerAuthority } from "./authorizer-stub";
import { forgetAuthorizer } from "./authorizers";
import { queryAuth } from "./component-api";
import { componentAuthority } from "./component-stub";
import { withComponentToken } from "./component-token";
import { componentTransport } from "./component-transport";
import { loadComponentSettings, settingsReason, type ComponentSettings } from "./settings";
import { TokenUnavailableError } from "../token";

/** The authorisation granted no API permission: WeChat handed out no refresh token. */
export class NothingToRegister extends Error {}

/** Exchanges an auth_code (授权码) with api_query_auth and stores what it granted. */
export async function registerAuthorization(
  env: Env,
  settings: ComponentSettings,
  authorizationCode: string,
): Promise<AuthorizerView> {
  const { transport } = componentTransport(env, settings);
  const info = await withComponentToken(env, settings, (token) =>
    queryAuth(transport, token, {
      componentAppId: settings.componentAppId,
      authorizationCode,
    }),
  );
  if (!info.refreshToken) {
    throw new NothingToRegister(
      "WeChat granted no API permission to this 第三方平台 (no authorizer_refresh_token): nothing to register",
    );
  }
  const view = await authorizerAuthority(env, info.authorizerAppId).install({
    appid: info.authorizerAppId,
    refreshToken: info.refreshToken,
    permissions: info.funcInfo,
    ...(info.accessToken ? { accessToken: info.accessToken } : {}),
  });
  await componentAuthority(env, settings.componentAppId).recordAuthorizer(
    info.authorizerAppId,
    info.funcInfo,
  );
  forgetAuthorizer(info.authorizerAppId);
  log.info("component.authorizer_registered", {
    appid: info.authorizerAppId,
    permissions: info.funcInfo.join(","),
  });
  return view;
}

/** The account cancelled its authorisation (unauthorized push): inactive everywhere. */
export async function revokeAuthorization(
  env: Env,
  settings: ComponentSettings,
  authorizerAppId: string,
  reason: string,
): Promise<void> {
  await authorizerAuthority(env, authorizerAppId).deactivate(reason);
  await componentAuthority(env, settings.componentAppId).markInactive(authorizerAppId, reason);
  forgetAuthorizer(authorizerAppId);
}

/**
 * `registerAuthorization` with the Worker's own settings, for code outside the feature: the
 * 全网发布 test's `QUERY_AUTH_CODE:<code>` hands an auth_code in a message. Throws
 * `TokenUnavailableError` when the component is off or has no component_access_token (the
 * reason says why), `WeChatApiError` for WeChat's refusal (61009 used, 61010 expired code),
 * `NothingToRegister` when the account granted no API permission.
 */
export async function registerAuthorizationCode(
  env: Env,
  authorizationCode: string,
): Promise<AuthorizerView> {
  const loaded = loadComponentSettings(env);
  if (loaded.kind !== "on") {
    throw new TokenUnavailableError({
      ok: false,
      reason: settingsReason(loaded),
      retryAfterSeconds: 0,
    });
  }
  return registerAuthorization(env, loaded.settings, authorizationCode);
}
