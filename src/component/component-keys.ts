/**
 * Keys the component derives from its own secrets, so that it needs no new setting: HKDF-SHA256
 * over WECHAT_COMPONENT_APPSECRET and WECHAT_COMPONENT_AES_KEY, salted with the component appid,
 * one `info` label per use, so no key serves two purposes.
 *
 * - `refresh-token`: AES-GCM, seals each authorizer_refresh_token at rest (sealed-token.ts).
 * - `authorize-link`: HMAC-SHA256, signs the authorisation links the vendor hands out
 *   (authorize-link.ts).
 *
 * The trade-off: rotating either secret changes the keys. Links signed before stop verifying
 * (they expire anyway), and sealed refresh tokens no longer open; the authoriser's authority
 * then asks WeChat for the refresh token again (api_get_authorizer_info returns it) and reseals
 * it under the new key, so no re-authorisation is needed.
 */
import { utf8 } from "../wechat/encoding";
import type { ComponentSettings } from "./settings";

type KeyPurpose = "refresh-token" | "authorize-link";

const ALGORITHMS = {
  "refresh-token": { name: "AES-GCM", length: 256 },
  "authorize-link": { name: "HMAC", hash: "SHA-256", length: 256 },
} as const;

const USAGES: Record<KeyPurpose, ("encrypt" | "decrypt" | "sign" | "verify")[]> = {
  "refresh-token": ["encrypt", "decrypt"],
  "authorize-link": ["sign", "verify"],
};

// Deriving costs two WebCrypto calls; the secrets do not change within an isolate.
const derived = new Map<string, Promise<CryptoKey>>();

/** The key for `purpose`, derived from the component's secrets. */
export function componentKey(
  settings: Pick<ComponentSettings, "componentAppId" | "componentAppSecret" | "encodingAESKey">,
  purpose: KeyPurpose,
): Promise<CryptoKey> {
  // The parts are fixed-length (32 hex, 43 base64), so joining them is unambiguous.
  const material = `${settings.componentAppSecret}${settings.encodingAESKey}`;
  const id = `${purpose}\n${settings.componentAppId}\n${material}`;
  let key = derived.get(id);
  if (!key) {
    key = crypto.subtle
      .importKey("raw", utf8(material), "HKDF", false, ["deriveKey"])
      .then((base) =>
        crypto.subtle.deriveKey(
          {
            name: "HKDF",
            hash: "SHA-256",
            salt: utf8(settings.componentAppId),
            info: utf8(`wechat-edge component ${purpose} v1`),
          },
          base,
          ALGORITHMS[purpose],
          false,
          USAGES[purpose],
        ),
      );
    if (derived.size >= 8) derived.clear();
    derived.set(id, key);
  }
  return key;
}
