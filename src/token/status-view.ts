/**
 * A credential's refresh state as operators read it (/admin/token, /admin/check, /admin/diagnose):
 * ISO times, snake_case, the errcode of each recent failure. Never the credential's value.
 */
import type { CredentialStatus } from "./records";

export const isoTime = (ms: number | undefined) =>
  ms === undefined ? undefined : new Date(ms).toISOString();

export function refreshStateView(status: CredentialStatus) {
  return {
    refreshed_at: isoTime(status.refreshedAt),
    source: status.source,
    refreshing: status.refreshing,
    consecutive_failures: status.consecutiveFailures,
    next_attempt_at: isoTime(status.nextAttemptAt),
    recent_failures: status.recentFailures.map((failure) => ({
      at: isoTime(failure.at),
      reason: failure.reason,
      ...(failure.upstream ? { errcode: failure.upstream.errcode } : {}),
    })),
  };
}
