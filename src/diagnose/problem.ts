/**
 * What a diagnosis reports: each check's state and findings, and the problems in plain words, each
 * with why it happens and what to do. Problems from WeChat's answers come from one place
 * (`problemFromError`), so a 40164 met by every check is told once, with the IP WeChat saw.
 */
import { TokenUnavailableError } from "../token";
import { describeError } from "../log";
import { hintFor, ridOf, WeChatApiError, WeChatTransportError } from "../wechat/api/errors";

export interface Problem {
  what: string;
  why: string;
  fix: string;
  /** WeChat's errcode behind it, when there was one. */
  errcode?: number;
  /** WeChat's request id, for `GET /admin/rid/:rid`. */
  rid?: string;
}

/** ok: nothing wrong found; problem: see the problems; could-not-run: the check itself failed. */
export type CheckState = "ok" | "problem" | "could-not-run";

export interface CheckOutcome {
  state: CheckState;
  detail: Record<string, unknown>;
  problems: Problem[];
}

export function outcome(detail: Record<string, unknown>, problems: Problem[] = []): CheckOutcome {
  return { state: problems.length > 0 ? "problem" : "ok", detail, problems };
}

export function couldNotRun(error: unknown, doing: string): CheckOutcome {
  const problem = problemFromError(error, doing);
  return { state: "could-not-run", detail: { error: problem.what }, problems: [problem] };
}

const whitelistFix = (ip: string | undefined) =>
  `Add ${ip ?? "the IP"} under 设置与开发 → 基本配置 → IP白名单 in the MP console to get going; Workers' ` +
  "egress IPs change, so for a lasting fix route WECHAT_API_BASE through a fixed-IP proxy and " +
  "whitelist the proxy's IP (docs/access-token.md, dev/proxy/).";

/** A problem for an errcode WeChat answered while `doing` something. */
export function problemFromErrcode(
  errcode: number,
  errmsg: string,
  doing: string,
  ip?: string,
): Problem {
  const rid = ridOf(errmsg);
  const ids = { errcode, ...(rid ? { rid } : {}) };
  switch (errcode) {
    case 40164:
      return {
        what: `WeChat refuses calls from the IP ${ip ?? "(not named)"} (errcode 40164)`,
        why: "The IP WeChat saw the Worker call from is not in the account's IP whitelist (IP白名单).",
        fix: whitelistFix(ip),
        ...ids,
      };
    case 48001:
    case 48004:
      return {
        what: `WeChat refused ${doing} (errcode ${errcode}, api ${errcode === 48001 ? "unauthorized" : "forbidden"})`,
        why:
          errcode === 48001
            ? "The account does not have this API's permission (接口权限): its type or verification lacks it."
            : "WeChat has banned this API for the account.",
        fix:
          errcode === 48001
            ? "This needs a verified account (微信认证), or a service account (服务号) for some APIs; see the permissions check."
            : hintFor(errcode),
        ...ids,
      };
    default:
      return {
        what: `WeChat answered errcode ${errcode} to ${doing}`,
        why: errmsg.replace(/\s*rid: \S+$/, "") || "WeChat gave no message.",
        fix: hintFor(errcode, errmsg),
        ...ids,
      };
  }
}

/** A problem for any failure of a call made while `doing` something. */
export function problemFromError(error: unknown, doing: string): Problem {
  if (error instanceof TokenUnavailableError) {
    if (error.upstream) {
      const { errcode, errmsg, ip } = error.upstream;
      return problemFromErrcode(errcode, errmsg, "the access_token request", ip);
    }
    return {
      what: "The Worker cannot get an access_token",
      why: error.reason,
      fix: "See the token check (and GET /admin/token); docs/operations.md, Token refresh failing.",
    };
  }
  if (error instanceof WeChatApiError) {
    return problemFromErrcode(error.errcode, error.errmsg, doing, error.ip);
  }
  if (error instanceof WeChatTransportError) {
    return {
      what: `WeChat could not be reached for ${doing}`,
      why: error.message,
      fix: error.hint,
    };
  }
  if (error instanceof CheckTimeout) {
    return {
      what: `${doing} did not answer within ${error.ms / 1000} s`,
      why: "WeChat (or the proxy in WECHAT_API_BASE) is slow or unreachable.",
      fix: "Run the diagnosis again; if it persists, check WECHAT_API_BASE and the proxy.",
    };
  }
  return {
    what: `${doing} failed unexpectedly`,
    why: describeError(error),
    fix: "Report it: this is a bug.",
  };
}

export class CheckTimeout extends Error {
  constructor(readonly ms: number) {
    super(`did not finish within ${ms} ms`);
  }
}

/** `work`, or a CheckTimeout after `ms`; the timer is always cleared. */
export async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimeout(ms)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
