/**
 * Whether a /qr request carries the admin key. /qr is public, so unlike `adminAuth()` (which
 * hides /admin when ADMIN_KEY is unset) this only classifies the caller: no Authorization header
 * is an ordinary visitor, a correct key is the operator, anything else is refused by the route.
 * Compared in constant time over SHA-256 digests, as adminAuth does.
 */
import { utf8 } from "../wechat/encoding";

export type Caller = "visitor" | "admin" | "bad-key";

async function sameSecret(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", utf8(given)),
    crypto.subtle.digest("SHA-256", utf8(expected)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}

export async function classifyCaller(
  authorization: string | undefined,
  adminKey: string | undefined,
): Promise<Caller> {
  if (authorization === undefined || authorization.trim() === "") return "visitor";
  const match = /^Bearer +(\S+) *$/i.exec(authorization);
  if (!adminKey || !match?.[1]) return "bad-key";
  return (await sameSecret(match[1], adminKey)) ? "admin" : "bad-key";
}
