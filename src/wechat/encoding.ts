/** Byte and text helpers shared by the protocol core. Web-standard only, so the core runs anywhere. */

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return utf8Encoder.encode(text) as Uint8Array<ArrayBuffer>;
}

/** Decodes UTF-8 strictly: invalid bytes throw, so garbage from a wrong key is never mistaken for text. */
export function fromUtf8(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}

export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return nativeToHex ? nativeToHex.call(view) : portableToHex(view);
}

const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

// workerd (like current V8 engines) has native hex and base64 on Uint8Array, cheaper than the
// atob/btoa round trip through binary strings, which showed in safe-mode profiles. Other runtimes
// (Node 24, older browsers) take the portable paths below, which test/wechat/encoding.test.ts
// holds to the native ones.
const native = Uint8Array as unknown as {
  fromBase64?: (text: string) => Uint8Array<ArrayBuffer>;
  fromHex?: (text: string) => Uint8Array<ArrayBuffer>;
  prototype: { toBase64?: () => string; toHex?: () => string };
};
const nativeFromBase64 = native.fromBase64;
const nativeToBase64 = native.prototype.toBase64;
const nativeToHex = native.prototype.toHex;
const nativeFromHex = native.fromHex;

const HEX_PATTERN = /^(?:[0-9a-fA-F]{2})*$/;

/** Decodes hex of either case; undefined for anything but an even run of hex digits. */
export function fromHex(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (nativeFromHex) {
    // The native decoder refuses anything else by throwing: no pattern pass needed.
    try {
      return nativeFromHex(text);
    } catch {
      return undefined;
    }
  }
  return portableFromHex(text);
}

/** Decodes standard base64; returns undefined for anything that is not strictly base64. */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (nativeFromBase64) {
    // What the pattern below accepts, without a pattern pass over the text (on a safe-mode push
    // it cost as much as the decoding): a length in whole quanta means the padding is there
    // (spare bits may be set, as in an EncodingAESKey + "="); the native decoder skips white
    // space, which the length check catches, since every skipped character shortens the output.
    if (text.length % 4 !== 0) return undefined;
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = nativeFromBase64(text);
    } catch {
      return undefined;
    }
    const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
    return bytes.length === (text.length / 4) * 3 - padding ? bytes : undefined;
  }
  return portableFromBase64(text);
}

export function toBase64(bytes: Uint8Array): string {
  return nativeToBase64 ? nativeToBase64.call(bytes) : portableToBase64(bytes);
}

// The portable paths, for runtimes without the native methods. Exported for the test that
// holds them to the native ones; everything else calls the functions above.

export function portableToHex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}

export function portableFromHex(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!HEX_PATTERN.test(text)) return undefined;
  const bytes = new Uint8Array(text.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

export function portableFromBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!BASE64_PATTERN.test(text)) return undefined;
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function portableToBase64(bytes: Uint8Array): string {
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Random letters and digits, e.g. for nonces; uses the platform CSPRNG. */
export function randomAlphanumeric(length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = "";
  // 62 does not divide 256: the slight bias is irrelevant for nonces, which need uniqueness, not secrecy.
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
}
