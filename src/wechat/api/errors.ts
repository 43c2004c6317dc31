/**
 * Typed failures of WeChat API calls, each with a hint a person can act on.
 *
 * `WeChatApiError` is an answer from WeChat with a non-zero errcode; `WeChatTransportError` is no
 * usable answer at all (timeout, network, HTTP status, body that is not JSON). Neither carries the
 * access_token or the appsecret: paths are kept without their query.
 */

const HINTS: Record<number, string> = {
  [-1]: "WeChat is busy; retry with backoff.",
  40001:
    "access_token invalid or not the latest (another process may have fetched a new one), or WECHAT_APPSECRET is wrong; the token is refreshed once and the call retried once.",
  40002: "Invalid grant_type; this is a bug in the caller.",
  40013: "Invalid appid: check WECHAT_APPID (wx followed by 16 hex digits, from the MP console).",
  40014: "access_token invalid; it is refreshed once and the call retried once.",
  40029: "Invalid OAuth code: restart the OAuth flow; a code is single-use and lives 5 minutes.",
  40030: "Invalid refresh_token: the user must authorise again.",
  40053: "Invalid action info (for permanent QR codes, the 100,000 per account may be used up).",
  40125:
    "Invalid appsecret: check WECHAT_APPSECRET (32 hex digits; reset it in the MP console if unsure).",
  40163: "OAuth code already used: never reuse a code; restart the OAuth flow.",
  40243:
    "The AppSecret is frozen: unfreeze or reset it in the MP console and update WECHAT_APPSECRET.",
  41001: "access_token missing; this is a bug in the caller.",
  41002: "appid missing: set WECHAT_APPID.",
  41004: "appsecret missing: set WECHAT_APPSECRET.",
  42001: "access_token expired; it is refreshed once and the call retried once.",
  42002: "refresh_token expired: the user must authorise again.",
  42007: "The user changed their password: user-level tokens are revoked; authorise again.",
  43004: "The user does not follow the account.",
  43101:
    "The follower has not accepted this subscription template (or used up a one-time acceptance, or refused it): ask again with a subscription popup.",
  45009:
    "The daily API quota is used up (the token endpoint included): calls fail until it resets at midnight (Beijing time); clear_quota can reset it 10 times a month (POST /admin/quota/clear).",
  45011: "API minute quota reached: slow down and retry in a minute.",
  45015:
    "Outside the 48 h customer-service window, or the user unfollowed: use a template or subscription message.",
  45047: "Customer-service message quota for this user is used up.",
  45028: "No mass-send quota left.",
  45065: "A mass send with this clientmsgid was already sent.",
  45066: "The same clientmsgid was retried too fast: wait a minute.",
  47001: "The request body is not the JSON WeChat expects.",
  47003: "A template argument is invalid: check the data against the template's fields.",
  48001:
    "API unauthorized: the account lacks this permission (most need a verified account, 微信认证, or a service account, 服务号); see /admin/diagnose.",
  48002: "The user blocked messages from the account.",
  48004: "The API is banned for this account: see the MP console.",
  89503: "This IP's call needs the account admin's confirmation: approve it in WeChat, then retry.",
  40037:
    "Invalid template_id: use an id of this account's templates (template messages: get_all_private_template; subscription notices: /wxaapi/newtmpl/gettemplate).",
  40007:
    "Invalid media_id: it does not exist, belongs to another account, or was temporary media older than 3 days; upload it again.",
  40032: "Too many openids in one call (or an empty list): split the list.",
  40097: "An argument is invalid: check the request against WeChat's documentation for this API.",
  40201:
    "No callback URL is set (or it is invalid): set 服务器地址(URL) to https://<your-domain>/wechat in the MP console (基本配置).",
  40202: "callback/check: action must be all, dns or ping; this is a bug in the caller.",
  40203:
    "callback/check: check_operator must be CHINANET, UNICOM, CAP or DEFAULT; this is a bug in the caller.",
  45064:
    "The menu links a Mini Program not associated with the account: associate it in the MP console, or remove the miniprogram button.",
  48006:
    "clear_quota was refused: the account has used its 10 quota resets this month; wait for next month.",
  50001:
    "The follower has not authorised this API (OAuth scope): ask for snsapi_userinfo where the profile is needed.",
  50002: "The follower is restricted (their account may be banned): nothing to do on our side.",
  53404:
    "The account's 带货 (product) ability is restricted: remove product cards from the article and submit again.",
  61024:
    "This API needs a 第三方平台 (open platform) component token: call it from the third-party platform's backend.",
  76001:
    "No such rid: a rid can be looked up only within 7 days, by the account whose call it came from.",
  76002: "The rid is empty or malformed: copy it from the errmsg (three groups of 8 hex digits).",
  76003: "This rid belongs to another account: look it up with that account's token.",
  76021:
    "cgi_path not found: give the API's path without the host, e.g. /cgi-bin/message/custom/send.",
  76022:
    "This API's quota cannot be queried with this token (another account's API, or an /sns/ API).",
  89501:
    "This IP's call is waiting for the account admin's confirmation: ask them to approve it in WeChat.",
  89506:
    "The account admin refused this IP twice within 24 h: calls from it are blocked for 24 h; whitelist the IP instead.",
  89507:
    "The account admin refused this IP within the hour: calls from it are blocked for 1 h; whitelist the IP instead.",
};

const TOKEN_REJECTED = new Set([40001, 40014, 42001]);

/** errcodes that mean the access_token used is no longer accepted (compare-and-expire, then retry once). */
export function isTokenRejected(errcode: number): boolean {
  return TOKEN_REJECTED.has(errcode);
}

/** Every errcode with a hint of its own (docs/operations.md has a row for each). */
export function hintedErrcodes(): number[] {
  return [...Object.keys(HINTS).map(Number), 40164].sort((a, b) => a - b);
}

/** The caller's IP as WeChat reports it in a 40164 errmsg ("invalid ip 1.2.3.4 ipv6 ..., not in whitelist"). */
function reportedIp(errmsg: string): string | undefined {
  return /invalid ip ([0-9a-fA-F.:]+)/.exec(errmsg)?.[1];
}

/** WeChat's request id in an errmsg ("... rid: 6746a7d4-3b7e5c1a-4c2f9b11"), for openapi/rid/get. */
export function ridOf(errmsg: string): string | undefined {
  return /\brid: ([0-9a-fA-F]+(?:-[0-9a-fA-F]+)+)/.exec(errmsg)?.[1];
}

/** The action to take for an errcode, in one or two sentences. */
export function hintFor(errcode: number, errmsg = ""): string {
  if (errcode === 40164) {
    const ip = reportedIp(errmsg);
    return (
      `The Worker's egress IP${ip ? ` ${ip}` : ""} is not in the account's IP whitelist (IP白名单): ` +
      "whitelist it in the MP console, or route through a fixed-IP proxy with WECHAT_API_BASE (and WECHAT_PROXY_SECRET)."
    );
  }
  return HINTS[errcode] ?? "See WeChat's global return codes (全局返回码) for this errcode.";
}

/** WeChat answered with a non-zero errcode. */
export class WeChatApiError extends Error {
  override readonly name = "WeChatApiError";
  readonly errcode: number;
  /** WeChat's own message, including its `rid` (request id) when present. */
  readonly errmsg: string;
  readonly hint: string;
  /** API path without query, e.g. `/cgi-bin/token`. */
  readonly path: string;
  /** For 40164: the caller IP WeChat saw. */
  readonly ip: string | undefined;
  /**
   * The whole answer: some errors carry data (45065 carries the earlier mass send's msg_id).
   * Never in toJSON: answers reach callers through the typed modules only.
   */
  readonly body: Readonly<Record<string, unknown>>;

  constructor(errcode: number, errmsg: string, path: string, body: Record<string, unknown> = {}) {
    super(`WeChat ${path} errcode ${errcode}: ${errmsg}`);
    this.errcode = errcode;
    this.errmsg = errmsg;
    this.path = path;
    this.body = body;
    this.hint = hintFor(errcode, errmsg);
    this.ip = errcode === 40164 ? reportedIp(errmsg) : undefined;
  }

  /** A safe JSON shape for HTTP answers and logs. */
  toJSON() {
    return {
      errcode: this.errcode,
      errmsg: this.errmsg,
      hint: this.hint,
      path: this.path,
      ...(this.ip ? { ip: this.ip } : {}),
    };
  }
}

export type TransportFailure = "timeout" | "network" | "http" | "malformed";

/** No usable answer from WeChat (or the proxy in front of it). */
export class WeChatTransportError extends Error {
  override readonly name = "WeChatTransportError";
  readonly kind: TransportFailure;
  readonly path: string;
  readonly status: number | undefined;

  constructor(kind: TransportFailure, path: string, detail: string, status?: number) {
    super(`WeChat ${path} ${detail}`);
    this.kind = kind;
    this.path = path;
    this.status = status;
  }

  get hint(): string {
    switch (this.kind) {
      case "timeout":
        return "WeChat did not answer in time; it is retried with backoff.";
      case "network":
        return "WeChat (or the proxy in WECHAT_API_BASE) could not be reached.";
      case "http":
        return this.status === 403 || this.status === 407
          ? "The proxy in WECHAT_API_BASE refused the request: check WECHAT_PROXY_SECRET."
          : "WeChat (or the proxy in WECHAT_API_BASE) answered with an HTTP error.";
      case "malformed":
        return "The answer was not WeChat's JSON: check that WECHAT_API_BASE points at WeChat's API.";
    }
  }

  toJSON() {
    return {
      error: this.kind,
      message: this.message,
      hint: this.hint,
      path: this.path,
      ...(this.status ? { status: this.status } : {}),
    };
  }
}
