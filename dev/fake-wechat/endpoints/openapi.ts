/**
 * openApi 管理 and 网络检测, as documented:
 * - POST /cgi-bin/openapi/quota/get {cgi_path}: the API's daily limit and the calls this fake served
 *   on it today (Beijing day, since the last clear_quota), the quota/get call itself included;
 *   76003 for a path that is not "/…" without the host, 76021 for a path the fake does not serve,
 *   76022 for /sns/ paths.
 * - POST /cgi-bin/clear_quota/v2 {appid, appsecret}: resets the daily counters; 10 a month per
 *   account (Beijing calendar month), then 48006. WeChat's pages disagree on body or query string
 *   for the two fields: the fake accepts either.
 * - POST /cgi-bin/openapi/rid/get {rid}: the recorded request behind a rid the fake put in an
 *   errmsg; 76002 malformed, 76001 unknown or older than 7 days, 76003 another account's.
 * - POST /cgi-bin/callback/check {action, check_operator}: the fake cannot reach the Worker, so
 *   its answer is what tests set (`setCallbackCheck`); by default the domain resolves and answers
 *   pings. 40202 bad action, 40203 bad check_operator.
 * - GET /cgi-bin/getcallbackip: WeChat's push servers.
 */
import type { FakeWeChat } from "../fake.ts";
import { requireString, WeChatFault, type Endpoint } from "./types.ts";

const DAY_MS = 86_400_000;
const BEIJING_OFFSET_MS = 8 * 3_600_000;
const RID_DAYS_KEPT = 7;
const CLEARS_PER_MONTH = 10;
const RID = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/i;

/** Daily limits of a normal account, from WeChat's 接口频率限制 table; others get DEFAULT_LIMIT. */
const DAILY_LIMITS: Record<string, number> = {
  "/cgi-bin/message/custom/send": 500_000,
  "/cgi-bin/message/template/send": 100_000,
  "/cgi-bin/qrcode/create": 100_000,
  "/cgi-bin/menu/create": 1000,
  "/cgi-bin/menu/get": 10_000,
  "/cgi-bin/menu/delete": 1000,
  "/cgi-bin/user/get": 500,
  "/cgi-bin/user/info": 5_000_000,
  "/cgi-bin/media/upload": 100_000,
};
const DEFAULT_LIMIT = 100_000;

export type CallbackCheckAnswer =
  | {
      dns: { ip: string; real_operator: string }[];
      ping: { ip: string; from_operator: string; package_loss: string; time: string }[];
    }
  | { errcode: number; errmsg: string };

interface OpenApiState {
  limits: Map<string, number>;
  callbackCheck: CallbackCheckAnswer;
  clears: Map<string, number[]>;
}

const states = new WeakMap<FakeWeChat, OpenApiState>();

function state(fake: FakeWeChat): OpenApiState {
  let current = states.get(fake);
  if (!current) {
    current = {
      limits: new Map(),
      callbackCheck: {
        dns: [{ ip: "198.51.100.20", real_operator: "CAP" }],
        ping: [{ ip: "198.51.100.20", from_operator: "CAP", package_loss: "0%", time: "21.434ms" }],
      },
      clears: new Map(),
    };
    states.set(fake, current);
  }
  return current;
}

/** What callback/check answers from now on (tests and the playground). */
export function setCallbackCheck(fake: FakeWeChat, answer: CallbackCheckAnswer): void {
  state(fake).callbackCheck = answer;
}

/** Sets an API's daily limit, e.g. a small one to see it used up. */
export function setDailyLimit(fake: FakeWeChat, path: string, limit: number): void {
  state(fake).limits.set(path, limit);
}

function dailyLimit(fake: FakeWeChat, path: string): number {
  const set = state(fake).limits.get(path);
  if (set !== undefined) return set;
  if (path === "/cgi-bin/token") return fake.quotas.token;
  if (path === "/cgi-bin/stable_token") return fake.quotas.stableToken;
  if (path === "/cgi-bin/ticket/getticket") return fake.quotas.getticket;
  return DAILY_LIMITS[path] ?? DEFAULT_LIMIT;
}

const beijingDay = (at: number) => Math.floor((at + BEIJING_OFFSET_MS) / DAY_MS);
const beijingMonth = (at: number) => {
  const date = new Date(at + BEIJING_OFFSET_MS);
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
};

const quotaGet: Endpoint = {
  method: "POST",
  path: "/cgi-bin/openapi/quota/get",
  auth: true,
  handle({ body, fake, appid, now }) {
    const cgiPath = requireString(
      (body as Record<string, unknown> | undefined)?.cgi_path,
      76003,
      "cgi_path is empty",
    );
    if (!cgiPath.startsWith("/") || cgiPath.includes("://"))
      throw new WeChatFault(76003, "invalid cgi_path");
    if (cgiPath.startsWith("/sns/"))
      throw new WeChatFault(76022, "could not use this cgi_path,no permission");
    if (!fake.serves(cgiPath)) throw new WeChatFault(76021, "cgi_path not found, please check");
    const day = beijingDay(now);
    const answered = fake.requests.filter(
      (request) =>
        request.path === cgiPath &&
        request.errcode !== undefined &&
        (request.appid === undefined || request.appid === appid) &&
        request.at > fake.quotaClearedAt &&
        beijingDay(request.at) === day,
    ).length;
    // This query is not answered yet, so not in the count above; it counts all the same.
    const used = answered + (cgiPath === "/cgi-bin/openapi/quota/get" ? 1 : 0);
    const limit = dailyLimit(fake, cgiPath);
    return {
      errcode: 0,
      errmsg: "ok",
      quota: { daily_limit: limit, used, remain: Math.max(0, limit - used) },
    };
  },
};

const clearQuotaV2: Endpoint = {
  method: "POST",
  path: "/cgi-bin/clear_quota/v2",
  auth: false,
  rawBody: true,
  async handle({ request, query, fake, now }) {
    let fields: Record<string, unknown> = {};
    const text = await request.text();
    if (text.trim() !== "") {
      try {
        fields = JSON.parse(text) as Record<string, unknown>;
      } catch {
        throw new WeChatFault(47001, "data format error");
      }
    }
    const appid = requireString(fields.appid ?? query.get("appid"), 41002, "appid missing");
    const secret = requireString(
      fields.appsecret ?? query.get("appsecret"),
      41004,
      "appsecret missing",
    );
    const expected = fake.accounts.get(appid);
    if (expected === undefined) throw new WeChatFault(40013, "invalid appid");
    if (expected !== secret) throw new WeChatFault(40125, "invalid appsecret");
    const clears = state(fake).clears;
    const thisMonth = (clears.get(appid) ?? []).filter(
      (at) => beijingMonth(at) === beijingMonth(now),
    );
    if (thisMonth.length >= CLEARS_PER_MONTH) {
      throw new WeChatFault(48006, "forbid to clear quota because of reaching the limit");
    }
    clears.set(appid, [...thisMonth, now]);
    fake.clearDailyQuotas();
    return { errcode: 0, errmsg: "ok" };
  },
};

const ridGet: Endpoint = {
  method: "POST",
  path: "/cgi-bin/openapi/rid/get",
  auth: true,
  handle({ body, fake, appid, now }) {
    const rid = (body as Record<string, unknown> | undefined)?.rid;
    if (typeof rid !== "string" || !RID.test(rid)) throw new WeChatFault(76002, "rid is error");
    const entry = fake.rids.get(rid);
    if (!entry || now - entry.record.at > RID_DAYS_KEPT * DAY_MS) {
      throw new WeChatFault(76001, "rid not found");
    }
    if (entry.record.appid !== undefined && entry.record.appid !== appid) {
      throw new WeChatFault(76003, "could not query this rid,no permission");
    }
    return {
      errcode: 0,
      errmsg: "ok",
      request: {
        invoke_time: Math.floor(entry.record.at / 1000),
        cost_in_ms: 1,
        request_url: entry.requestUrl,
        request_body: entry.requestBody,
        response_body: entry.responseBody,
        client_ip: entry.clientIp,
      },
    };
  },
};

const callbackCheck: Endpoint = {
  method: "POST",
  path: "/cgi-bin/callback/check",
  auth: true,
  handle({ body, fake }) {
    const request = (body ?? {}) as Record<string, unknown>;
    const action = request.action;
    if (action !== "all" && action !== "dns" && action !== "ping") {
      throw new WeChatFault(40202, "invalid action");
    }
    if (!["CHINANET", "UNICOM", "CAP", "DEFAULT"].includes(String(request.check_operator))) {
      throw new WeChatFault(40203, "invalid check operator");
    }
    const answer = state(fake).callbackCheck;
    if ("errcode" in answer) throw new WeChatFault(answer.errcode, answer.errmsg);
    return {
      dns: action === "ping" ? [] : answer.dns,
      ping: action === "dns" ? [] : answer.ping,
    };
  },
};

const callbackIp: Endpoint = {
  method: "GET",
  path: "/cgi-bin/getcallbackip",
  auth: true,
  handle: () => ({ ip_list: ["106.55.206.146", "106.55.206.211", "101.226.103.0/25"] }),
};

export const openApiEndpoints: Endpoint[] = [
  quotaGet,
  clearQuotaV2,
  ridGet,
  callbackCheck,
  callbackIp,
];
