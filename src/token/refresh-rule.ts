/**
 * The one refresh rule, shared by the request path, the alarm and the cron watchdog: a credential
 * is refreshed when fewer than `marginSeconds` (WECHAT_TOKEN_REFRESH_MARGIN, default 300) of its
 * life remain. 300 s matches WeChat's own stable_token behaviour: it rotates the token 5 minutes
 * before expiry and never hands out one with less than 300 s left.
 */

/** True when the credential should be refreshed now (it may still be served meanwhile). */
export function needsRefresh(expiresAt: number, now: number, marginSeconds: number): boolean {
  return expiresAt - now < marginSeconds * 1000;
}

/** When the rule will next say "refresh" for a credential expiring at `expiresAt`. */
export function refreshDueAt(expiresAt: number, marginSeconds: number): number {
  return expiresAt - marginSeconds * 1000;
}

/**
 * Whether a credential can still be handed out. A few seconds of guard keep us from serving a
 * token that expires while the caller's request is in flight.
 */
export function isServable(expiresAt: number, now: number): boolean {
  return expiresAt - now > EXPIRY_GUARD_MS;
}

const EXPIRY_GUARD_MS = 10_000;

/** Backoff after `failures` consecutive failed attempts: 1 s, 2 s, 4 s, 8 s, then 10 s (the cap). */
export function backoffMs(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(1000 * 2 ** (failures - 1), MAX_BACKOFF_MS);
}

const MAX_BACKOFF_MS = 10_000;
