/**
 * The 第三方平台 (open platform component) on the fake, strict where WeChat is:
 *
 * - api_component_token needs the component appid (61011 for an unknown one), its appsecret
 *   (41004 missing, 40125 wrong) and a component_verify_ticket the fake pushed (61006 for one it
 *   never issued or an empty one, 61005 once it is more than 12 hours old). Each new token
 *   invalidates the previous one at once (strict: a correct client holds one token).
 * - the component calls take `component_access_token` (or `access_token`, the newer pages'
 *   name): 41001 missing, 40001 unknown or superseded, 42001 expired.
 * - api_create_preauthcode: a pre_auth_code for 1800 s.
 * - api_query_auth: an auth_code (授权码) from `simulateAuthorization`, single-use (61009 unknown
 *   or used, 61010 expired); answers authorization_info with an authorizer_access_token the
 *   fake's other endpoints accept for that appid (custom/send …) and the refresh token.
 * - api_authorizer_token: 61003 when the appid has not (or no longer) authorised the component,
 *   61023 for a refresh token that is not the current one; the same refresh token comes back
 *   (WeChat changes it only on re-authorisation, "用户重新授权后，之前的刷新令牌会失效"), unless a
 *   test asked for a rotation (`rotateRefreshToken`).
 * - api_get_authorizer_info: the profile and authorization_info (with the refresh token).
 *
 * WeChat's side of the pushes: `componentTicketPush`, `componentAuthorizationPush` build the
 * signed and encrypted POST to the 授权事件接收URL, as sign-push.ts does for messages.
 */
import type { FakeWeChat } from "../fake.ts";
import { FAKE_COMPONENT } from "./component-account.ts";
import { wechatEncrypt, wechatSignature, xmlOf } from "./component-crypto.ts";
import {
  randomToken,
  requireString,
  WeChatFault,
  type Endpoint,
  type EndpointContext,
} from "./types.ts";

export { FAKE_COMPONENT };

const TICKET_LIFETIME_MS = 12 * 3_600_000;
const PRE_AUTH_SECONDS = 1800;
const AUTH_CODE_SECONDS = 3600;
/** 1 消息管理, 2 用户管理, 3 帐号服务, 4 网页服务, 7 群发与通知, 11 素材管理, 15 自定义菜单. */
const DEFAULT_FUNC_INFO = [1, 2, 3, 4, 7, 11, 15];

interface IssuedComponentToken {
  expiresAt: number;
  invalidFrom?: number;
}

export interface FakeAuthorizer {
  appid: string;
  active: boolean;
  refreshToken: string;
  funcInfo: number[];
  nickName: string;
  /** The next api_authorizer_token answers a new refresh token (and the old one stops working). */
  rotateNext: boolean;
}

export interface ComponentState {
  appid: string;
  appsecret: string;
  token: string;
  encodingAESKey: string;
  /** Tickets the fake pushed, by value → issued at (epoch ms, the fake's clock). */
  tickets: Map<string, number>;
  tokens: Map<string, IssuedComponentToken>;
  current?: string;
  preAuthCodes: Map<string, number>;
  authCodes: Map<string, { appid: string; expiresAt: number; used: boolean }>;
  authorizers: Map<string, FakeAuthorizer>;
  /** The account componentloginpage authorises when the link names none (biz_appid). */
  nextAuthorizer: string;
}

const states = new WeakMap<FakeWeChat, ComponentState>();

/** The fake's component (created with FAKE_COMPONENT's credentials on first use). */
export function componentState(fake: FakeWeChat): ComponentState {
  let state = states.get(fake);
  if (!state) {
    state = {
      ...FAKE_COMPONENT,
      tickets: new Map(),
      tokens: new Map(),
      preAuthCodes: new Map(),
      authCodes: new Map(),
      authorizers: new Map(),
      nextAuthorizer: "wx00000000000a0001",
    };
    states.set(fake, state);
  }
  return state;
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new WeChatFault(47001, "data format error");
  }
  return body as Record<string, unknown>;
}

function requireComponentAppId(state: ComponentState, value: unknown) {
  const appid = requireString(value, 41002, "appid missing");
  if (appid !== state.appid) throw new WeChatFault(61011, "invalid component");
}

/** The component_access_token check of every component call. */
function requireComponentToken({ query, fake, now }: EndpointContext): ComponentState {
  const state = componentState(fake);
  const value = query.get("component_access_token") ?? query.get("access_token");
  if (!value) throw new WeChatFault(41001, "access_token missing");
  const token = state.tokens.get(value);
  if (!token)
    throw new WeChatFault(40001, "invalid credential, access_token is invalid or not latest");
  if (token.invalidFrom !== undefined && now >= token.invalidFrom) {
    throw new WeChatFault(40001, "invalid credential, access_token is invalid or not latest");
  }
  if (now >= token.expiresAt) throw new WeChatFault(42001, "access_token expired");
  return state;
}

const componentToken: Endpoint = {
  method: "POST",
  path: "/cgi-bin/component/api_component_token",
  auth: false,
  handle({ body, fake, now }) {
    const state = componentState(fake);
    const request = objectBody(body);
    requireComponentAppId(state, request.component_appid);
    const secret = requireString(request.component_appsecret, 41004, "appsecret missing");
    if (secret !== state.appsecret) throw new WeChatFault(40125, "invalid appsecret");
    const ticket =
      typeof request.component_verify_ticket === "string" ? request.component_verify_ticket : "";
    const issuedAt = state.tickets.get(ticket);
    if (issuedAt === undefined) throw new WeChatFault(61006, "component ticket is invalid");
    if (now - issuedAt >= TICKET_LIFETIME_MS)
      throw new WeChatFault(61005, "component ticket is expired");
    const previous = state.current ? state.tokens.get(state.current) : undefined;
    if (previous && previous.invalidFrom === undefined) previous.invalidFrom = now;
    const value = `${randomToken(16)}_${randomToken(120)}`;
    const lifetime = fake.credentials.lifetimeSeconds;
    state.tokens.set(value, { expiresAt: now + lifetime * 1000 });
    state.current = value;
    return { component_access_token: value, expires_in: lifetime };
  },
};

const createPreAuthCode: Endpoint = {
  method: "POST",
  path: "/cgi-bin/component/api_create_preauthcode",
  auth: false,
  handle(context) {
    const state = requireComponentToken(context);
    requireComponentAppId(state, objectBody(context.body).component_appid);
    const code = `preauthcode@@@${randomToken(64)}`;
    state.preAuthCodes.set(code, context.now + PRE_AUTH_SECONDS * 1000);
    return { pre_auth_code: code, expires_in: PRE_AUTH_SECONDS };
  },
};

function authorizationInfo(
  fake: FakeWeChat,
  authorizer: FakeAuthorizer,
  now: number,
  withToken: boolean,
) {
  const token = withToken ? fake.credentials.issue(authorizer.appid, "classic", now) : undefined;
  return {
    authorizer_appid: authorizer.appid,
    ...(token
      ? {
          authorizer_access_token: token.value,
          expires_in: Math.floor((token.expiresAt - now) / 1000),
        }
      : {}),
    authorizer_refresh_token: authorizer.refreshToken,
    func_info: authorizer.funcInfo.map((id) => ({ funcscope_category: { id } })),
  };
}

const queryAuth: Endpoint = {
  method: "POST",
  path: "/cgi-bin/component/api_query_auth",
  auth: false,
  handle(context) {
    const state = requireComponentToken(context);
    const request = objectBody(context.body);
    requireComponentAppId(state, request.component_appid);
    const code = requireString(request.authorization_code, 61009, "code is invalid");
    const entry = state.authCodes.get(code);
    if (!entry || entry.used) throw new WeChatFault(61009, "code is invalid");
    if (context.now >= entry.expiresAt) throw new WeChatFault(61010, "code is expired");
    entry.used = true;
    const authorizer = state.authorizers.get(entry.appid)!;
    return { authorization_info: authorizationInfo(context.fake, authorizer, context.now, true) };
  },
};

const authorizerToken: Endpoint = {
  method: "POST",
  path: "/cgi-bin/component/api_authorizer_token",
  auth: false,
  handle(context) {
    const state = requireComponentToken(context);
    const request = objectBody(context.body);
    requireComponentAppId(state, request.component_appid);
    const appid = requireString(request.authorizer_appid, 41002, "appid missing");
    const refreshToken = requireString(
      request.authorizer_refresh_token,
      61023,
      "refresh_token is invalid",
    );
    const authorizer = state.authorizers.get(appid);
    if (!authorizer?.active)
      throw new WeChatFault(61003, "component is not authorized by this account");
    if (refreshToken !== authorizer.refreshToken)
      throw new WeChatFault(61023, "refresh_token is invalid");
    if (authorizer.rotateNext) {
      authorizer.rotateNext = false;
      authorizer.refreshToken = newRefreshToken();
    }
    const token = context.fake.credentials.issue(appid, "classic", context.now);
    return {
      authorizer_access_token: token.value,
      expires_in: Math.floor((token.expiresAt - context.now) / 1000),
      authorizer_refresh_token: authorizer.refreshToken,
    };
  },
};

const authorizerInfo: Endpoint = {
  method: "POST",
  path: "/cgi-bin/component/api_get_authorizer_info",
  auth: false,
  handle(context) {
    const state = requireComponentToken(context);
    const request = objectBody(context.body);
    requireComponentAppId(state, request.component_appid);
    const appid = requireString(request.authorizer_appid, 41002, "appid missing");
    const authorizer = state.authorizers.get(appid);
    if (!authorizer?.active)
      throw new WeChatFault(61003, "component is not authorized by this account");
    return {
      authorizer_info: {
        nick_name: authorizer.nickName,
        head_img: "https://wx.qlogo.cn/mmopen/fake/0",
        service_type_info: { id: 2 },
        verify_type_info: { id: 0 },
        user_name: `gh_${appid.slice(2, 14)}`,
        alias: "",
        qrcode_url: "https://mmbiz.qpic.cn/fake/0",
        business_info: { open_pay: 0, open_shake: 0, open_scan: 0, open_card: 0, open_store: 0 },
        principal_name: "Fake Co.",
      },
      authorization_info: authorizationInfo(context.fake, authorizer, context.now, false),
    };
  },
};

function newRefreshToken(): string {
  return `refreshtoken@@@${randomToken(43)}`;
}

/**
 * An account's administrator completes the authorisation page: the authoriser is (re)authorised
 * with a new refresh token (the previous one stops working) and an auth_code is issued, as
 * WeChat appends it to the redirect_uri (`?auth_code=…&expires_in=3600`) and pushes it in the
 * authorized event.
 */
export function simulateAuthorization(
  fake: FakeWeChat,
  appid: string,
  options: { funcInfo?: number[]; nickName?: string } = {},
): { authCode: string; expiresIn: number; reauthorized: boolean } {
  const state = componentState(fake);
  const now = fake.now();
  const previous = state.authorizers.get(appid);
  state.authorizers.set(appid, {
    appid,
    active: true,
    refreshToken: newRefreshToken(),
    funcInfo: options.funcInfo ?? previous?.funcInfo ?? DEFAULT_FUNC_INFO,
    nickName: options.nickName ?? previous?.nickName ?? `Fake account ${appid.slice(-4)}`,
    rotateNext: false,
  });
  const authCode = `queryauthcode@@@${randomToken(64)}`;
  state.authCodes.set(authCode, { appid, expiresAt: now + AUTH_CODE_SECONDS * 1000, used: false });
  return { authCode, expiresIn: AUTH_CODE_SECONDS, reauthorized: previous?.active === true };
}

/** The account cancels its authorisation: its refresh token stops working (61003). */
export function simulateUnauthorization(fake: FakeWeChat, appid: string): void {
  const authorizer = componentState(fake).authorizers.get(appid);
  if (authorizer) authorizer.active = false;
}

/** Makes the next api_authorizer_token for `appid` hand out a new refresh token. */
export function rotateRefreshToken(fake: FakeWeChat, appid: string): void {
  const authorizer = componentState(fake).authorizers.get(appid);
  if (!authorizer) throw new Error(`${appid} has not authorised the fake component`);
  authorizer.rotateNext = true;
}

export interface ComponentPush {
  /** Path and query, e.g. `/component/events?signature=…`. */
  path: string;
  body: string;
}

/** Signs and encrypts a component push's inner XML as WeChat does. */
export async function signComponentPush(
  fake: FakeWeChat,
  fields: Record<string, string | number>,
  options: { path?: string; timestamp?: number; nonce?: string } = {},
): Promise<ComponentPush> {
  const state = componentState(fake);
  const inner = xmlOf({
    AppId: state.appid,
    CreateTime: Math.floor(fake.now() / 1000),
    ...fields,
  });
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = options.nonce ?? String(Math.floor(Math.random() * 1e10));
  const encrypt = await wechatEncrypt(state.encodingAESKey, state.appid, inner);
  const query = new URLSearchParams({
    signature: await wechatSignature([state.token, timestamp, nonce]),
    timestamp,
    nonce,
    encrypt_type: "aes",
    msg_signature: await wechatSignature([state.token, timestamp, nonce, encrypt]),
  });
  return {
    path: `${options.path ?? "/component/events"}?${query}`,
    body: xmlOf({ AppId: state.appid, Encrypt: encrypt }),
  };
}

/** Issues a new component_verify_ticket and builds its push (WeChat sends one every 10 minutes). */
export async function componentTicketPush(
  fake: FakeWeChat,
  options: { path?: string } = {},
): Promise<ComponentPush & { ticket: string }> {
  const ticket = `ticket@@@${randomToken(86)}`;
  componentState(fake).tickets.set(ticket, fake.now());
  const push = await signComponentPush(
    fake,
    { InfoType: "component_verify_ticket", ComponentVerifyTicket: ticket },
    options,
  );
  return { ...push, ticket };
}

/** The authorized / updateauthorized / unauthorized push for `appid` (after simulate…). */
export async function componentAuthorizationPush(
  fake: FakeWeChat,
  infoType: "authorized" | "updateauthorized" | "unauthorized",
  appid: string,
  authCode?: string,
  options: { path?: string } = {},
): Promise<ComponentPush> {
  const fields: Record<string, string | number> = { InfoType: infoType, AuthorizerAppid: appid };
  if (infoType !== "unauthorized") {
    if (!authCode) throw new Error(`${infoType} carries an AuthorizationCode`);
    fields.AuthorizationCode = authCode;
    fields.AuthorizationCodeExpiredTime = Math.floor(fake.now() / 1000) + AUTH_CODE_SECONDS;
    fields.PreAuthCode = `preauthcode@@@${randomToken(64)}`;
  }
  return signComponentPush(fake, fields, options);
}

/**
 * GET /cgi-bin/componentloginpage (on mp.weixin.qq.com; point WECHAT_MP_BASE at the fake) plays
 * the administrator who scans and agrees at once: it checks the request like WeChat (the
 * component appid, an unexpired pre_auth_code, a redirect_uri) and answers 302 to
 * redirect_uri?auth_code=…&expires_in=3600 for `biz_appid`, or the account set with
 * `POST /__fake/component/next-authorizer`. Each pre_auth_code serves one visit.
 */
const loginPage: Endpoint = {
  method: "GET",
  path: "/cgi-bin/componentloginpage",
  auth: false,
  handle({ query, fake, now }) {
    const state = componentState(fake);
    const refusal = (message: string) =>
      new Response(`<html><body><p>${message}</p></body></html>`, {
        status: 400,
        headers: { "content-type": "text/html; charset=utf-8" },
      });
    if (query.get("component_appid") !== state.appid) return refusal("component_appid 参数错误");
    const preAuthCode = query.get("pre_auth_code") ?? "";
    const expiresAt = state.preAuthCodes.get(preAuthCode);
    if (expiresAt === undefined || now >= expiresAt) return refusal("pre_auth_code 已过期或无效");
    state.preAuthCodes.delete(preAuthCode);
    let redirect: URL;
    try {
      redirect = new URL(query.get("redirect_uri") ?? "");
    } catch {
      return refusal("redirect_uri 参数错误");
    }
    const appid = query.get("biz_appid") || state.nextAuthorizer;
    const { authCode, expiresIn } = simulateAuthorization(fake, appid);
    redirect.searchParams.set("auth_code", authCode);
    redirect.searchParams.set("expires_in", String(expiresIn));
    return new Response(null, { status: 302, headers: { location: redirect.toString() } });
  },
};

export const componentEndpoints: Endpoint[] = [
  componentToken,
  createPreAuthCode,
  queryAuth,
  authorizerToken,
  authorizerInfo,
  loginPage,
];

/**
 * `/__fake/component/*`, for the fake run as a server (serve.ts): WeChat's pushes to the
 * 授权事件接收URL and the administrator's side of an authorisation. WeChat has no such paths.
 *
 * POST /__fake/component/ticket {url}                       push a new ticket to url
 * POST /__fake/component/authorize {appid, funcInfo?}       → { auth_code, expires_in }
 * POST /__fake/component/event {url, infoType, appid, authCode?}  push an authorisation change
 * POST /__fake/component/unauthorize {appid}                the account cancels (61003 next)
 * POST /__fake/component/rotate {appid}                     next refresh hands a new refresh token
 * POST /__fake/component/next-authorizer {appid}            who componentloginpage authorises
 * GET  /__fake/component                                    authorisers (appid, active) and counts
 */
export async function componentControl(
  fake: FakeWeChat,
  request: Request,
  action: string,
): Promise<Response | undefined> {
  if (action !== "component" && !action.startsWith("component/")) return undefined;
  const state = componentState(fake);
  const json = (body: unknown, status = 200) => Response.json(body, { status });
  if (request.method === "GET" && action === "component") {
    return json({
      appid: state.appid,
      tickets: state.tickets.size,
      authorizers: [...state.authorizers.values()].map(({ appid, active, funcInfo }) => ({
        appid,
        active,
        funcInfo,
      })),
    });
  }
  if (request.method !== "POST") return json({ error: "unknown control" }, 404);
  const body = (await request.json().catch(() => ({}))) as {
    url?: string;
    appid?: string;
    infoType?: "authorized" | "updateauthorized" | "unauthorized";
    authCode?: string;
    funcInfo?: number[];
  };
  const appid = body.appid ?? "";
  const send = async (push: ComponentPush) => {
    if (!body.url) return json({ error: "url is required" }, 400);
    const target = new URL(body.url);
    const response = await fetch(new URL(push.path, target.origin), {
      method: "POST",
      body: push.body,
      headers: { "content-type": "text/xml" },
    });
    return json({ status: response.status, answer: await response.text() });
  };
  switch (action) {
    case "component/ticket": {
      const path = body.url ? new URL(body.url).pathname : undefined;
      return send(await componentTicketPush(fake, path ? { path } : {}));
    }
    case "component/authorize": {
      if (!/^wx[0-9a-f]{16}$/.test(appid)) return json({ error: "appid is required" }, 400);
      const { authCode, expiresIn } = simulateAuthorization(
        fake,
        appid,
        body.funcInfo ? { funcInfo: body.funcInfo } : {},
      );
      return json({ auth_code: authCode, expires_in: expiresIn });
    }
    case "component/event": {
      if (!body.infoType || !appid) return json({ error: "infoType and appid are required" }, 400);
      const path = body.url ? new URL(body.url).pathname : undefined;
      return send(
        await componentAuthorizationPush(
          fake,
          body.infoType,
          appid,
          body.authCode,
          path ? { path } : {},
        ),
      );
    }
    case "component/unauthorize":
      simulateUnauthorization(fake, appid);
      return json({ ok: true });
    case "component/rotate":
      rotateRefreshToken(fake, appid);
      return json({ ok: true });
    case "component/next-authorizer":
      if (!/^wx[0-9a-f]{16}$/.test(appid)) return json({ error: "appid is required" }, 400);
      state.nextAuthorizer = appid;
      return json({ ok: true });
    default:
      return json({ error: "unknown control" }, 404);
  }
}
