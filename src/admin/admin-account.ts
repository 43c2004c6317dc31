/**
 * The account an admin call to WeChat's platform APIs acts for: as requireAccount picks it
 * (WECHAT_APPID, an entry of WECHAT_ACCOUNTS; 400 when several are listed and none is named),
 * and also a 第三方平台 authoriser named by `?appid=`, whose calls then use its
 * authorizer_access_token: a platform sets menus, sends and tags for the accounts that authorised
 * it the same way as for its own. An appid that is neither answers 404, as before.
 *
 * Only behind the admin key: resolving an authoriser reads the component's registry, and the
 * caller learns whether an appid is an active authoriser.
 */
import type { Context } from "hono";
import { resolveAccount } from "../accounts";
import type { AppEnv } from "../app-env";
import type { WeChatConfig } from "../config";
import { describeError, log } from "../log";
import { requireAccount } from "../http/require-account";

/** An account that can call WeChat: its appid, and where its token comes from in the view. */
export type AdminAccount = WeChatConfig & { appId: string };

type AdminAccountCheck = { ok: true; config: AdminAccount } | { ok: false; response: Response };

export async function adminAccount(c: Context<AppEnv>): Promise<AdminAccountCheck> {
  const configured = requireAccount(c);
  const appid = c.req.query("appid");
  if (configured.ok || appid === undefined || configured.response.status !== 404) {
    return configured;
  }
  try {
    const authorizer = await resolveAccount(c.env, c.var.config, appid);
    // Only a run-time account (its token from elsewhere) is new here; the rest was answered.
    if (authorizer?.accessTokens && authorizer.appId) {
      return { ok: true, config: authorizer as AdminAccount };
    }
    return configured;
  } catch (error) {
    log.error("account.resolve_failed", { error: describeError(error) });
    c.header("cache-control", "no-store");
    return {
      ok: false,
      response: c.json(
        { error: "this account cannot be looked up right now; try again later" },
        503,
      ),
    };
  }
}
