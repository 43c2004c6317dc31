import { describe, expect, it } from "vitest";
import { fromBase64, toBase64, utf8 } from "../../src/wechat/encoding";
import { MessageCrypt, MessageCryptError } from "../../src/wechat/message-crypt";
import { parseMessage } from "../../src/wechat/parse-message";
import { parseXml } from "../../src/wechat/xml";
import { V1, V2, V3, V4, V5, V6, V8 } from "../fixtures/vectors";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/**
 * WeChat's framing and AES-256-CBC written out by hand, to check the module against something
 * that is not itself: the pad is computed here, and CBC is chained one block at a time (each
 * block is the first output block of a one-block WebCrypto encryption with the previous
 * ciphertext block as IV), so no WebCrypto padding is involved at all.
 */
async function independentEncrypt(
  encodingAESKey: string,
  appId: string,
  message: string,
  random: Uint8Array,
): Promise<{ encrypt: string; pad: number }> {
  const raw = Uint8Array.from(atob(`${encodingAESKey}=`), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", raw, "AES-CBC", false, ["encrypt"]);
  const body = utf8(message);
  const appIdBytes = utf8(appId);
  const n = 16 + 4 + body.length + appIdBytes.length;
  const pad = 32 - (n % 32);
  const plain = new Uint8Array(n + pad);
  plain.set(random, 0);
  plain[16] = (body.length >>> 24) & 0xff;
  plain[17] = (body.length >>> 16) & 0xff;
  plain[18] = (body.length >>> 8) & 0xff;
  plain[19] = body.length & 0xff;
  plain.set(body, 20);
  plain.set(appIdBytes, 20 + body.length);
  plain.fill(pad, n);
  const cipher = new Uint8Array(plain.length);
  let previous = raw.slice(0, 16);
  for (let offset = 0; offset < plain.length; offset += 16) {
    const out = new Uint8Array(
      await crypto.subtle.encrypt(
        { name: "AES-CBC", iv: previous },
        key,
        plain.slice(offset, offset + 16),
      ),
    );
    previous = out.slice(0, 16);
    cipher.set(previous, offset);
  }
  return { encrypt: toBase64(cipher), pad };
}

async function rejection(promise: Promise<unknown>): Promise<MessageCryptError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MessageCryptError);
  return error as MessageCryptError;
}

describe("published vectors", () => {
  it("V1: decrypts the official safe-mode push (JSON data format)", async () => {
    const crypt = new MessageCrypt(V1.encodingAESKey, V1.appid);
    const opened = await crypt.decrypt(V1.safe_post.encrypt);
    expect(opened.message).toBe(V1.safe_post.decrypted_msg);
    expect(opened.appId).toBe(V1.appid);
    expect(text(opened.random)).toBe(V1.safe_post.decrypted_random);
  });

  it("V1: encrypts the official reply byte for byte", async () => {
    const crypt = new MessageCrypt(V1.encodingAESKey, V1.appid);
    expect(await crypt.encrypt(V1.reply.msg, utf8(V1.reply.random))).toBe(V1.reply.encrypt);
  });

  it("V2: decrypts the official XML sample; MsgId stays a string", async () => {
    const crypt = new MessageCrypt(V2.encodingAESKey, V2.appid);
    const opened = await crypt.decrypt(V2.encrypt);
    expect(opened.message).toBe(V2.decrypted_msg);
    expect(text(opened.random)).toBe(V2.decrypted_random);
    const xml = parseXml(opened.message);
    if (!xml.ok) throw new Error(xml.reason);
    const parsed = parseMessage(xml.root);
    if (!parsed.ok || parsed.message.msgType !== "text") throw new Error("not a text message");
    expect(parsed.message.msgId).toBe("6054768590064713728");
    expect(parsed.message.content).toBe("abcdteT");
  });

  it("V2: re-encrypting with the decrypted random reproduces the ciphertext", async () => {
    const crypt = new MessageCrypt(V2.encodingAESKey, V2.appid);
    expect(await crypt.encrypt(V2.decrypted_msg, utf8(V2.decrypted_random))).toBe(V2.encrypt);
  });

  it("V3: byte-exact encryption of UTF-8 text", async () => {
    const crypt = new MessageCrypt(V3.encodingAESKey, V3.appid);
    expect(await crypt.encrypt(V3.msg, utf8(V3.random))).toBe(V3.encrypt);
    expect((await crypt.decrypt(V3.encrypt)).message).toBe(V3.msg);
  });

  it("V4: pad byte 21 (where plain WebCrypto throws) decrypts", async () => {
    const raw = fromBase64(`${V4.encodingAESKey}=`)!;
    const key = await crypto.subtle.importKey("raw", raw, "AES-CBC", false, ["decrypt"]);
    // The trap this module exists to avoid: WebCrypto's own 16-byte unpadding rejects it.
    await expect(
      crypto.subtle.decrypt(
        { name: "AES-CBC", iv: raw.slice(0, 16) },
        key,
        fromBase64(V4.encrypt)!,
      ),
    ).rejects.toThrow();
    const opened = await new MessageCrypt(V4.encodingAESKey, V4.appid).decrypt(V4.encrypt);
    expect(opened.message).toContain(V4.decrypted_contains);
  });

  it("V5: decrypts the compatible-mode ciphertext", async () => {
    const opened = await new MessageCrypt(V5.encodingAESKey, V5.appid).decrypt(V5.encrypt);
    expect(opened.message).toContain(V5.decrypted_contains);
    expect(opened.message).toContain(V5.plaintext_fields.FromUserName);
  });

  it("V6: WeCom's vectors (same cipher): echostr, decrypt, byte-exact encrypt", async () => {
    const crypt = new MessageCrypt(V6.encodingAESKey, V6.appid);
    expect((await crypt.decrypt(V6.echostr.encrypt)).message).toBe(V6.echostr.decrypted_msg);
    expect((await crypt.decrypt(V6.decrypt.encrypt)).message).toContain(
      V6.decrypt.decrypted_contains,
    );
    expect(await crypt.encrypt(V6.encrypt.msg, utf8(V6.encrypt.random))).toBe(V6.encrypt.encrypt);
    expect((await crypt.decrypt(V6.encrypt.encrypt)).message).toBe(V6.encrypt.msg);
  });

  it("V8: a wrong key is rejected with MessageCryptError, never garbage", async () => {
    const crypt = new MessageCrypt(V8.encodingAESKey, V8.appid);
    await rejection(crypt.decrypt(V8.encrypt));
  });
});

describe("every pad length 1..32", () => {
  const appId = "wx0123456789abcdef"; // 18 bytes: FullStr = 38 + message bytes
  const key = V2.encodingAESKey;
  const random = utf8("0123456789abcdef");
  const lengths = Array.from({ length: 32 }, (_, i) => {
    const pad = i + 1;
    // Smallest message length n ≥ 0 with 32 - (38 + n) % 32 === pad.
    const n = (((32 - pad - 38) % 32) + 32) % 32;
    return { pad, n };
  });

  it.each(lengths)(
    "pad $pad: round-trips and matches a hand-built ciphertext",
    async ({ pad, n }) => {
      // Three 3-byte characters keep the UTF-8 path honest; the ASCII tail sets the length mod 32.
      const message = "末".repeat(3) + "x".repeat((n - 9 + 64) % 32);
      const crypt = new MessageCrypt(key, appId);
      const independent = await independentEncrypt(key, appId, message, random);
      expect(independent.pad).toBe(pad);
      expect(await crypt.encrypt(message, random)).toBe(independent.encrypt);
      expect((await crypt.decrypt(independent.encrypt)).message).toBe(message);
      expect((await crypt.decrypt(await crypt.encrypt(message))).message).toBe(message);
    },
  );

  it("round-trips a long message across many blocks", async () => {
    const crypt = new MessageCrypt(key, appId);
    const message = "消息😀<xml>]]>\n".repeat(300);
    expect((await crypt.decrypt(await crypt.encrypt(message))).message).toBe(message);
  });
});

describe("tampering and malformed ciphertext", () => {
  const crypt = new MessageCrypt(V2.encodingAESKey, V2.appid);
  const cipher = fromBase64(V2.encrypt)!;

  it.each([0, 1, 7, 15])("a flipped bit in byte %i of the last block is rejected", async (i) => {
    const tampered = cipher.slice();
    tampered[tampered.length - 16 + i]! ^= 0x01;
    await rejection(crypt.decrypt(toBase64(tampered)));
  });

  it("a flipped pad bit (via the previous block) is rejected as bad padding", async () => {
    const tampered = cipher.slice();
    tampered[tampered.length - 17]! ^= 0x40; // XORs into the last plaintext byte: the pad byte
    const error = await rejection(crypt.decrypt(toBase64(tampered)));
    expect(error.code).toBe("invalid-padding");
  });

  it("a ciphertext truncated by whole blocks is rejected", async () => {
    for (const drop of [16, 32, 48]) {
      await rejection(crypt.decrypt(toBase64(cipher.slice(0, cipher.length - drop))));
    }
  });

  it("a ciphertext that is not whole blocks, or too short, is rejected", async () => {
    expect((await rejection(crypt.decrypt(toBase64(cipher.slice(0, 37))))).code).toBe(
      "invalid-block-length",
    );
    expect((await rejection(crypt.decrypt(toBase64(cipher.slice(0, 16))))).code).toBe(
      "invalid-block-length",
    );
    expect((await rejection(crypt.decrypt(""))).code).toBe("invalid-block-length");
  });

  it("non-base64 is rejected", async () => {
    for (const bad of ["not base64!", "%%%%", `${V2.encrypt.slice(0, -4)}@@@@`, "abc"]) {
      expect((await rejection(crypt.decrypt(bad))).code).toBe("invalid-base64");
    }
  });

  it("a message for another appid is rejected", async () => {
    const other = new MessageCrypt(V2.encodingAESKey, "wxffffffffffffffff");
    expect((await rejection(other.decrypt(V2.encrypt))).code).toBe("appid-mismatch");
    // An appid that is a prefix of the real one must not pass either.
    const prefix = new MessageCrypt(V2.encodingAESKey, V2.appid.slice(0, -1));
    expect((await rejection(prefix.decrypt(V2.encrypt))).code).toBe("appid-mismatch");
  });

  it("a length field pointing past the end is rejected", async () => {
    // Hand-built frame with msg_len larger than what follows.
    const raw = fromBase64(`${V2.encodingAESKey}=`)!;
    const key = await crypto.subtle.importKey("raw", raw, "AES-CBC", false, ["encrypt"]);
    const frame = new Uint8Array(64);
    frame.set(utf8("0123456789abcdef"), 0);
    new DataView(frame.buffer).setUint32(16, 1000, false);
    frame.fill(0x20, 32); // pad 32
    const c = new Uint8Array(
      await crypto.subtle.encrypt({ name: "AES-CBC", iv: raw.slice(0, 16) }, key, frame),
    );
    const error = await rejection(crypt.decrypt(toBase64(c.subarray(0, 64))));
    expect(error.code).toBe("invalid-length-field");
  });

  it("an invalid EncodingAESKey is refused at construction", () => {
    expect(() => new MessageCrypt("short", V2.appid)).toThrow(MessageCryptError);
    expect(() => new MessageCrypt(`${V2.encodingAESKey.slice(0, 42)}!`, V2.appid)).toThrow(
      MessageCryptError,
    );
  });

  it("errors carry a one-line reason and no key material", async () => {
    const error = await rejection(
      new MessageCrypt(V8.encodingAESKey, V8.appid).decrypt(V8.encrypt),
    );
    expect(error.message).not.toContain("\n");
    expect(error.message).not.toContain(V8.encodingAESKey);
  });
});
