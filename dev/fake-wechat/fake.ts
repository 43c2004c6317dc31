/**
 * A faithful fake of WeChat's HTTP API that we own: pure Web-standard code (Request in, Response
 * out, state in memory), so it runs inside workerd tests (see install.ts) and as a real server
 * under Node (see serve.ts). Strict where WeChat is strict; errors come back as WeChat sends them:
 * HTTP 200 with `{"errcode":…,"errmsg":"… rid: …"}`.
 *
 * Common rules applied before any endpoint: the proxy secret header when configured (acting as
 * the fixed-IP proxy), injected failures, JSON-only POST bodies (47001), and for endpoints with
 * `auth` the access_token (41001 missing, 40014 malformed, 40001 invalid or superseded, 42001
 * expired).
 */
import { CredentialBook } from "./credentials.ts";
import { endpoints as defaultEndpoints } from "./endpoints/index.ts";
import { errorAnswer, jsonAnswer, WeChatFault, type Endpoint } from "./endpoints/types.ts";
import { failureAnswer, hang, type Failure, type InjectedFailure } from "./failures.ts";

export const FAKE_APPID = "wx0123456789abcdef";
export const FAKE_APPSECRET = "0123456789abcdef0123456789abcdef";
export const PROXY_SECRET_HEADER = "x-wechat-proxy-secret";

const TOKEN_PATHS = ["/cgi-bin/token", "/cgi-bin/stable_token"];
const DAY_MS = 86_400_000;
const BEIJING_OFFSET_MS = 8 * 3_600_000;

export interface Quotas {
  /** /cgi-bin/token per day (2000 for a normal account). */
  token: number;
  stableToken: number;
  /** stable_token force_refresh per day. */
  forceRefresh: number;
  getticket: number;
}

export interface FakeWeChatOptions {
  /** appid → appsecret. Default: one account, FAKE_APPID / FAKE_APPSECRET. */
  accounts?: Record<string, string>;
  /** Lifetime of tokens and tickets (WeChat: 7200). */
  lifetimeSeconds?: number;
  /** Classic tokens stay valid this long after a new one is issued. Default 0: strict. */
  classicOverlapSeconds?: number;
  /** The caller IP WeChat sees (stub mode; serve.ts uses the socket's address). */
  clientIp?: string;
  /** When set, the token endpoints answer 40164 to any other caller IP. */
  ipWhitelist?: string[];
  /** When set, the fake acts as the proxy: requests without this X-WeChat-Proxy-Secret get 403. */
  requireProxySecret?: string;
  /** The clock, epoch ms (default Date.now); `advance()` adds to it. */
  now?: () => number;
  quotas?: Partial<Quotas>;
  /** Endpoints to use instead of the default table. */
  endpoints?: Endpoint[];
}

export interface RequestRecord {
  method: string;
  path: string;
  at: number;
  status: number;
  /** 0 for success; undefined when the answer was not WeChat JSON (HTTP error, hang, 403). */
  errcode?: number;
  hadProxySecret: boolean;
  /** The account whose access_token the request carried (endpoints with auth). */
  appid?: string;
  /** The rid of an error answer ("errmsg … rid: …"), for openapi/rid/get. */
  rid?: string;
}

/** What WeChat keeps of a failed call for openapi/rid/get (7 days). */
export interface RidEntry {
  record: RequestRecord;
  /** The query string, as WeChat records it (access_token included). */
  requestUrl: string;
  requestBody: string;
  responseBody: string;
  clientIp: string;
}

export class FakeWeChat {
  readonly accounts: Map<string, string>;
  readonly credentials: CredentialBook;
  readonly quotas: Quotas;
  readonly ipWhitelist: string[] | undefined;
  readonly requests: RequestRecord[] = [];
  /** Failed calls by the rid of their errmsg (openapi/rid/get). */
  readonly rids = new Map<string, RidEntry>();
  /** When clear_quota last reset the daily counters (epoch ms, the fake's clock). */
  quotaClearedAt = 0;
  clientIp: string;
  requireProxySecret: string | undefined;
  readonly #endpoints: Map<string, Endpoint>;
  readonly #clock: () => number;
  #offset = 0;
  #failures: InjectedFailure[] = [];
  readonly #quotaUse = new Map<string, { day: number; used: number }>();

  constructor(options: FakeWeChatOptions = {}) {
    this.accounts = new Map(Object.entries(options.accounts ?? { [FAKE_APPID]: FAKE_APPSECRET }));
    this.credentials = new CredentialBook(
      options.lifetimeSeconds ?? 7200,
      options.classicOverlapSeconds ?? 0,
    );
    this.quotas = {
      token: 2000,
      stableToken: 500_000,
      forceRefresh: 20,
      getticket: 1000,
      ...options.quotas,
    };
    this.ipWhitelist = options.ipWhitelist;
    this.clientIp = options.clientIp ?? "203.0.113.7";
    this.requireProxySecret = options.requireProxySecret;
    this.#clock = options.now ?? Date.now;
    this.#endpoints = new Map(
      (options.endpoints ?? defaultEndpoints).map((endpoint) => [endpoint.path, endpoint]),
    );
  }

  now(): number {
    return this.#clock() + this.#offset;
  }

  /** Moves the fake's clock forward (tokens expire, quotas reset); no real waiting. */
  advance(seconds: number): void {
    this.#offset += seconds * 1000;
  }

  /** Requests received on `path` (all paths when omitted), failed ones included. */
  count(path?: string): number {
    return path === undefined
      ? this.requests.length
      : this.requests.filter((request) => request.path === path).length;
  }

  /** Requests to the token endpoints (classic and stable). */
  tokenFetches(): number {
    return this.requests.filter((request) => TOKEN_PATHS.includes(request.path)).length;
  }

  /** Makes the next `times` requests (to `path`, or any path) fail with `failure`. */
  inject(failure: Failure, options: { path?: string; times?: number } = {}): void {
    this.#failures.push({ failure, path: options.path, remaining: options.times ?? Infinity });
  }

  clearFailures(): void {
    this.#failures = [];
  }

  /** Invalidates every issued access_token (or just `value`), as a secret reset would. */
  revoke(value?: string): number {
    return this.credentials.revoke(this.now(), value);
  }

  /** Counts one use of a daily quota (Beijing days); false when it is used up. */
  useQuota(key: string, now: number, limit: number): boolean {
    const day = Math.floor((now + BEIJING_OFFSET_MS) / DAY_MS);
    const entry = this.#quotaUse.get(key);
    const used = entry && entry.day === day ? entry.used : 0;
    if (used >= limit) return false;
    this.#quotaUse.set(key, { day, used: used + 1 });
    return true;
  }

  /** Resets every daily counter, as clear_quota does. */
  clearDailyQuotas(): void {
    this.#quotaUse.clear();
    this.quotaClearedAt = this.now();
  }

  /** Whether the fake serves `path` (openapi/quota/get answers 76021 otherwise). */
  serves(path: string): boolean {
    return this.#endpoints.has(path);
  }

  /** Registers (or replaces) an endpoint at run time. */
  register(endpoint: Endpoint): void {
    this.#endpoints.set(endpoint.path, endpoint);
  }

  async fetch(request: Request, options: { clientIp?: string } = {}): Promise<Response> {
    const url = new URL(request.url);
    const record: RequestRecord = {
      method: request.method,
      path: url.pathname,
      at: this.now(),
      status: 0,
      hadProxySecret: request.headers.has(PROXY_SECRET_HEADER),
    };
    this.requests.push(record);
    const clientIp = options.clientIp ?? this.clientIp;
    const multipart = (request.headers.get("content-type") ?? "").includes("multipart/");
    const requestBody =
      request.method === "POST" && !multipart
        ? request
            .clone()
            .text()
            .catch(() => "")
        : Promise.resolve("");
    const response = await this.#answer(request, url, clientIp, record);
    record.status = response.status;
    await this.#keepRid(record, url, await requestBody, response, clientIp);
    return response;
  }

  async #keepRid(
    record: RequestRecord,
    url: URL,
    requestBody: string,
    response: Response,
    clientIp: string,
  ) {
    if (record.errcode === undefined || record.errcode === 0) return;
    const responseBody = await response.clone().text();
    const rid = /rid: ([0-9a-f-]+)/.exec(responseBody)?.[1];
    if (!rid) return;
    record.rid = rid;
    this.rids.set(rid, {
      record,
      requestUrl: url.search.replace(/^\?/, ""),
      requestBody,
      responseBody,
      clientIp,
    });
  }

  async #answer(request: Request, url: URL, clientIp: string, record: RequestRecord) {
    if (
      this.requireProxySecret !== undefined &&
      request.headers.get(PROXY_SECRET_HEADER) !== this.requireProxySecret
    ) {
      return new Response("missing or wrong X-WeChat-Proxy-Secret\n", { status: 403 });
    }
    const injected = this.#takeFailure(url.pathname);
    if (injected === "hang") return hang(request.signal);
    if (injected) {
      const response = failureAnswer(injected);
      record.errcode = await errcodeOf(response);
      return response;
    }
    try {
      const body = await this.#dispatch(request, url, clientIp, record);
      record.errcode = await errcodeOf(body);
      return body;
    } catch (error) {
      if (!(error instanceof WeChatFault)) throw error;
      record.errcode = error.errcode;
      return errorAnswer(error.errcode, error.errmsg);
    }
  }

  async #dispatch(
    request: Request,
    url: URL,
    clientIp: string,
    record: RequestRecord,
  ): Promise<Response> {
    const endpoint = this.#endpoints.get(url.pathname);
    if (!endpoint) return errorAnswer(40066, "invalid url");
    if (endpoint.method === "POST" && request.method !== "POST") {
      throw new WeChatFault(43002, "require POST method");
    }
    let body: unknown;
    if (request.method === "POST" && !endpoint.rawBody) {
      try {
        body = JSON.parse(await request.text());
      } catch {
        throw new WeChatFault(47001, "data format error");
      }
    }
    const now = this.now();
    let appid = "";
    if (endpoint.auth) {
      const check = this.credentials.check(url.searchParams.get("access_token"), now);
      if (!check) throw new WeChatFault(41001, "access_token missing");
      if (!check.ok) throw new WeChatFault(check.errcode, TOKEN_ERRMSG[check.errcode]);
      appid = check.token.appid;
      record.appid = appid;
    }
    const answer = await endpoint.handle({
      request,
      url,
      query: url.searchParams,
      body,
      appid,
      now,
      clientIp,
      fake: this,
    });
    return answer instanceof Response ? answer : jsonAnswer(answer);
  }

  #takeFailure(path: string): Failure | undefined {
    const entry = this.#failures.find(
      (f) => f.remaining > 0 && (f.path === undefined || f.path === path),
    );
    if (!entry) return undefined;
    entry.remaining--;
    return entry.failure;
  }
}

const TOKEN_ERRMSG = {
  40001:
    "invalid credential, access_token is invalid or not latest, could get access_token by getStableAccessToken, more details at https://mmbizurl.cn/s/JtxxFh33r",
  40014: "invalid access_token",
  42001: "access_token expired",
} as const;

async function errcodeOf(response: Response): Promise<number | undefined> {
  if (!(response.headers.get("content-type") ?? "").includes("json")) return undefined;
  try {
    const body = (await response.clone().json()) as { errcode?: unknown };
    return typeof body.errcode === "number" ? body.errcode : 0;
  } catch {
    return undefined;
  }
}
