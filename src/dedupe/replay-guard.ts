/**
 * Refuses replayed signatures in plaintext mode, where `signature` covers only token, timestamp
 * and nonce, not the body: a captured push could be re-sent with another body for as long as its
 * timestamp is inside the accepted window. (In AES modes `msg_signature` covers the body.)
 */
import type { Env } from "../env";
import { toHex, utf8 } from "../wechat/encoding";
import type { SignatureCheck } from "./push-ledger";

// Spreads pairs over instances by hour and nonce, so no single instance takes all the traffic.
const SHARDS = 16;

function shardOf(timestamp: string, nonce: string): string {
  let hash = 0;
  for (let i = 0; i < nonce.length; i++) hash = (hash * 31 + nonce.charCodeAt(i)) >>> 0;
  return `sig:${Math.floor(Number(timestamp) / 3600)}:${hash % SHARDS}`;
}

export async function checkReplayedSignature(
  env: Pick<Env, "PUSH_LEDGER">,
  push: { timestamp: string; nonce: string },
  body: string,
  toleranceSeconds: number,
): Promise<SignatureCheck> {
  const fingerprint = toHex(await crypto.subtle.digest("SHA-256", utf8(body)));
  const ledger = env.PUSH_LEDGER.get(
    env.PUSH_LEDGER.idFromName(shardOf(push.timestamp, push.nonce)),
  );
  // Kept until the timestamp itself leaves the window: after that the push is refused anyway.
  const expiresAt = (Number(push.timestamp) + toleranceSeconds + 60) * 1000;
  return ledger.checkSignature(push.timestamp, push.nonce, fingerprint, expiresAt);
}
