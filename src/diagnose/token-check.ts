/**
 * The token: where it comes from (stable or classic), how old it is, and the authority's last
 * failures with their errcodes. Reads the authority's state only: it never calls a token
 * endpoint (each classic fetch invalidates the token in use, and both count against the quota).
 */
import type { AccountConfig } from "../config";
import { refreshStateView, type CredentialStatus } from "../token";
import { outcome, problemFromErrcode, type CheckOutcome, type Problem } from "./problem";

export function tokenCheck(
  config: AccountConfig,
  status: CredentialStatus | undefined,
  now = Date.now(),
): CheckOutcome {
  if (!status) return outcome({ configured_source: config.tokenSource, token: "none yet" });
  const detail = {
    configured_source: config.tokenSource,
    source: status.source ?? null,
    age_seconds:
      status.refreshedAt === undefined ? null : Math.floor((now - status.refreshedAt) / 1000),
    expires_in_seconds:
      status.expiresAt === undefined
        ? null
        : Math.max(0, Math.floor((status.expiresAt - now) / 1000)),
    refresh: refreshStateView(status),
  };
  const problems: Problem[] = [];
  const last = status.recentFailures.at(-1);
  if (status.consecutiveFailures > 0 && last) {
    if (last.upstream) {
      const { errcode, errmsg, ip } = last.upstream;
      problems.push(problemFromErrcode(errcode, errmsg, "the access_token request", ip));
    } else {
      problems.push({
        what: `The access_token cannot be refreshed (${status.consecutiveFailures} failures in a row)`,
        why: last.reason,
        fix: "Check that WECHAT_API_BASE (and the proxy in it) is reachable and WECHAT_PROXY_SECRET matches.",
      });
    }
  }
  if (status.source && status.source !== "getticket" && status.source !== config.tokenSource) {
    problems.push({
      what: `The token in use came from ${status.source}, but WECHAT_TOKEN_SOURCE is ${config.tokenSource}`,
      why: "The setting changed since the token was fetched; it is replaced at its next refresh.",
      fix: "Nothing, unless another system still fetches tokens the other way: one source per account.",
    });
  }
  return outcome(detail, problems);
}
