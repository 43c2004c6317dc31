/**
 * Per-client limit on failed authentication (a signature that does not verify, a wrong admin
 * key), so that a short WECHAT_TOKEN (WeChat allows 3 characters) or an admin key cannot be
 * guessed online.
 *
 * Failures are counted with the Workers Rate Limiting binding AUTH_FAILURE_LIMITER (30 a minute,
 * wrangler.toml), asked only when a check fails: WeChat's own pushes never fail, so they cost
 * nothing. A client past the limit is remembered in this isolate until the period ends, and every
 * request it sends here gets 429 before any check runs: otherwise a correct guess would still be
 * told apart from a wrong one (200 against 429), and the limit would only slow the answer down.
 * The binding counts per Cloudflare location and lets a little through while a limit is reached;
 * it is a brake on guessing, not an exact quota.
 */
import { log } from "../log";
import { clientAddressKey } from "./client-address";

/** Workers Rate Limiting periods are 10 or 60 s; wrangler.toml sets 60. */
const FAILURE_PERIOD_SECONDS = 60;
/** Bounds this isolate's memory of blocked clients under a flood from many addresses. */
const MAX_BLOCKED = 10_000;

/** What a failure is counted against: each surface has its own budget per client. */
type FailureScope = "signature" | "admin-key";

type Limiter = Pick<RateLimit, "limit">;

const blockedUntil = new Map<string, number>();

const keyOf = (scope: FailureScope, connectingIp: string | null | undefined) =>
  `${scope}:${clientAddressKey(connectingIp)}`;

/** Seconds until the client may be heard again, or 0 when it is not blocked here. */
export function blockedForSeconds(
  scope: FailureScope,
  connectingIp: string | null | undefined,
  now = Date.now(),
): number {
  if (blockedUntil.size === 0) return 0;
  const key = keyOf(scope, connectingIp);
  const until = blockedUntil.get(key);
  if (until === undefined) return 0;
  if (until <= now) {
    blockedUntil.delete(key);
    return 0;
  }
  return Math.ceil((until - now) / 1000);
}

/**
 * Counts one failure. Resolves the seconds to send in Retry-After when the client is now past
 * its limit (answer 429), or 0 (answer the failure as usual). A limiter that cannot be reached
 * counts nothing: the failure is still refused, only not braked.
 */
export async function recordFailure(
  limiter: Limiter | undefined,
  scope: FailureScope,
  connectingIp: string | null | undefined,
  now = Date.now(),
): Promise<number> {
  if (!limiter) return 0;
  const key = keyOf(scope, connectingIp);
  let success: boolean;
  try {
    ({ success } = await limiter.limit({ key }));
  } catch {
    log.error("auth_limiter.unavailable", { scope });
    return 0;
  }
  if (success) return 0;
  if (!blockedUntil.has(key))
    log.warn("auth.blocked", { scope, client: clientAddressKey(connectingIp) });
  if (blockedUntil.size >= MAX_BLOCKED) blockedUntil.delete(blockedUntil.keys().next().value!);
  blockedUntil.set(key, now + FAILURE_PERIOD_SECONDS * 1000);
  return FAILURE_PERIOD_SECONDS;
}

/** Forgets every blocked client (tests). */
export function forgetBlockedClients(): void {
  blockedUntil.clear();
}
