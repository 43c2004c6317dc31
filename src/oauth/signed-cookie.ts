/**
 * Signed cookie values: base64url(JSON) "." base64url(HMAC-SHA256). Integrity only: the payload
 * is readable by the browser, so it never holds a credential (the OAuth user token is dropped at
 * the callback; see routes.ts).
 *
 * The key is SESSION_SECRET when set, else derived from WECHAT_APPSECRET, so no new required
 * variable: HMAC(secret, "wechat-edge/<purpose>") gives a separate key per purpose, so a state
 * cookie can never pass as a session. Resetting the appsecret (or SESSION_SECRET) signs everyone out.
 */
import type { WeChatConfig } from "../config";
import { fromBase64, toBase64, utf8 } from "../wechat/encoding";

type CookiePurpose = "session" | "oauth-state";

function base64url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  const padded = text.replace(/-/g, "+").replace(/_/g, "/");
  return fromBase64(padded + "=".repeat((4 - (padded.length % 4)) % 4));
}

/** undefined when neither SESSION_SECRET nor WECHAT_APPSECRET is set. */
export async function cookieKey(
  config: WeChatConfig,
  purpose: CookiePurpose,
): Promise<CryptoKey | undefined> {
  const secret =
    config.sessionSecret ?? (config.appSecret ? `appsecret:${config.appSecret}` : undefined);
  if (!secret) return undefined;
  const base = await crypto.subtle.importKey(
    "raw",
    utf8(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const derived = await crypto.subtle.sign("HMAC", base, utf8(`wechat-edge/${purpose}`));
  return crypto.subtle.importKey("raw", derived, { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
}

export async function signValue(key: CryptoKey, payload: object): Promise<string> {
  const body = base64url(utf8(JSON.stringify(payload)));
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8(body)));
  return `${body}.${base64url(mac)}`;
}

/** The payload when the signature holds (checked in constant time by WebCrypto), else undefined. */
export async function verifyValue(key: CryptoKey, value: string | undefined): Promise<unknown> {
  if (!value) return undefined;
  const [body, mac, extra] = value.split(".");
  if (!body || !mac || extra !== undefined) return undefined;
  const macBytes = fromBase64url(mac);
  const bodyBytes = fromBase64url(body);
  if (!macBytes || !bodyBytes) return undefined;
  if (!(await crypto.subtle.verify("HMAC", key, macBytes, utf8(body)))) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bodyBytes));
  } catch {
    return undefined;
  }
}
