/**
 * The Cron Trigger's job (wrangler.toml: every 5 minutes): ask each account's authority to apply
 * the refresh rule, so a token exists and is fresh even when no traffic and no alarm did it. Any
 * cron string runs it: the schedule is configuration, the rule is the same.
 *
 * The accounts are the single one (WECHAT_APPID) and each of WECHAT_ACCOUNTS; an account without
 * an AppSecret has no token to keep, and its authority is never woken. The calls go out together:
 * each authority is its own Durable Object, so one slow account does not hold up the others.
 */
import { loadConfig, missingAccountSetting, type WeChatConfig } from "../config";
import type { Env } from "../env";
import { describeError, log } from "../log";
import { tokenAuthority } from "./authority-client";
import type { WatchdogReport } from "./records";

export async function runTokenWatchdog(env: Env, cron = ""): Promise<WatchdogReport[]> {
  const loaded = loadConfig(env);
  if (!loaded.ok) {
    log.info("token.watchdog_skipped", { cron, reason: loaded.reason });
    return [];
  }
  const accounts = [loaded.config, ...loaded.config.accounts.values()].filter(
    (account) => missingAccountSetting(account) === undefined,
  );
  if (accounts.length === 0) {
    // No account has API credentials: there is no token to keep.
    log.info("token.watchdog_skipped", {
      cron,
      reason: "WECHAT_APPID or WECHAT_APPSECRET is not set",
    });
    return [];
  }
  const reports = await Promise.all(accounts.map((account) => watch(env, account, cron)));
  return reports.flat();
}

async function watch(env: Env, account: WeChatConfig, cron: string): Promise<WatchdogReport[]> {
  // Only listed accounts are named in the log: the single account's lines stay as they were.
  const appid = account.accountSource === "single" ? undefined : account.appId;
  try {
    const reports = await tokenAuthority(env, account.appId!).watchdog();
    for (const report of reports) {
      log.info("token.watchdog", {
        cron,
        ...(appid ? { appid } : {}),
        credential: report.credential,
        action: report.action,
        reason: report.reason,
      });
    }
    return reports;
  } catch (error) {
    log.error("token.watchdog_failed", {
      cron,
      ...(appid ? { appid } : {}),
      error: describeError(error),
    });
    return [];
  }
}
