/**
 * WeChat's side of message encryption, for the fake's component pushes: written from WeChat's
 * description (消息加解密技术方案) with nothing but WebCrypto, independent of the Worker's own
 * src/wechat/message-crypt.ts, so a push the fake builds checks the Worker rather than agreeing
 * with it by construction. Node runs the fake directly (serve.ts), so no import from src/.
 *
 * Encrypt = base64(AES-256-CBC(random(16) ‖ len(4, big-endian) ‖ xml ‖ appid, padded to 32)),
 * key = base64(EncodingAESKey + "="), IV = key[0..16); signatures are SHA-1 of the sorted parts.
 */

const encoder = new TextEncoder();

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The `Encrypt` field of a push for `appid`, as WeChat builds it. */
export async function wechatEncrypt(
  encodingAESKey: string,
  appid: string,
  xml: string,
): Promise<string> {
  const raw = fromBase64(`${encodingAESKey}=`);
  const key = await crypto.subtle.importKey("raw", raw, "AES-CBC", false, ["encrypt"]);
  const body = encoder.encode(xml);
  const id = encoder.encode(appid);
  const length = 16 + 4 + body.length + id.length;
  const pad = 32 - (length % 32);
  const plain = new Uint8Array(length + pad);
  plain.set(crypto.getRandomValues(new Uint8Array(16)), 0);
  new DataView(plain.buffer).setUint32(16, body.length, false);
  plain.set(body, 20);
  plain.set(id, 20 + body.length);
  plain.fill(pad, length);
  const cipher = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-CBC", iv: raw.slice(0, 16) }, key, plain),
  );
  // WebCrypto appends a block of its own padding; WeChat's 32-byte padding is already in place.
  return toBase64(cipher.subarray(0, plain.length));
}

/** sha1 of the sorted, concatenated parts, lowercase hex: `signature` and `msg_signature`. */
export async function wechatSignature(parts: string[]): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", encoder.encode([...parts].sort().join("")));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** `<xml>` with one element per field: numbers bare, text in CDATA, as WeChat writes them. */
export function xmlOf(fields: Record<string, string | number>): string {
  const inner = Object.entries(fields)
    .map(([name, value]) =>
      typeof value === "number"
        ? `<${name}>${value}</${name}>`
        : `<${name}><![CDATA[${value.replaceAll("]]>", "]]]]><![CDATA[>")}]]></${name}>`,
    )
    .join("");
  return `<xml>${inner}</xml>`;
}
