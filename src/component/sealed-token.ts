/**
 * An authorizer_refresh_token at rest: AES-256-GCM under a key derived from the component's own
 * secrets (component-keys.ts), with the authoriser's appid as additional data, so a sealed token
 * copied under another authoriser does not open. A fresh 12-byte IV per seal.
 *
 * Durable Object storage is private to the account, but a refresh token is a long-lived
 * credential WeChat will not show again without a re-authorisation ("一旦丢失，只能让用户重新授权"):
 * sealing it means a storage export or a debugging dump holds nothing usable.
 */
import { concatBytes, fromBase64, fromUtf8, toBase64, utf8 } from "../wechat/encoding";
import { componentKey } from "./component-keys";
import type { ComponentSettings } from "./settings";

type KeySettings = Pick<
  ComponentSettings,
  "componentAppId" | "componentAppSecret" | "encodingAESKey"
>;

const IV_BYTES = 12;

/** `v1.` + base64(iv ‖ ciphertext with tag). */
export async function sealRefreshToken(
  settings: KeySettings,
  authorizerAppId: string,
  refreshToken: string,
): Promise<string> {
  const key = await componentKey(settings, "refresh-token");
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const cipher = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: utf8(authorizerAppId) },
    key,
    utf8(refreshToken),
  );
  return `v1.${toBase64(concatBytes(iv, new Uint8Array(cipher)))}`;
}

/** The refresh token, or undefined when it does not open (another key, another appid, tampered). */
export async function openRefreshToken(
  settings: KeySettings,
  authorizerAppId: string,
  sealed: string,
): Promise<string | undefined> {
  if (!sealed.startsWith("v1.")) return undefined;
  const bytes = fromBase64(sealed.slice(3));
  if (!bytes || bytes.length <= IV_BYTES + 16) return undefined;
  try {
    const key = await componentKey(settings, "refresh-token");
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes.slice(0, IV_BYTES), additionalData: utf8(authorizerAppId) },
      key,
      bytes.slice(IV_BYTES),
    );
    return fromUtf8(new Uint8Array(plain));
  } catch {
    return undefined;
  }
}
