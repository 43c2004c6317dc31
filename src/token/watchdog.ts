/**
 * The Cron Trigger's job (wrangler.toml: every 5 minutes): ask the authority to apply the refresh
 * rule, so a token exists and is fresh even when no traffic and no alarm did it. Any cron string
 * runs it: the schedule is configuration, the rule is the same.
 */
import { loadConfig } from "../config";
import type { Env } from "../env";
import { describeError, log } from "../log";
import { tokenAuthority } from "./authority-client";
import type { WatchdogReport } from "./records";

export async function runTokenWatchdog(env: Env, cron = ""): Promise<WatchdogReport[]> {
  const loaded = loadConfig(env);
  if (!loaded.ok || !loaded.config.appId || !loaded.config.appSecret) {
    // An account without API credentials has no token to keep.
    log.info("token.watchdog_skipped", {
      cron,
      reason: loaded.ok ? "WECHAT_APPID or WECHAT_APPSECRET is not set" : loaded.reason,
    });
    return [];
  }
  try {
    const reports = await tokenAuthority(env, loaded.config.appId).watchdog();
    for (const report of reports) {
      log.info("token.watchdog", {
        cron,
        credential: report.credential,
        action: report.action,
        reason: report.reason,
      });
    }
    return reports;
  } catch (error) {
    log.error("token.watchdog_failed", { cron, error: describeError(error) });
    return [];
  }
}
