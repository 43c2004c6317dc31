/**
 * One HTTP exchange with WeChat's API: base URL, query, JSON body, a hard timeout, the proxy
 * header, bigint-safe parsing and errcode mapping. Knows nothing about tokens.
 *
 * Every call is bounded by an AbortController whose timer is always cleared: a pending
 * `AbortSignal.timeout()` inside a Durable Object keeps it from being evicted.
 */
import { WeChatApiError, WeChatTransportError, type TransportFailure } from "./errors";
import { parseWeChatJson } from "./json";

/** Sent with every upstream request when a proxy secret is configured (WECHAT_PROXY_SECRET). */
export const PROXY_SECRET_HEADER = "X-WeChat-Proxy-Secret";

const DEFAULT_TIMEOUT_MS = 5000;

type QueryValue = string | number | boolean | undefined;

export interface ApiRequest {
  method?: "GET" | "POST";
  query?: Record<string, QueryValue>;
  /** Serialised as the JSON body of a POST (WeChat accepts nothing else for JSON APIs). */
  json?: unknown;
  /** A raw body (e.g. FormData for media uploads); ignored when `json` is given. */
  body?: BodyInit;
  timeoutMs?: number;
}

/** What the transport reports after every exchange, for logs and metrics. Never a credential. */
export interface ApiCallRecord {
  method: string;
  /** Path without query. */
  path: string;
  durationMs: number;
  errcode?: number;
  failure?: TransportFailure;
  status?: number;
}

export interface TransportOptions {
  /** e.g. `https://api.weixin.qq.com`, without a trailing slash; may carry a proxy's path prefix. */
  apiBase: string;
  timeoutMs?: number;
  proxySecret?: string;
  fetch?: typeof fetch;
  observe?: (record: ApiCallRecord) => void;
  now?: () => number;
}

interface RawAnswer {
  status: number;
  contentType: string;
  bytes: Uint8Array;
}

function buildUrl(apiBase: string, path: string, query: Record<string, QueryValue> = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) params.set(name, String(value));
  }
  const search = params.toString();
  return `${apiBase}${path}${search ? `?${search}` : ""}`;
}

/** Performs the exchange and returns the whole answer; only transport failures throw. */
export async function exchange(
  options: TransportOptions,
  path: string,
  request: ApiRequest = {},
): Promise<RawAnswer> {
  const method = request.method ?? (request.json !== undefined || request.body ? "POST" : "GET");
  const headers = new Headers();
  if (options.proxySecret) headers.set(PROXY_SECRET_HEADER, options.proxySecret);
  let body: BodyInit | undefined = request.body;
  if (request.json !== undefined) {
    headers.set("content-type", "application/json; charset=utf-8");
    body = JSON.stringify(request.json);
  }
  const now = options.now ?? Date.now;
  const started = now();
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(),
    request.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  );
  const record = (fields: Partial<ApiCallRecord>) =>
    options.observe?.({ method, path, durationMs: now() - started, ...fields });
  try {
    const response = await (options.fetch ?? fetch)(
      buildUrl(options.apiBase, path, request.query),
      {
        method,
        headers,
        body,
        signal: controller.signal,
      },
    );
    const bytes = new Uint8Array(await response.arrayBuffer());
    return {
      status: response.status,
      contentType: response.headers.get("content-type") ?? "",
      bytes,
    };
  } catch (error) {
    const failure: TransportFailure = controller.signal.aborted ? "timeout" : "network";
    record({ failure });
    throw new WeChatTransportError(
      failure,
      path,
      // Only the error's name: a fetch error message may quote the URL, and so the credentials in it.
      failure === "timeout"
        ? "timed out"
        : `unreachable (${error instanceof Error ? error.name : "error"})`,
    );
  } finally {
    clearTimeout(timer);
  }
}

/** Parses a JSON answer and throws `WeChatApiError` for a non-zero errcode. */
export function readJson(answer: RawAnswer, path: string): Record<string, unknown> {
  if (answer.status < 200 || answer.status > 299) {
    throw new WeChatTransportError("http", path, `answered HTTP ${answer.status}`, answer.status);
  }
  let parsed: unknown;
  try {
    parsed = parseWeChatJson(new TextDecoder().decode(answer.bytes));
  } catch {
    throw new WeChatTransportError("malformed", path, "answered something that is not JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new WeChatTransportError("malformed", path, "answered JSON that is not an object");
  }
  const body = parsed as Record<string, unknown>;
  const errcode = body.errcode;
  if (typeof errcode === "number" && errcode !== 0) {
    throw new WeChatApiError(
      errcode,
      typeof body.errmsg === "string" ? body.errmsg : "",
      path,
      body,
    );
  }
  return body;
}

/** One JSON call: exchange, parse, map errcodes, report. */
export async function callJson(
  options: TransportOptions,
  path: string,
  request: ApiRequest = {},
): Promise<Record<string, unknown>> {
  const now = options.now ?? Date.now;
  const started = now();
  const answer = await exchange(options, path, request);
  const method = request.method ?? (request.json !== undefined || request.body ? "POST" : "GET");
  try {
    const body = readJson(answer, path);
    options.observe?.({ method, path, durationMs: now() - started, status: answer.status });
    return body;
  } catch (error) {
    options.observe?.({
      method,
      path,
      durationMs: now() - started,
      status: answer.status,
      ...(error instanceof WeChatApiError ? { errcode: error.errcode } : {}),
      ...(error instanceof WeChatTransportError ? { failure: error.kind } : {}),
    });
    throw error;
  }
}
