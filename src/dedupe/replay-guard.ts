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
 * isolate at any moment, so the check is a Durable Object call each time. Calls are batched per
 * isolate without waiting: the first check goes out at once, and the checks that arrive while it
 * is out go together in the next call. Under load that turns a round trip per request into one
 * per batch, and costs nothing when idle.
 */
import type { Env } from "../env";
import { toHex, utf8 } from "../wechat/encoding";
import { signatureLedger } from "./ledger-shard";
import type { SignatureCheck, SignatureClaim } from "./push-ledger";

/** Checks per call; beyond it the rest wait for the next call. */
const MAX_BATCH = 256;
/** A check without an answer by then counts as the ledger being unavailable. */
const CHECK_TIMEOUT_MS = 2_000;

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
  return batcherFor(env, partition).check(
    env,
    { timestamp: pair.timestamp, nonce: pair.nonce, fingerprint, expiresAt },
    waitUntil,
  );
}

interface PendingCheck {
  claim: SignatureClaim;
  resolve: (result: SignatureCheck) => void;
  reject: (error: unknown) => void;
}

class SignatureBatcher {
  #queue: PendingCheck[] = [];
  #sending = false;

  constructor(readonly partition: string | undefined) {}

  async check(
    env: Pick<Env, "PUSH_LEDGER">,
    claim: SignatureClaim,
    waitUntil: (promise: Promise<unknown>) => void,
  ): Promise<SignatureCheck> {
    const answer = new Promise<SignatureCheck>((resolve, reject) => {
      this.#queue.push({ claim, resolve, reject });
      // The request that finds nobody sending sends, for as long as checks keep coming; its
      // waitUntil keeps the calls it makes for the others alive after its own answer is out.
      if (!this.#sending) waitUntil(this.#send(env));
    });
    // The answer may come from another request's call. workerd runs this request's continuation
    // in its own context, but cancels a request that waits on nothing of its own as hung: the
    // timer is that something, and bounds the wait.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expiry = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer from the signature ledger in ${CHECK_TIMEOUT_MS} ms`)),
        CHECK_TIMEOUT_MS,
      );
    });
    try {
      return await Promise.race([answer, expiry]);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  async #send(env: Pick<Env, "PUSH_LEDGER">): Promise<void> {
    this.#sending = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, MAX_BATCH);
        try {
          const results = await signatureLedger(env, this.partition).checkSignatures(
            batch.map((p) => p.claim),
          );
          batch.forEach((pending, i) => pending.resolve(results[i]!));
        } catch (error) {
          for (const pending of batch) pending.reject(error);
        }
      }
    } finally {
      this.#sending = false;
    }
  }
}

/** Per ledger namespace: the single account's batcher, and one per other account's partition. */
interface NamespaceBatchers {
  single: SignatureBatcher;
  partitions: Map<string, SignatureBatcher>;
}

const batchers = new WeakMap<object, NamespaceBatchers>();

/** This isolate's batcher for the ledger namespace `env.PUSH_LEDGER` and the account's partition. */
function batcherFor(env: Pick<Env, "PUSH_LEDGER">, partition: string | undefined) {
  let known = batchers.get(env.PUSH_LEDGER);
  if (!known) {
    known = { single: new SignatureBatcher(undefined), partitions: new Map() };
    batchers.set(env.PUSH_LEDGER, known);
  }
  if (partition === undefined) return known.single;
  let batcher = known.partitions.get(partition);
  if (!batcher) {
    batcher = new SignatureBatcher(partition);
    known.partitions.set(partition, batcher);
  }
  return batcher;
}
