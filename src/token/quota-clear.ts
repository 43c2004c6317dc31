/**
 * Resetting the account's daily API quotas (clear_quota/v2), on the token authority because it
 * holds the AppSecret and is the one object per account whose storage every isolate shares.
 *
 * WeChat allows 10 resets a month, a reset used up whether or not it was needed. An operator
 * retrying a slow answer, or two scripts reacting to the same 45009, would spend two; so a
 * second reset within 24 h is refused unless forced. The time is reserved in storage before the
 * call (a Durable Object delivers no other request while its storage operation runs, so two
 * concurrent resets cannot both pass), and given back when WeChat answered with an errcode (that
 * reset did not happen). A call without an answer keeps the reservation: it may have happened.
 */
import { describeError } from "../log";
import type { Account } from "../wechat/api/credentials";
import { WeChatApiError, WeChatTransportError } from "../wechat/api/errors";
import { clearQuotaWithAppSecret } from "../wechat/api/openapi";
import type { TransportOptions } from "../wechat/api/transport";
import type { UpstreamError } from "./records";

const QUOTA_CLEAR_KEY = "quota-clear";
/** A second reset within this is refused unless forced. */
const QUOTA_CLEAR_SPACING_MS = 86_400_000;
/** Resets are counted over this window (WeChat's limit is per calendar month). */
const MONTH_MS = 31 * 86_400_000;

export interface QuotaClearRecord {
  /** Epoch ms of the last reset attempted. */
  lastAt: number;
  /** Epoch ms of the resets within the last month, oldest first. */
  recent: number[];
}

export type QuotaClearResult =
  | { ok: true; clearedAt: number; recent: number[] }
  | { ok: false; kind: "too-soon"; lastAt: number; retryAt: number; recent: number[] }
  | { ok: false; kind: "refused"; reason: string; upstream: UpstreamError }
  | { ok: false; kind: "unavailable"; reason: string };

export async function quotaClears(
  storage: DurableObjectStorage,
): Promise<QuotaClearRecord | undefined> {
  return storage.get<QuotaClearRecord>(QUOTA_CLEAR_KEY);
}

export async function clearQuota(
  storage: DurableObjectStorage,
  transport: TransportOptions,
  account: Account,
  force: boolean,
): Promise<QuotaClearResult> {
  const now = Date.now();
  const previous = await quotaClears(storage);
  if (previous && !force && now - previous.lastAt < QUOTA_CLEAR_SPACING_MS) {
    return {
      ok: false,
      kind: "too-soon",
      lastAt: previous.lastAt,
      retryAt: previous.lastAt + QUOTA_CLEAR_SPACING_MS,
      recent: previous.recent,
    };
  }
  const recent = [...(previous?.recent ?? []).filter((at) => now - at < MONTH_MS), now];
  await storage.put<QuotaClearRecord>(QUOTA_CLEAR_KEY, { lastAt: now, recent });
  try {
    await clearQuotaWithAppSecret(transport, account);
    return { ok: true, clearedAt: now, recent };
  } catch (error) {
    if (error instanceof WeChatApiError) {
      if (previous) await storage.put(QUOTA_CLEAR_KEY, previous);
      else await storage.delete(QUOTA_CLEAR_KEY);
      return {
        ok: false,
        kind: "refused",
        reason: `WeChat answered errcode ${error.errcode}`,
        upstream: {
          errcode: error.errcode,
          errmsg: error.errmsg,
          hint: error.hint,
          ...(error.ip ? { ip: error.ip } : {}),
        },
      };
    }
    const reason =
      error instanceof WeChatTransportError
        ? `${error.message} (${error.hint})`
        : `unexpected ${describeError(error)}`;
    return { ok: false, kind: "unavailable", reason };
  }
}
