/**
 * A WeChat API client for one account, for code that runs outside a push, where there is no
 * `ctx.api`: a Cron Trigger, a Queue consumer, a Durable Object alarm. Without `appid`, the
 * account the admin endpoints default to (the single account, or the only listed one); with it,
 * an account of the variables or a 第三方平台 authoriser, whose calls then use its
 * authorizer_access_token (a platform sets the menus of the accounts that authorised it this way).
 *
 * @example
 * async scheduled(_controller, env) {
 *   for (const appid of await myAuthorisers(env)) {
 *     await createMenu(await accountApiClient(env, appid), menuFor(appid));
 *   }
 * }
 *
 * Throws with a one-line reason (never a value) when the settings are invalid, the appid is not
 * served here, or the account cannot call WeChat (no AppSecret).
 */
import { defaultAccount, loadConfig, missingAccountSetting, type WeChatConfig } from "../config";
import type { Env } from "../env";
import { createApiClient } from "../token";
import type { WeChatApiClient } from "../wechat/api/client";
import { resolveAccount } from "./resolve-account";

export async function accountApiClient(env: Env, appid?: string): Promise<WeChatApiClient> {
  const loaded = loadConfig(env);
  if (!loaded.ok) throw new Error(loaded.reason);
  let account: WeChatConfig | undefined;
  if (appid === undefined) {
    const chosen = defaultAccount(loaded.config);
    if (!chosen.ok) throw new Error(chosen.reason);
    account = chosen.config;
  } else {
    account = await resolveAccount(env, loaded.config, appid);
    if (!account) throw new Error("no account with this appid is configured here");
  }
  const missing = missingAccountSetting(account);
  if (missing !== undefined) throw new Error(missing);
  return createApiClient(env, account);
}
