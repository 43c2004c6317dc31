/**
 * One signature, one use: every request whose signature is accepted (the URL check, a plaintext
 * push, an encrypted push) records its (timestamp, nonce) pair with the request's kind and a
 * fingerprint of what it carried, for as long as its timestamp is inside the accepted window.
 * The same pair again with the same kind and content is a true retry (WeChat re-sends a push it
 * got no answer to); with another kind or other content it is a replay: `signature` covers only
 * token, timestamp and nonce, so a pair lifted from a captured URL check or encrypted push would
 * otherwise sign any plaintext body.
 *
 * Every check must finish before its request is answered, and a forgery can arrive at any
 * isolate at any moment, so the check is a Durable Object call each time: the call a push makes
 * anyway, batched per isolate and carrying the rest of the push's ledger traffic
 * (ledger-exchange.ts).
 */
import type { Env } from "../env";
import { toHex, utf8 } from "../wechat/encoding";
import { isolateMemory } from "./isolate-memory";
import type { SignatureCheck } from "./push-ledger";

/** What a signature was accepted for: one pair serves one of these, once. */
export type SignedRequestKind = "url-check" | "plaintext-push" | "encrypted-push";

/**
 * Records one use of a (timestamp, nonce) pair: "fresh" the first time, "retry" for the same
 * request again, "conflict" for anything else under the same pair. `content` is what the
 * request carried: the body of a push, the echostr of a URL check. `partition` is the account's
 * (its appid; undefined for the single account): each account's pairs are its own.
 */
export async function checkSignatureUse(
  env: Pick<Env, "PUSH_LEDGER">,
  pair: { timestamp: string; nonce: string },
  kind: SignedRequestKind,
  content: string,
  toleranceSeconds: number,
  waitUntil: (promise: Promise<unknown>) => void,
  partition?: string,
): Promise<SignatureCheck> {
  // The kind is part of what is fingerprinted: the same bytes under another kind conflict too.
  const fingerprint = toHex(await crypto.subtle.digest("SHA-256", utf8(`${kind}\n${content}`)));
  // Kept until the timestamp itself leaves the window: after that the request is refused anyway.
  const expiresAt = (Number(pair.timestamp) + toleranceSeconds + 60) * 1000;
  return isolateMemory(env)
    .line(partition)
    .check(
      env,
      { timestamp: pair.timestamp, nonce: pair.nonce, fingerprint, expiresAt },
      waitUntil,
    );
}
