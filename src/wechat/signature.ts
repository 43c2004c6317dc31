/**
 * WeChat's request signatures (消息签名).
 *
 * `signature = sha1(sort([token, timestamp, nonce]).join(""))` signs every push and the URL check;
 * `msg_signature` adds the `Encrypt` field. The sort is plain code-unit order (JS default sort),
 * and the digest is lowercase hex. Comparison is constant-time.
 */
import { fromHex, toHex, utf8 } from "./encoding";

export async function sha1Hex(text: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-1", utf8(text)));
}

/** sha1 of the sorted, concatenated parts: the shape of every WeChat signature. */
export async function signParts(parts: readonly string[]): Promise<string> {
  return toHex(await signedDigest(parts));
}

async function signedDigest(parts: readonly string[]): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-1", utf8([...parts].sort().join(""))));
}

/** `signature` of a push or URL verification request. */
export function computeSignature(token: string, timestamp: string, nonce: string): Promise<string> {
  return signParts([token, timestamp, nonce]);
}

/** `msg_signature` of an encrypted push, and `MsgSignature` of an encrypted reply. */
export function computeMsgSignature(
  token: string,
  timestamp: string,
  nonce: string,
  encrypt: string,
): Promise<string> {
  return signParts([token, timestamp, nonce, encrypt]);
}

/**
 * Constant-time string equality. workerd provides `crypto.subtle.timingSafeEqual`; elsewhere
 * (Node, for development tools) an XOR fold gives the same guarantee for equal lengths.
 */
export function timingSafeEqualText(a: string, b: string): boolean {
  const left = utf8(a);
  const right = utf8(b);
  if (left.length !== right.length) return false;
  return timingSafeEqualBytes(left, right);
}

/**
 * Checks a claimed signature against the expected one; a non-hex or wrong-length claim is false.
 * The digest's bytes are compared with the claim's, so nothing is encoded to text on the way.
 */
export async function verifySignedParts(
  parts: readonly string[],
  claimed: string,
): Promise<boolean> {
  const claimedBytes = fromHex(claimed);
  const expected = await signedDigest(parts);
  if (!claimedBytes || claimedBytes.length !== expected.length) return false;
  return timingSafeEqualBytes(expected, claimedBytes);
}

/**
 * Constant-time equality of two equal-length byte arrays: workerd's own where it has one, the
 * portable XOR fold elsewhere. The one constant-time compare of the library.
 */
export function timingSafeEqualBytes(left: Uint8Array, right: Uint8Array): boolean {
  const subtle = crypto.subtle as SubtleCrypto & {
    timingSafeEqual?: (x: ArrayBufferView, y: ArrayBufferView) => boolean;
  };
  if (typeof subtle.timingSafeEqual === "function") return subtle.timingSafeEqual(left, right);
  return portableTimingSafeEqual(left, right);
}

/**
 * The XOR fold: every byte is looked at whatever the earlier ones gave. Exported for the test
 * that holds it to workerd's `crypto.subtle.timingSafeEqual`.
 */
export function portableTimingSafeEqual(left: Uint8Array, right: Uint8Array): boolean {
  let diff = 0;
  for (let i = 0; i < left.length; i++) diff |= left[i]! ^ right[i]!;
  return diff === 0;
}
