/**
 * The one check of `Authorization: Bearer <ADMIN_KEY>`, for /admin/*, /qr and /healthz.
 *
 * Keys are compared in constant time over SHA-256 digests, so neither a key's content nor its
 * length leaks through timing. ADMIN_KEY may hold two keys while it is rotated; both are always
 * compared, so the timing does not say which one matched.
 */
import { utf8 } from "../wechat/encoding";
import { timingSafeEqualBytes } from "../wechat/signature";

/** no-header: an ordinary caller; admin: a key that matches; wrong-key: anything else. */
type BearerCaller = "no-header" | "admin" | "wrong-key";

const BEARER = /^Bearer +(\S+) *$/i;

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", utf8(text)));
}

/** Whether `given` equals one of `keys`, in time that depends on neither. */
async function matchesOne(given: string, keys: readonly string[]): Promise<boolean> {
  const [claimed, ...expected] = await Promise.all([given, ...keys].map(digest));
  let matched = false;
  for (const key of expected) {
    // No short cut: every key is compared whatever the earlier ones gave.
    matched = timingSafeEqualBytes(claimed!, key) || matched;
  }
  return matched;
}

/**
 * Classifies a request by its Authorization header against the admin keys. With no usable key
 * configured, any header is a wrong key.
 */
export async function classifyBearer(
  authorization: string | null | undefined,
  keys: readonly string[] | undefined,
): Promise<BearerCaller> {
  if (authorization === undefined || authorization === null || authorization.trim() === "") {
    return "no-header";
  }
  const given = BEARER.exec(authorization)?.[1];
  if (!given || !keys || keys.length === 0) return "wrong-key";
  return (await matchesOne(given, keys)) ? "admin" : "wrong-key";
}
