/**
 * The typed WeChat API client every feature uses: token injection, compare-and-expire on a
 * rejected token, errcodes as `WeChatApiError`.
 *
 * When WeChat rejects the token (40001, 40014, 42001) the client hands the very token that failed
 * back to its `AccessTokenSource`, which replaces it only if it is still current (so a burst of
 * failures costs one refresh), and retries the call once. A second rejection is thrown.
 *
 * @example
 * const client = new WeChatApiClient({ apiBase, tokens });
 * const { ticket } = await client.post<{ ticket: string }>("/cgi-bin/qrcode/create", body);
 */
import { isTokenRejected, WeChatApiError, WeChatTransportError } from "./errors";
import { callJson, exchange, readJson, type ApiRequest, type TransportOptions } from "./transport";

/** Where the client gets its access_token (in the Worker: the KV cache backed by the token authority). */
export interface AccessTokenSource {
  /** A token with useful life left. Throws when none can be had. */
  accessToken(): Promise<string>;
  /** WeChat rejected `rejected`: returns a token other than it, refreshing only if it is still current. */
  replaceRejected(rejected: string): Promise<string>;
}

export interface WeChatApiClientOptions extends TransportOptions {
  tokens: AccessTokenSource;
}

export interface ApiCallOptions extends ApiRequest {
  /** Default true: adds `access_token` to the query. False for token and OAuth code endpoints. */
  accessToken?: boolean;
}

/** A binary answer (e.g. media/get); JSON error answers are thrown instead. */
export interface ApiDownload {
  contentType: string;
  bytes: Uint8Array;
}

export class WeChatApiClient {
  readonly #transport: TransportOptions;
  readonly #tokens: AccessTokenSource;

  constructor(options: WeChatApiClientOptions) {
    const { tokens, ...transport } = options;
    this.#transport = transport;
    this.#tokens = tokens;
  }

  /** GET `path` with `query`; resolves with the parsed JSON body (ids as strings). */
  get<T = Record<string, unknown>>(
    path: string,
    query?: ApiRequest["query"],
    options: ApiCallOptions = {},
  ) {
    return this.call<T>(path, { ...options, method: "GET", query: { ...options.query, ...query } });
  }

  /** POST `json` to `path`; resolves with the parsed JSON body (ids as strings). */
  post<T = Record<string, unknown>>(path: string, json: unknown, options: ApiCallOptions = {}) {
    return this.call<T>(path, { ...options, method: "POST", json });
  }

  /** Any JSON API call. Throws `WeChatApiError` for an errcode, `WeChatTransportError` for no answer. */
  async call<T = Record<string, unknown>>(path: string, options: ApiCallOptions = {}): Promise<T> {
    return (await this.#withToken(options, (request) =>
      callJson(this.#transport, path, request),
    )) as T;
  }

  /** A call whose success is a binary body (media/get, material); JSON bodies are checked for errcodes. */
  async download(path: string, options: ApiCallOptions = {}): Promise<ApiDownload> {
    return this.#withToken(options, async (request) => {
      const answer = await exchange(this.#transport, path, request);
      const looksJson = /json|text\/plain/i.test(answer.contentType);
      if (looksJson || answer.status < 200 || answer.status > 299) readJson(answer, path);
      return { contentType: answer.contentType, bytes: answer.bytes };
    });
  }

  /** `GET /cgi-bin/get_api_domain_ip`: the cheapest call that proves the token works. */
  getApiDomainIp() {
    return this.get<{ ip_list: string[] }>("/cgi-bin/get_api_domain_ip");
  }

  async #withToken<R>(
    options: ApiCallOptions,
    send: (request: ApiRequest) => Promise<R>,
  ): Promise<R> {
    const { accessToken: needsToken = true, ...request } = options;
    if (!needsToken) return send(request);
    const token = await this.#tokens.accessToken();
    try {
      return await send({ ...request, query: { ...request.query, access_token: token } });
    } catch (error) {
      if (!(error instanceof WeChatApiError) || !isTokenRejected(error.errcode)) throw error;
      const replacement = await this.#tokens.replaceRejected(token);
      return send({ ...request, query: { ...request.query, access_token: replacement } });
    }
  }
}

export { WeChatApiError, WeChatTransportError };
