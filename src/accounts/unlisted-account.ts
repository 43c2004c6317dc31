/**
 * The seam for accounts that the Worker's variables do not list: an appid that is neither
 * WECHAT_APPID nor in WECHAT_ACCOUNTS may still be an account this Worker serves, known only at
 * run time (a 第三方平台 authoriser, registered when it authorised the platform). Until a resolver
 * is plugged in here, there is none, and `/wechat/<appid>` answers 404.
 */
import type { AccountView, WeChatConfig } from "../config";
import type { Env } from "../env";

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
 */
export async function resolveUnlistedAccount(
  env: Env,
  config: WeChatConfig,
  appid: string,
): Promise<AccountView | undefined> {
  return undefined;
}
