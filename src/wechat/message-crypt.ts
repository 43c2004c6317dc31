/**
 * Message encryption (消息加解密): AES-256-CBC with WeChat's framing.
 *
 * FullStr = random(16) ‖ msg_len(4, big-endian) ‖ msg(UTF-8) ‖ appid, padded PKCS#7-style to a
 * multiple of 32 (pad byte 1..32); key = base64(EncodingAESKey + "="), IV = key[0..16).
 *
 * WebCrypto only speaks 16-byte PKCS#7 and throws when it finds WeChat's pad byte above 16 (about
 * half of real traffic). So, without any userland AES: to decrypt we append one synthetic block
 * that decrypts to a full 16-byte pad (it is AES-CBC of empty input with the last ciphertext block
 * as IV), let WebCrypto strip that, then strip WeChat's pad ourselves; to encrypt we pad to 32
 * ourselves and drop the 16-byte block WebCrypto appends.
 *
 * CBC has no integrity: a wrong key yields garbage, not an error, so the length field, the pad
 * and the trailing appid are all checked before anything is believed.
 */
import { concatBytes, fromBase64, fromUtf8, toBase64, utf8 } from "./encoding";

const BLOCK = 16;
const EMPTY = new Uint8Array(0);
const WECHAT_PAD_BLOCK = 32;

export type MessageCryptFailure =
  | "invalid-aes-key"
  | "invalid-base64"
  | "invalid-block-length"
  | "invalid-padding"
  | "invalid-length-field"
  | "appid-mismatch"
  | "invalid-utf8";

const reasons: Record<MessageCryptFailure, string> = {
  "invalid-aes-key": "EncodingAESKey must be 43 base64 characters",
  "invalid-base64": "Encrypt is not valid base64",
  "invalid-block-length": "Encrypt is not a whole number of AES blocks",
  "invalid-padding": "ciphertext does not decrypt to valid padding (wrong EncodingAESKey?)",
  "invalid-length-field": "decrypted length field is out of range (wrong EncodingAESKey?)",
  "appid-mismatch": "decrypted message is for another appid",
  "invalid-utf8": "decrypted message is not valid UTF-8 (wrong EncodingAESKey?)",
};

/** An expected decryption failure; `reason` is one line, safe to show to the caller. */
export class MessageCryptError extends Error {
  override readonly name = "MessageCryptError";
  constructor(readonly code: MessageCryptFailure) {
    super(reasons[code]);
  }
}

export interface DecryptedMessage {
  message: string;
  appId: string;
  random: Uint8Array;
}

const ENCODING_AES_KEY_PATTERN = /^[A-Za-z0-9+/]{43}$/;

export function isValidEncodingAESKey(encodingAESKey: string): boolean {
  return ENCODING_AES_KEY_PATTERN.test(encodingAESKey);
}

// Importing a key costs more than an AES pass over a push; keys never change within an isolate.
const importedKeys = new Map<string, Promise<{ key: CryptoKey; iv: Uint8Array<ArrayBuffer> }>>();

function importKey(encodingAESKey: string) {
  let imported = importedKeys.get(encodingAESKey);
  if (!imported) {
    const raw = isValidEncodingAESKey(encodingAESKey)
      ? fromBase64(`${encodingAESKey}=`)
      : undefined;
    if (!raw || raw.length !== 32) return Promise.reject(new MessageCryptError("invalid-aes-key"));
    imported = crypto.subtle
      .importKey("raw", raw, { name: "AES-CBC" }, false, ["encrypt", "decrypt"])
      .then((key) => ({ key, iv: raw.slice(0, BLOCK) }));
    importedKeys.set(encodingAESKey, imported);
  }
  return imported;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Encrypts and decrypts the `Encrypt` field for one account (EncodingAESKey + appid). */
export class MessageCrypt {
  readonly #encodingAESKey: string;
  readonly #appId: string;
  /** The appid as it is framed: encoded once, compared and appended as bytes. */
  readonly #appIdBytes: Uint8Array;

  constructor(encodingAESKey: string, appId: string) {
    if (!isValidEncodingAESKey(encodingAESKey)) throw new MessageCryptError("invalid-aes-key");
    this.#encodingAESKey = encodingAESKey;
    this.#appId = appId;
    this.#appIdBytes = utf8(appId);
  }

  /** Encrypts a message; `random` (16 bytes) is fresh from the CSPRNG unless given (tests). */
  async encrypt(message: string, random?: Uint8Array): Promise<string> {
    const { key, iv } = await importKey(this.#encodingAESKey);
    const body = utf8(message);
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, body.length, false);
    const nonce = random ?? crypto.getRandomValues(new Uint8Array(BLOCK));
    if (nonce.length !== BLOCK) throw new RangeError("random must be 16 bytes");
    const full = concatBytes(nonce, length, body, this.#appIdBytes);
    const padLength = WECHAT_PAD_BLOCK - (full.length % WECHAT_PAD_BLOCK);
    const padded = concatBytes(full, new Uint8Array(padLength).fill(padLength));
    const cipher = new Uint8Array(
      await crypto.subtle.encrypt({ name: "AES-CBC", iv }, key, padded),
    );
    // WebCrypto appended a block of its own 16-byte padding; WeChat's pad is already in place.
    return toBase64(cipher.subarray(0, padded.length));
  }

  /** Decrypts an `Encrypt` field; throws MessageCryptError with a one-line reason on any doubt. */
  async decrypt(encrypt: string): Promise<DecryptedMessage> {
    const { key, iv } = await importKey(this.#encodingAESKey);
    const cipher = fromBase64(encrypt.trim());
    if (!cipher) throw new MessageCryptError("invalid-base64");
    if (cipher.length < WECHAT_PAD_BLOCK || cipher.length % BLOCK !== 0) {
      throw new MessageCryptError("invalid-block-length");
    }
    const lastBlock = cipher.subarray(cipher.length - BLOCK);
    const paddingBlock = new Uint8Array(
      await crypto.subtle.encrypt({ name: "AES-CBC", iv: lastBlock }, key, EMPTY),
    );
    const plain = new Uint8Array(
      await crypto.subtle.decrypt({ name: "AES-CBC", iv }, key, concatBytes(cipher, paddingBlock)),
    );

    const pad = plain[plain.length - 1]!;
    if (pad < 1 || pad > WECHAT_PAD_BLOCK || pad > plain.length) {
      throw new MessageCryptError("invalid-padding");
    }
    for (let i = plain.length - pad; i < plain.length; i++) {
      if (plain[i] !== pad) throw new MessageCryptError("invalid-padding");
    }
    const content = plain.subarray(BLOCK, plain.length - pad);
    if (content.length < 4) throw new MessageCryptError("invalid-length-field");
    const messageLength = new DataView(content.buffer, content.byteOffset, 4).getUint32(0, false);
    if (4 + messageLength > content.length) throw new MessageCryptError("invalid-length-field");

    // The trailing appid is compared as bytes: only a match is decoded, and it is this one.
    const appIdBytes = content.subarray(4 + messageLength);
    if (!equalBytes(appIdBytes, this.#appIdBytes)) {
      try {
        fromUtf8(appIdBytes);
      } catch {
        throw new MessageCryptError("invalid-utf8");
      }
      throw new MessageCryptError("appid-mismatch");
    }
    let message: string;
    try {
      message = fromUtf8(content.subarray(4, 4 + messageLength));
    } catch {
      throw new MessageCryptError("invalid-utf8");
    }
    return { message, appId: this.#appId, random: plain.subarray(0, BLOCK) };
  }
}
