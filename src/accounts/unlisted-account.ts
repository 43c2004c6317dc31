/**
 * The seam for accounts that the Worker's variables do not list: an appid that is neither
 * WECHAT_APPID nor in WECHAT_ACCOUNTS may still be an account this Worker serves, known only at
 * run time: a 第三方平台 authoriser, registered when it authorised the platform (docs/component.md).
 * Its pushes arrive at `/wechat/<its appid>` (the platform's 消息与事件接收URL `/wechat/$APPID$`),
 * signed with the component's token and encrypted with the component's key for the component
 * appid; its API calls use its authorizer_access_token.
 */
import { authorizerTokenSource, componentPushKeys, findAuthorizer } from "../component";
import type { AccountView, WeChatConfig } from "../config";
import type { Env } from "../env";
import { verifyRequestSignature, type PushQuery } from "../wechat/push";

/**
 * Resolves the view of the account `appid` that is not configured in the variables, or
 * undefined when this Worker does not serve it.
 *
 * The contract a resolver keeps:
 * - It is called for every request to `/wechat/<appid>` whose appid is well formed (`wx` + 16
 *   lowercase hex digits) and is neither WECHAT_APPID nor listed in WECHAT_ACCOUNTS (those are
 *   answered without it). It is on the push path: cheap for an appid it knows (isolate memory
 *   before storage), and it never calls WeChat.
 * - It resolves an account view built from `config` (the Worker-wide settings, never another
 *   account's view): `token`, `appId` (exactly `appid`), `encodingAESKey` and `messageMode` set to
 *   what that account's pushes are verified, opened and sealed with; `appSecret` and
 *   `encodingAESKeyPrevious` absent unless they are that account's own; `accounts` empty; and an
 *   `accountSource` other than "single", which gives the account its own ledger partition, named
 *   by its appid. Where the account's access_token comes from is the view's business too (behind
 *   `createApiClient`): the callback never asks.
 * - It resolves undefined for an appid it does not serve (unknown, or no longer authorised):
 *   the request is answered 404 with the same reason as any unknown appid, so nothing tells which
 *   appids exist.
 * - It rejects only when it cannot tell (its storage unreachable): the request is answered 503
 *   and the error logged, without the appid's state.
 *
 * `query`, when given, is the request's query: a request whose `signature` does not verify with
 * the component's token resolves undefined before any Durable Object is asked, so unsigned
 * traffic to `/wechat/<appid>` costs no storage call (it is answered 404 like any unknown
 * appid; the full checks, timestamp included, run again on the view).
 */
export async function resolveUnlistedAccount(
  env: Env,
  config: WeChatConfig,
  appid: string,
  query?: PushQuery,
): Promise<AccountView | undefined> {
  const keys = componentPushKeys(env);
  if (keys === undefined) return undefined;
  if (query !== undefined) {
    const unsigned = await verifyRequestSignature(
      query,
      { token: keys.token, timestampToleranceSeconds: config.timestampToleranceSeconds },
      0,
      { checkTimestamp: false },
    );
    if (unsigned) return undefined;
  }
  const authorizer = await findAuthorizer(env, appid);
  if (!authorizer?.active) return undefined;
  const {
    token: _token,
    appId: _appId,
    appSecret: _appSecret,
    encodingAESKey: _key,
    encodingAESKeyPrevious: _previous,
    receiveId: _receiveId,
    accessTokens: _accessTokens,
    ...shared
  } = config;
  return {
    ...shared,
    token: keys.token,
    appId: appid,
    // WeChat encrypts every authoriser's pushes for the component (第三方平台 消息加解密).
    receiveId: keys.componentAppId,
    encodingAESKey: keys.encodingAESKey,
    // Authorisers' pushes are always encrypted: a plaintext one is not WeChat's.
    messageMode: "safe",
    accountSource: "authorizer",
    accounts: new Map(),
    accessTokens: authorizerTokenSource(env, appid),
  };
}
