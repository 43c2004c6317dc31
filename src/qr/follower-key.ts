/**
 * The keyed hash that stands in for an openid in the scan stats.
 *
 * An unfollow must be matched to the scene its follower came through, which needs a stable
 * identifier, but the openid itself is personal data the stats do not need. HMAC-SHA256 with a
 * key only the Worker holds gives a stable, unlinkable stand-in: without the key nobody (nor a
 * leaked copy of the storage) can test an openid against it. The key is derived from a secret the
 * Worker already has (WECHAT_APPSECRET, else WECHAT_TOKEN), with a purpose label, so it is never
 * the secret itself. Rotating that secret orphans earlier hashes: unfollows of people who followed
 * before the rotation are then not attributed (counts already made stay).
 */
import type { WeChatConfig } from "../config";
import { toHex, utf8 } from "../wechat/encoding";

const PURPOSE = "wechat-edge/qr-attribution/v1";

async function hmac(key: Uint8Array<ArrayBuffer>, data: string): Promise<ArrayBuffer> {
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    key,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return crypto.subtle.sign("HMAC", cryptoKey, utf8(data));
}

const keys = new Map<string, Promise<CryptoKey>>();

function followerHashKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = hmac(utf8(secret), PURPOSE).then((derived) =>
      crypto.subtle.importKey("raw", derived, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]),
    );
    keys.clear();
    keys.set(secret, key);
  }
  return key;
}

/** 128 bits of HMAC-SHA256(derived key, openid), as hex. */
export async function followerKey(
  config: Pick<WeChatConfig, "appSecret"> & { token: string },
  openid: string,
): Promise<string> {
  const key = await followerHashKey(config.appSecret ?? config.token);
  const mac = await crypto.subtle.sign("HMAC", key, utf8(openid));
  return toHex(new Uint8Array(mac).subarray(0, 16));
}
