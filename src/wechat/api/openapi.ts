/**
 * What an operator asks WeChat about the account itself (openApi 管理 and 网络检测): the daily
 * quota of an API, resetting the quotas, the details behind a failed call's `rid`, whether WeChat
 * can reach the callback URL, and the IPs of WeChat's API and push servers.
 *
 * `clearQuotaWithAppSecret` (clear_quota/v2) authenticates with the AppSecret instead of a token,
 * so it still works when the token endpoint's own quota is used up (45009); WeChat allows 10
 * resets a month, shared with the token-based clear_quota.
 *
 * @example
 * const { quota } = await getApiQuota(client, "/cgi-bin/message/custom/send");
 * const { request } = await getRidInfo(client, "61725984-6126f6f9-040f19c4");
 */
import type { WeChatApiClient } from "./client";
import type { Account } from "./credentials";
import { WeChatTransportError } from "./errors";
import { callJson, type TransportOptions } from "./transport";

/** An API's daily quota as `openapi/quota/get` reports it (resets at midnight Beijing time). */
export interface ApiQuota {
  /** Calls the account may make today. */
  daily_limit: number;
  used: number;
  remain: number;
}

/** Frequency limits some APIs also report. */
export interface ApiRateLimit {
  call_count: number;
  refresh_second: number;
}

export interface ApiQuotaAnswer {
  quota: ApiQuota;
  rate_limit?: ApiRateLimit;
  component_rate_limit?: ApiRateLimit;
}

/**
 * `POST /cgi-bin/openapi/quota/get`: the daily quota of the API at `cgiPath` ("/cgi-bin/…",
 * without the host: WeChat answers 76003 otherwise, so it is refused here first). The query
 * itself counts against quota/get's own daily quota.
 */
export async function getApiQuota(
  client: WeChatApiClient,
  cgiPath: string,
): Promise<ApiQuotaAnswer> {
  if (!cgiPath.startsWith("/") || cgiPath.includes("://") || cgiPath.includes("?")) {
    throw new RangeError(`cgi_path must be an API path such as /cgi-bin/token, got ${cgiPath}`);
  }
  const body = await client.post<Partial<ApiQuotaAnswer>>("/cgi-bin/openapi/quota/get", {
    cgi_path: cgiPath,
  });
  const quota = body.quota;
  if (!quota || typeof quota.daily_limit !== "number" || typeof quota.remain !== "number") {
    throw new WeChatTransportError(
      "malformed",
      "/cgi-bin/openapi/quota/get",
      "answered without quota",
    );
  }
  return {
    quota: { daily_limit: quota.daily_limit, used: quota.used ?? 0, remain: quota.remain },
    ...(body.rate_limit ? { rate_limit: body.rate_limit } : {}),
    ...(body.component_rate_limit ? { component_rate_limit: body.component_rate_limit } : {}),
  };
}

/**
 * `POST /cgi-bin/clear_quota/v2`: resets every daily API quota of the account, with its AppSecret
 * (no access_token). 48006 when this month's 10 resets are used up.
 *
 * WeChat's pages disagree on where appid and appsecret go (the current service-account page: the
 * JSON body; an older page: the query string). We send the body: a query string would put the
 * AppSecret in URLs that proxies log.
 */
export async function clearQuotaWithAppSecret(
  transport: TransportOptions,
  account: Account,
  options: { timeoutMs?: number } = {},
): Promise<void> {
  await callJson(transport, "/cgi-bin/clear_quota/v2", {
    method: "POST",
    json: { appid: account.appId, appsecret: account.appSecret },
    timeoutMs: options.timeoutMs,
  });
}

/** A rid as WeChat appends it to errmsg: three groups of 8 hex digits ("61725984-6126f6f9-040f19c4"). */
const RID = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/i;

export function isRid(value: string): boolean {
  return RID.test(value);
}

/** The request behind a rid, as WeChat recorded it (credentials redacted by `getRidInfo`). */
export interface RidRequest {
  /** Unix seconds. */
  invoke_time: number;
  cost_in_ms: number;
  /** The query string of the call. */
  request_url: string;
  request_body: string;
  response_body: string;
  /** The caller IP WeChat saw. */
  client_ip: string;
}

const SECRET_QUERY = /\b(access_token|secret|appsecret|component_access_token)=[^&\s"]*/gi;
const SECRET_JSON = /("(?:access_token|secret|appsecret)"\s*:\s*")[^"]*"/gi;

/** Removes credentials from a recorded request: WeChat records the URL with its access_token. */
export function redactRidRequest(request: RidRequest): RidRequest {
  const redact = (text: string) =>
    text.replace(SECRET_QUERY, "$1=[redacted]").replace(SECRET_JSON, '$1[redacted]"');
  return {
    ...request,
    request_url: redact(request.request_url ?? ""),
    request_body: redact(request.request_body ?? ""),
    response_body: redact(request.response_body ?? ""),
  };
}

/**
 * `POST /cgi-bin/openapi/rid/get`: what WeChat recorded of a failed call, by the rid of its
 * errmsg (7 days, same account only: 76001 not found, 76002 malformed, 76003 another account's).
 * The access_token and any secret in the recorded request are redacted.
 */
export async function getRidInfo(client: WeChatApiClient, rid: string): Promise<RidRequest> {
  if (!isRid(rid)) throw new RangeError("a rid is three groups of 8 hex digits");
  const body = await client.post<{ request?: RidRequest }>("/cgi-bin/openapi/rid/get", { rid });
  if (!body.request || typeof body.request !== "object") {
    throw new WeChatTransportError(
      "malformed",
      "/cgi-bin/openapi/rid/get",
      "answered without request",
    );
  }
  return redactRidRequest(body.request);
}

/** callback/check's actions: dns (resolve the callback domain), ping (each IP), or all. */
export type CallbackCheckAction = "all" | "dns" | "ping";
/** Where WeChat checks from: 电信, 联通, Tencent's own egress, or by the IP (DEFAULT). */
export type CheckOperator = "CHINANET" | "UNICOM" | "CAP" | "DEFAULT";

export interface CallbackDnsResult {
  ip: string;
  real_operator: string;
}

export interface CallbackPingResult {
  ip: string;
  from_operator: string;
  /** "0%" or "100%": WeChat sends a single ping. */
  package_loss: string;
  /** e.g. "23.079ms". */
  time: string;
}

export interface CallbackCheck {
  dns: CallbackDnsResult[];
  ping: CallbackPingResult[];
}

/**
 * `POST /cgi-bin/callback/check` (网络检测): WeChat resolves the callback URL's domain and pings
 * each IP. 40201 when no callback URL is set.
 */
export async function checkCallback(
  client: WeChatApiClient,
  action: CallbackCheckAction = "all",
  checkOperator: CheckOperator = "DEFAULT",
  options: { timeoutMs?: number } = {},
): Promise<CallbackCheck> {
  const body = await client.post<Partial<CallbackCheck>>(
    "/cgi-bin/callback/check",
    { action, check_operator: checkOperator },
    { timeoutMs: options.timeoutMs },
  );
  return {
    dns: Array.isArray(body.dns) ? body.dns : [],
    ping: Array.isArray(body.ping) ? body.ping : [],
  };
}

/** `GET /cgi-bin/get_api_domain_ip`: the IPs behind api.weixin.qq.com. */
export async function getApiDomainIps(client: WeChatApiClient): Promise<string[]> {
  const body = await client.getApiDomainIp();
  return Array.isArray(body.ip_list) ? body.ip_list : [];
}

/** `GET /cgi-bin/getcallbackip`: the IPs WeChat pushes to the callback from (for a firewall). */
export async function getCallbackIps(client: WeChatApiClient): Promise<string[]> {
  const body = await client.get<{ ip_list?: string[] }>("/cgi-bin/getcallbackip");
  return Array.isArray(body.ip_list) ? body.ip_list : [];
}
