/**
 * The 第三方平台's own API calls, as WeChat documents them (/cgi-bin/component/*). Pure: a
 * transport in, typed answers out, errcodes thrown as `WeChatApiError` by the transport.
 *
 * The component_access_token travels as the `component_access_token` query parameter, the name
 * the 第三方平台 2.0 pages use (the newer OpenApiDoc pages call it `access_token`; WeChat accepts
 * both). Only the authorities call these; everyone else asks them.
 */
import type { IssuedCredential } from "../wechat/api/credentials";
import { WeChatTransportError } from "../wechat/api/errors";
import { callJson, type TransportOptions } from "../wechat/api/transport";

export const COMPONENT_TOKEN_PATH = "/cgi-bin/component/api_component_token";
export const PREAUTHCODE_PATH = "/cgi-bin/component/api_create_preauthcode";
export const QUERY_AUTH_PATH = "/cgi-bin/component/api_query_auth";
export const AUTHORIZER_TOKEN_PATH = "/cgi-bin/component/api_authorizer_token";
export const AUTHORIZER_INFO_PATH = "/cgi-bin/component/api_get_authorizer_info";

/** What an authorisation granted, from api_query_auth or api_get_authorizer_info. */
export interface AuthorizationInfo {
  authorizerAppId: string;
  /** Present when the account has API permissions ("在授权的公众号具备API权限时，才有此返回值"). */
  accessToken?: IssuedCredential;
  refreshToken?: string;
  /** func_info: the ids of the 权限集 granted (1 消息管理, 2 用户管理, …). */
  funcInfo: number[];
}

function malformed(path: string, what: string): never {
  throw new WeChatTransportError("malformed", path, `answered without ${what}`);
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function seconds(value: unknown): number | undefined {
  return typeof value === "number" && value > 0 ? value : undefined;
}

/** POST api_component_token with the latest component_verify_ticket. */
export async function fetchComponentAccessToken(
  transport: TransportOptions,
  request: { componentAppId: string; componentAppSecret: string; ticket: string },
  timeoutMs?: number,
): Promise<IssuedCredential> {
  const body = await callJson(transport, COMPONENT_TOKEN_PATH, {
    method: "POST",
    json: {
      component_appid: request.componentAppId,
      component_appsecret: request.componentAppSecret,
      component_verify_ticket: request.ticket,
    },
    timeoutMs,
  });
  const value = text(body.component_access_token);
  const expiresIn = seconds(body.expires_in);
  if (!value || !expiresIn)
    malformed(COMPONENT_TOKEN_PATH, "component_access_token and expires_in");
  return { value, expiresIn };
}

/** POST api_create_preauthcode: a pre_auth_code for one visit to the authorisation page. */
export async function createPreAuthCode(
  transport: TransportOptions,
  componentAccessToken: string,
  componentAppId: string,
): Promise<{ preAuthCode: string; expiresIn: number }> {
  const body = await callJson(transport, PREAUTHCODE_PATH, {
    method: "POST",
    query: { component_access_token: componentAccessToken },
    json: { component_appid: componentAppId },
  });
  const preAuthCode = text(body.pre_auth_code);
  const expiresIn = seconds(body.expires_in);
  if (!preAuthCode || !expiresIn) malformed(PREAUTHCODE_PATH, "pre_auth_code and expires_in");
  return { preAuthCode, expiresIn };
}

function readAuthorizationInfo(value: unknown, path: string): AuthorizationInfo {
  if (typeof value !== "object" || value === null) malformed(path, "authorization_info");
  const info = value as Record<string, unknown>;
  const authorizerAppId = text(info.authorizer_appid);
  if (!authorizerAppId) malformed(path, "authorization_info.authorizer_appid");
  const token = text(info.authorizer_access_token);
  const expiresIn = seconds(info.expires_in);
  const refreshToken = text(info.authorizer_refresh_token);
  const funcInfo = Array.isArray(info.func_info)
    ? info.func_info
        .map(
          (entry) => (entry as { funcscope_category?: { id?: unknown } })?.funcscope_category?.id,
        )
        .filter((id): id is number => typeof id === "number")
    : [];
  return {
    authorizerAppId,
    ...(token && expiresIn ? { accessToken: { value: token, expiresIn } } : {}),
    ...(refreshToken ? { refreshToken } : {}),
    funcInfo,
  };
}

/** POST api_query_auth: what the auth_code (授权码) granted, with the authoriser's tokens. */
export async function queryAuth(
  transport: TransportOptions,
  componentAccessToken: string,
  request: { componentAppId: string; authorizationCode: string },
): Promise<AuthorizationInfo> {
  const body = await callJson(transport, QUERY_AUTH_PATH, {
    method: "POST",
    query: { component_access_token: componentAccessToken },
    json: {
      component_appid: request.componentAppId,
      authorization_code: request.authorizationCode,
    },
  });
  return readAuthorizationInfo(body.authorization_info, QUERY_AUTH_PATH);
}

/**
 * POST api_authorizer_token: a new authorizer_access_token from the refresh token. WeChat answers
 * the refresh token too; it is normally the same one, and a different one replaces it.
 */
export async function fetchAuthorizerAccessToken(
  transport: TransportOptions,
  componentAccessToken: string,
  request: { componentAppId: string; authorizerAppId: string; refreshToken: string },
  timeoutMs?: number,
): Promise<{ issued: IssuedCredential; refreshToken?: string }> {
  const body = await callJson(transport, AUTHORIZER_TOKEN_PATH, {
    method: "POST",
    query: { component_access_token: componentAccessToken },
    json: {
      component_appid: request.componentAppId,
      authorizer_appid: request.authorizerAppId,
      authorizer_refresh_token: request.refreshToken,
    },
    timeoutMs,
  });
  const value = text(body.authorizer_access_token);
  const expiresIn = seconds(body.expires_in);
  if (!value || !expiresIn) {
    malformed(AUTHORIZER_TOKEN_PATH, "authorizer_access_token and expires_in");
  }
  const refreshToken = text(body.authorizer_refresh_token);
  return { issued: { value, expiresIn }, ...(refreshToken ? { refreshToken } : {}) };
}

/** POST api_get_authorizer_info: the account's profile and, again, its authorisation. */
export async function getAuthorizerInfo(
  transport: TransportOptions,
  componentAccessToken: string,
  request: { componentAppId: string; authorizerAppId: string },
): Promise<{ nickName?: string; userName?: string; authorization: AuthorizationInfo }> {
  const body = await callJson(transport, AUTHORIZER_INFO_PATH, {
    method: "POST",
    query: { component_access_token: componentAccessToken },
    json: { component_appid: request.componentAppId, authorizer_appid: request.authorizerAppId },
  });
  const info = (body.authorizer_info ?? {}) as Record<string, unknown>;
  const nickName = text(info.nick_name);
  const userName = text(info.user_name);
  return {
    ...(nickName ? { nickName } : {}),
    ...(userName ? { userName } : {}),
    authorization: readAuthorizationInfo(body.authorization_info, AUTHORIZER_INFO_PATH),
  };
}
