/**
 * One HTTP answer for every expected failure of a WeChat API call, for routes that call WeChat on
 * a visitor's or operator's behalf: 503 when no token can be had or WeChat cannot be reached, 502
 * when WeChat answered with an errcode. Anything else is a bug and is rethrown.
 *
 * Two audiences. A public answer (/qr, /jssdk, /oauth: anyone on the internet) carries WeChat's
 * errcode and our own one-line hint, never WeChat's errmsg: for 40164 it names the Worker's egress
 * IP, and other messages carry request ids. The operator's answer (/admin/*, behind the admin key)
 * carries everything. Neither ever carries a credential; the full detail also goes to the log.
 */
import { log } from "../log";
import { hintFor, WeChatApiError, WeChatTransportError } from "../wechat/api/errors";
import { TokenUnavailableError } from "../token";

const NO_STORE = { "cache-control": "no-store" };

type ErrorAudience = "public" | "operator";

export function apiErrorResponse(error: unknown, audience: ErrorAudience = "operator"): Response {
  if (audience === "public") return publicAnswer(error);
  if (error instanceof TokenUnavailableError) {
    return Response.json(
      {
        error: error.reason,
        ...(error.upstream
          ? {
              errcode: error.upstream.errcode,
              errmsg: error.upstream.errmsg,
              hint: error.upstream.hint,
              ...(error.upstream.ip ? { ip: error.upstream.ip } : {}),
            }
          : {}),
        retry_after: error.retryAfterSeconds,
      },
      { status: 503, headers: retryAfter(error.retryAfterSeconds) },
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

function publicAnswer(error: unknown): Response {
  if (error instanceof TokenUnavailableError) {
    log.warn("api.unavailable", {
      reason: error.reason,
      errcode: error.upstream?.errcode,
      errmsg: error.upstream?.errmsg,
    });
    const errcode = error.upstream?.errcode;
    return Response.json(
      {
        error: "this account cannot reach WeChat's API right now",
        ...(errcode !== undefined ? { errcode, hint: hintFor(errcode) } : {}),
        retry_after: error.retryAfterSeconds,
      },
      { status: 503, headers: retryAfter(error.retryAfterSeconds) },
    );
  }
  if (error instanceof WeChatApiError) {
    log.warn("api.refused", { path: error.path, errcode: error.errcode, errmsg: error.errmsg });
    return Response.json(
      {
        error: `WeChat answered errcode ${error.errcode}`,
        errcode: error.errcode,
        hint: hintFor(error.errcode),
      },
      { status: 502, headers: NO_STORE },
    );
  }
  if (error instanceof WeChatTransportError) {
    log.warn("api.unreachable", { path: error.path, kind: error.kind, status: error.status });
    return Response.json(
      { error: "WeChat could not be reached", hint: error.hint },
      { status: 503, headers: NO_STORE },
    );
  }
  throw error;
}

function retryAfter(seconds: number) {
  return { ...NO_STORE, "retry-after": String(Math.max(1, seconds)) };
}
