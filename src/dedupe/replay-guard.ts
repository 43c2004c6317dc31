/**
 * Refuses replayed signatures in plaintext mode, where `signature` covers only token, timestamp
 * and nonce, not the body: a captured push could be re-sent with another body for as long as its
 * timestamp is inside the accepted window. (In AES modes `msg_signature` covers the body.)
 *
 * Every plaintext push must be checked before its handler runs, and a forgery can arrive at any
 * isolate at any moment, so the check is a Durable Object call each time. Calls are batched per
 * isolate without waiting: the first check goes out at once, and the checks that arrive while it
 * is out go together in the next call. Under load that turns a round trip per push into one per
 * batch (npm run bench: the largest cost of a plaintext push), and costs nothing when idle.
 */
import type { Env } from "../env";
import { toHex, utf8 } from "../wechat/encoding";
import { signatureLedger } from "./ledger-shard";
import type { SignatureCheck, SignatureClaim } from "./push-ledger";

/** Checks per call; beyond it the rest wait for the next call. */
const MAX_BATCH = 256;
/** A check without an answer by then counts as the ledger being unavailable. */
export const CHECK_TIMEOUT_MS = 2_000;

export async function checkReplayedSignature(
  env: Pick<Env, "PUSH_LEDGER">,
  push: { timestamp: string; nonce: string },
  body: string,
  toleranceSeconds: number,
  waitUntil: (promise: Promise<unknown>) => void,
): Promise<SignatureCheck> {
  const fingerprint = toHex(await crypto.subtle.digest("SHA-256", utf8(body)));
  // Kept until the timestamp itself leaves the window: after that the push is refused anyway.
  const expiresAt = (Number(push.timestamp) + toleranceSeconds + 60) * 1000;
  return batcherFor(env).check(
    env,
    { timestamp: push.timestamp, nonce: push.nonce, fingerprint, expiresAt },
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
      clearTimeout(timer);
    }
  }

  async #send(env: Pick<Env, "PUSH_LEDGER">): Promise<void> {
    this.#sending = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, MAX_BATCH);
        try {
          const results = await signatureLedger(env).checkSignatures(batch.map((p) => p.claim));
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

const batchers = new WeakMap<object, SignatureBatcher>();

/** This isolate's batcher for the ledger namespace `env.PUSH_LEDGER`. */
function batcherFor(env: Pick<Env, "PUSH_LEDGER">): SignatureBatcher {
  let batcher = batchers.get(env.PUSH_LEDGER);
  if (!batcher) {
    batcher = new SignatureBatcher();
    batchers.set(env.PUSH_LEDGER, batcher);
  }
  return batcher;
}
