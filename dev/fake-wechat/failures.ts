/** Failures the fake can be told to produce, the way WeChat (or the network) produces them. */
import { errorAnswer, jsonAnswer } from "./endpoints/types.ts";

export type Failure =
  /** errcode -1 "system error". */
  | "busy"
  /** HTTP 500 with an HTML body, as a gateway in front of WeChat would answer. */
  | "http500"
  /** No answer at all until the caller gives up (its AbortSignal) or the server closes. */
  | "hang"
  /** 45009 reach max api daily quota limit. */
  | "quota"
  /** 40164 with the given caller IP. */
  | { ipNotWhitelisted: string }
  | { errcode: number; errmsg: string };

export interface InjectedFailure {
  failure: Failure;
  /** Path it applies to; undefined for every path. */
  path?: string;
  /** How many requests it still applies to. */
  remaining: number;
}

export function failureAnswer(failure: Exclude<Failure, "hang">): Response {
  if (failure === "busy") return errorAnswer(-1, "system error");
  if (failure === "http500") {
    return new Response("<html><body>500 Internal Server Error</body></html>", {
      status: 500,
      headers: { "content-type": "text/html" },
    });
  }
  if (failure === "quota") return errorAnswer(45009, "reach max api daily quota limit");
  if ("ipNotWhitelisted" in failure) {
    const ip = failure.ipNotWhitelisted;
    return errorAnswer(40164, `invalid ip ${ip} ipv6 ::ffff:${ip}, not in whitelist`);
  }
  return failure.errcode === 0 ? jsonAnswer(failure) : errorAnswer(failure.errcode, failure.errmsg);
}

/** Resolves never; rejects when `signal` aborts, like a fetch to a server that does not answer. */
export function hang(signal: AbortSignal | undefined): Promise<Response> {
  return new Promise((_, reject) => {
    signal?.addEventListener("abort", () => reject(signal.reason ?? new Error("aborted")), {
      once: true,
    });
  });
}
