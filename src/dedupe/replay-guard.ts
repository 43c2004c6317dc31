/**
 * Refuses replayed signatures in plaintext mode, where `signature` covers only token, timestamp
 * and nonce, not the body: a captured push could be re-sent with another body for as long as its
 * timestamp is inside the accepted window. (In AES modes `msg_signature` covers the body.)
 */
import type { Env } from "../env";
import { toHex, utf8 } from "../wechat/encoding";
import { signatureLedger } from "./ledger-shard";
import type { SignatureCheck } from "./push-ledger";

export async function checkReplayedSignature(
  env: Pick<Env, "PUSH_LEDGER">,
  push: { timestamp: string; nonce: string },
  body: string,
  toleranceSeconds: number,
): Promise<SignatureCheck> {
  const fingerprint = toHex(await crypto.subtle.digest("SHA-256", utf8(body)));
  const ledger = signatureLedger(env, push.timestamp, push.nonce);
  // Kept until the timestamp itself leaves the window: after that the push is refused anyway.
  const expiresAt = (Number(push.timestamp) + toleranceSeconds + 60) * 1000;
  return ledger.checkSignature(push.timestamp, push.nonce, fingerprint, expiresAt);
}
