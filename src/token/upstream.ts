/**
 * How the Worker reaches WeChat: WECHAT_API_BASE (WeChat, a fake, or a fixed-IP proxy), the proxy
 * secret header, the timeout, and one redacted log line for every failed call.
 */
import type { WeChatConfig } from "../config";
import { log } from "../log";
import type { ApiCallRecord, TransportOptions } from "../wechat/api/transport";

/** Token and ticket fetches stay under this, so a waiting caller gets its answer within 5 s. */
const MAX_CREDENTIAL_FETCH_MS = 4000;

function logFailedCall(record: ApiCallRecord): void {
  if (record.errcode === undefined && record.failure === undefined) return;
  log.warn("wechat.api_error", {
    method: record.method,
    path: record.path,
    errcode: record.errcode,
    failure: record.failure,
    status: record.status,
    durationMs: record.durationMs,
  });
}

export function upstreamTransport(config: WeChatConfig): TransportOptions {
  return {
    apiBase: config.apiBase,
    timeoutMs: config.apiTimeoutMs,
    ...(config.proxySecret ? { proxySecret: config.proxySecret } : {}),
    observe: logFailedCall,
  };
}

export function credentialFetchTimeout(config: WeChatConfig): number {
  return Math.min(config.apiTimeoutMs, MAX_CREDENTIAL_FETCH_MS);
}
