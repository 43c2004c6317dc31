/**
 * openapi/quota/get for the APIs the Worker calls: used and remaining today (WeChat's day ends at
 * midnight Beijing time). Each query counts against quota/get's own daily quota, so only these
 * few are asked, once per diagnosis. With it, when the Worker last reset the quotas
 * (clear_quota/v2 allows 10 a month).
 */
import type { AccountConfig } from "../config";
import { isoTime, type QuotaClearRecord } from "../token";
import type { WeChatApiClient } from "../wechat/api/client";
import { hintFor, WeChatApiError } from "../wechat/api/errors";
import { getApiQuota, type ApiQuota } from "../wechat/api/openapi";
import { outcome, type CheckOutcome, type Problem } from "./problem";

/** The APIs whose quota an operator runs out of, by what they are to the operator. */
function quotaPaths(config: AccountConfig): Record<string, string> {
  return {
    "customer-service messages": "/cgi-bin/message/custom/send",
    "template messages": "/cgi-bin/message/template/send",
    "subscription notices": "/cgi-bin/message/subscribe/bizsend",
    "QR codes": "/cgi-bin/qrcode/create",
    "the access_token":
      config.tokenSource === "stable" ? "/cgi-bin/stable_token" : "/cgi-bin/token",
  };
}

/** Below this share of the daily limit left, the operator is warned. */
const LOW_SHARE = 0.1;

export async function quotaCheck(
  client: WeChatApiClient,
  config: AccountConfig,
  clears: QuotaClearRecord | undefined,
): Promise<CheckOutcome> {
  const entries = Object.entries(quotaPaths(config));
  const answers = await Promise.allSettled(entries.map(([, path]) => getApiQuota(client, path)));
  if (answers.every((answer) => answer.status === "rejected")) {
    throw (answers[0] as PromiseRejectedResult).reason;
  }
  const apis: Record<string, unknown> = {};
  const problems: Problem[] = [];
  answers.forEach((answer, index) => {
    const [name, path] = entries[index]!;
    if (answer.status === "rejected") {
      const error = answer.reason;
      apis[path] =
        error instanceof WeChatApiError
          ? { error: `errcode ${error.errcode}`, hint: hintFor(error.errcode, error.errmsg) }
          : { error: error instanceof Error ? error.message : String(error) };
      return;
    }
    const quota: ApiQuota = answer.value.quota;
    apis[path] = quota;
    if (quota.daily_limit > 0 && quota.remain === 0) {
      problems.push({
        what: `The daily quota of ${name} (${path}) is used up: ${quota.used} of ${quota.daily_limit}`,
        why: "WeChat answers 45009 to every further call until midnight Beijing time.",
        fix: "Find what calls it so often; to go on today, POST /admin/quota/clear (npm run quota -- clear), which WeChat allows 10 times a month.",
        errcode: 45009,
      });
    } else if (quota.daily_limit > 0 && quota.remain < quota.daily_limit * LOW_SHARE) {
      problems.push({
        what: `The daily quota of ${name} (${path}) is nearly used up: ${quota.remain} of ${quota.daily_limit} left`,
        why: "Past it WeChat answers 45009 until midnight Beijing time.",
        fix: "Find what calls it so often (the log's wechat.api_error lines, GET /admin/token for token fetches).",
      });
    }
  });
  return outcome(
    {
      apis,
      quota_clears: clears
        ? { last_at: isoTime(clears.lastAt), last_month: clears.recent.length }
        : { last_at: null, last_month: 0 },
    },
    problems,
  );
}
