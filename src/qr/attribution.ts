/**
 * Attribution of scans and follows to QR scenes (用户渠道推广分析), fed by the callback.
 *
 * subscribe with EventKey `qrscene_<scene>` is a new follower from that scene, SCAN is a scan by
 * an existing follower, unsubscribe is matched to the scene its follower came through. The
 * callback runs `qrAttributionHook` (a push hook, plugged in by createWorker) through `waitUntil`
 * after the push is opened, so it never delays or fails WeChat's answer: every failure here is
 * logged and swallowed.
 */
import type { WeChatConfig } from "../config";
import type { Env } from "../env";
import { describeError, log } from "../log";
import type { InboundMessage } from "../wechat/message";
import { followerKey } from "./follower-key";
import type { QrScanStats, ScanRecord } from "./scan-stats";

/** The account's stats object. */
export function qrScanStats(env: Pick<Env, "QR_SCAN_STATS">, appId: string) {
  const namespace = env.QR_SCAN_STATS as DurableObjectNamespace<QrScanStats>;
  return namespace.get(namespace.idFromName(appId));
}

function scanOf(message: InboundMessage): Pick<ScanRecord, "kind" | "scene"> | undefined {
  if (message.msgType !== "event") return undefined;
  if (message.event === "subscribe")
    return message.qr ? { kind: "follow", scene: message.qr.scene } : undefined;
  if (message.event === "SCAN")
    return message.qr.scene ? { kind: "scan", scene: message.qr.scene } : undefined;
  if (message.event === "unsubscribe") return { kind: "unfollow" };
  return undefined;
}

/** Whether `message` is something `recordQrAttribution` counts (most pushes are not). */
function countsForQrStats(message: InboundMessage): boolean {
  return scanOf(message) !== undefined;
}

/**
 * The callback's push hook for /qr/stats: records scans, follows from a scene and unfollows in
 * the stats of the account the push was sent to, and leaves every other push alone.
 */
export function qrAttributionHook(
  message: InboundMessage,
  env: Env,
  account: WeChatConfig,
): Promise<void> | undefined {
  if (!countsForQrStats(message)) return undefined;
  return recordQrAttribution(env, account, message);
}

/** Records `message` when it is a scan, a follow from a scene, or an unfollow. Never throws. */
async function recordQrAttribution(
  env: Env,
  config: WeChatConfig,
  message: InboundMessage,
): Promise<void> {
  try {
    const scan = scanOf(message);
    if (!scan) return;
    // The stats object is per appid; without one there is no account to count for.
    const stats = env.QR_SCAN_STATS;
    if (!config.appId || config.token === undefined || !stats) return;
    const secrets = { appSecret: config.appSecret, token: config.token };
    const follower = await followerKey(secrets, message.fromUserName);
    const at = Math.min(message.createTime * 1000, Date.now());
    // WeChat's rule for deduplicating events: FromUserName + CreateTime (plus the event and key).
    const pushKey = `${follower}:${message.createTime}:${scan.kind}:${scan.scene ?? ""}`;
    await qrScanStats(env, config.appId).record({ ...scan, follower, at, pushKey });
  } catch (error) {
    log.warn("qr.attribution.failed", { error: describeError(error) });
  }
}
