/**
 * One HTTP answer for every expected failure of a WeChat API call, for routes that call WeChat on a
 * visitor's or operator's behalf: 503 when no token can be had or WeChat cannot be reached, 502
 * when WeChat answered with an errcode. The body is one reason, the errcode and its hint; never a
 * credential. Anything else is a bug and is rethrown.
 */
import { WeChatApiError, WeChatTransportError } from "../wechat/api/errors";
import { TokenUnavailableError } from "./errors";

const NO_STORE = { "cache-control": "no-store" };

export function apiErrorResponse(error: unknown): Response {
  if (error instanceof TokenUnavailableError) {
    return Response.json(
      {
        error: error.reason,
        ...(error.upstream
          ? {
              errcode: error.upstream.errcode,
              hint: error.upstream.hint,
              ...(error.upstream.ip ? { ip: error.upstream.ip } : {}),
            }
          : {}),
        retry_after: error.retryAfterSeconds,
      },
      {
        status: 503,
        headers: { ...NO_STORE, "retry-after": String(Math.max(1, error.retryAfterSeconds)) },
      },
    );
  }
  if (error instanceof WeChatApiError) {
    return Response.json(
      { error: `WeChat answered errcode ${error.errcode}`, ...error.toJSON() },
      { status: 502, headers: NO_STORE },
    );
  }
  if (error instanceof WeChatTransportError) {
    return Response.json(
      { error: error.message, hint: error.hint },
      { status: 503, headers: NO_STORE },
    );
  }
  throw error;
}
