/**
 * The account an appid names, wherever this Worker knows it from: WECHAT_APPID or an entry of
 * WECHAT_ACCOUNTS (read from the variables), else an account known only at run time (a 第三方平台
 * authoriser, resolveUnlistedAccount). For callers that are not a push: they have no signature to
 * check first, so they must be trusted already (the admin key, the Worker's own code).
 */
import type { WeChatConfig } from "../config";
import { configuredAccount } from "../config";
import type { Env } from "../env";
import { resolveUnlistedAccount } from "./unlisted-account";

const APPID = /^wx[0-9a-f]{16}$/;

/** The account's view, or undefined when this Worker does not serve `appid`. */
export async function resolveAccount(
  env: Env,
  config: WeChatConfig,
  appid: string,
): Promise<WeChatConfig | undefined> {
  const configured = configuredAccount(config, appid);
  if (configured) return configured;
  // Only a well-formed appid is looked up: junk never reaches storage.
  return APPID.test(appid) ? resolveUnlistedAccount(env, config, appid) : undefined;
}
