/**
 * Opening a push and sealing its reply: the callback protocol without HTTP or bindings.
 *
 * Every push is authenticated before its body is believed: the plain `signature` always (it is
 * present in every mode), the timestamp against a replay window, and in AES mode `msg_signature`
 * over `Encrypt` as well ("不要使用signature验证" warns against relying on `signature` alone there).
 * Failures are values with a status class and a one-line reason, never exceptions.
 */
import type { InboundMessage } from "./message";
import { MessageCrypt, MessageCryptError } from "./message-crypt";
import { parseMessage } from "./parse-message";
import { randomAlphanumeric } from "./encoding";
import { computeMsgSignature, verifySignedParts } from "./signature";
import { parseXml, textOf } from "./xml-read";
import { renderXml } from "./xml-write";

/** The shape of one push: plaintext (明文), compatible (兼容: plain fields + Encrypt), safe (安全: Encrypt only). */
export type PushMode = "plaintext" | "compatible" | "safe";

/**
 * The account's 消息加解密方式, which decides what is accepted: plaintext takes plaintext pushes
 * only, safe takes encrypted pushes only, compatible takes both (for the minutes of switching in
 * the console). A plaintext push proves nothing about its body (`signature` covers token,
 * timestamp and nonce only), so where an EncodingAESKey exists, accepting one is a choice.
 */
export type MessageMode = "plaintext" | "compatible" | "safe";

export interface PushQuery {
  signature?: string | undefined;
  timestamp?: string | undefined;
  nonce?: string | undefined;
  encrypt_type?: string | undefined;
  msg_signature?: string | undefined;
  openid?: string | undefined;
}

export interface PushSettings {
  token: string;
  appId?: string | undefined;
  /**
   * The receive-id an encrypted push must carry and its reply is sealed with, when not `appId`
   * (a 第三方平台 authoriser's pushes carry the component appid).
   */
  receiveId?: string | undefined;
  encodingAESKey?: string | undefined;
  /** The key before a rotation: tried when `encodingAESKey` cannot open a push. */
  encodingAESKeyPrevious?: string | undefined;
  messageMode: MessageMode;
  /** Accepted distance between the push's timestamp and `now`, in seconds. */
  timestampToleranceSeconds: number;
}

/**
 * 400: malformed input; 401: not from WeChat (bad-signature: a signature that does not verify,
 * which is what guessing the token looks like); 503: the Worker lacks a setting.
 */
export type PushFailureKind = "bad-request" | "unauthorized" | "bad-signature" | "not-configured";

/** `reason` is one line for the response; `detail`, when present, is for the log only. */
export type PushFailure = { ok: false; kind: PushFailureKind; reason: string; detail?: string };

export interface OpenedPush {
  ok: true;
  mode: PushMode;
  message: InboundMessage;
  /** The push's inner XML (decrypted in AES modes). */
  xml: string;
  timestamp: string;
  nonce: string;
  /** The key that opened an encrypted push: its reply is sealed with the same one. */
  encodingAESKey?: string;
}

// A MessageCrypt validates its key when built; an account's pushes all share one.
const crypts = new Map<string, MessageCrypt>();

function messageCrypt(encodingAESKey: string, appId: string): MessageCrypt {
  // An EncodingAESKey is exactly 43 characters (or refused below), so the joined id is unambiguous.
  const id = encodingAESKey + appId;
  let crypt = crypts.get(id);
  if (!crypt) {
    crypt = new MessageCrypt(encodingAESKey, appId);
    if (crypts.size >= 16) crypts.clear();
    crypts.set(id, crypt);
  }
  return crypt;
}

const fail = (kind: PushFailureKind, reason: string): PushFailure => ({ ok: false, kind, reason });

const SIGNATURE_PATTERN = /^[0-9a-fA-F]{40}$/;
/** WeChat's nonces are digits; anything printable without spaces is echoed as it came. */
const ECHOABLE_NONCE = /^[\x21-\x7e]{1,64}$/;
const TIMESTAMP_PATTERN = /^\d{1,12}$/;

/**
 * Checks `signature`, `timestamp` and `nonce` of a push or of the URL verification request.
 * `now` is Unix seconds.
 */
export async function verifyRequestSignature(
  query: PushQuery,
  settings: Pick<PushSettings, "token" | "timestampToleranceSeconds">,
  now: number,
  options: { checkTimestamp: boolean } = { checkTimestamp: true },
): Promise<PushFailure | undefined> {
  const { signature, timestamp, nonce } = query;
  if (!signature || timestamp === undefined || nonce === undefined) {
    return fail("bad-request", "missing signature, timestamp or nonce");
  }
  if (!TIMESTAMP_PATTERN.test(timestamp))
    return fail("bad-request", "timestamp must be Unix seconds");
  if (nonce.length > 64) return fail("bad-request", "nonce is too long");
  if (!SIGNATURE_PATTERN.test(signature)) return fail("bad-signature", "invalid signature");
  if (!(await verifySignedParts([settings.token, timestamp, nonce], signature))) {
    return fail("bad-signature", "invalid signature");
  }
  if (
    options.checkTimestamp &&
    Math.abs(now - Number(timestamp)) > settings.timestampToleranceSeconds
  ) {
    return fail("unauthorized", "timestamp is outside the accepted window (replay or clock skew)");
  }
  return undefined;
}

/** Authenticates, decrypts when needed, and parses one push. */
export async function openPush(
  query: PushQuery,
  body: string,
  settings: PushSettings,
  now: number,
): Promise<OpenedPush | PushFailure> {
  const encryptType = (query.encrypt_type ?? "raw").toLowerCase();
  if (encryptType !== "raw" && encryptType !== "aes") {
    return fail("bad-request", "unsupported encrypt_type");
  }
  // Decided before anything is read: in safe mode a plaintext push is refused whatever it
  // carries, since its signature could have been lifted from any request to this URL.
  if (encryptType === "raw" && settings.messageMode === "safe") {
    return fail("unauthorized", "plaintext pushes are refused: WECHAT_MESSAGE_MODE is safe");
  }
  const signatureFailure = await verifyRequestSignature(query, settings, now);
  if (signatureFailure) return signatureFailure;
  const timestamp = query.timestamp!;
  const nonce = query.nonce!;

  const outer = parseXml(body);
  if (!outer.ok) return fail("bad-request", outer.reason);

  const encrypt = textOf(outer.root, "Encrypt");
  if (encryptType === "raw") {
    if (encrypt !== undefined && textOf(outer.root, "MsgType") === undefined) {
      return fail("bad-request", "body is encrypted but encrypt_type=aes is missing");
    }
    const parsed = parseMessage(outer.root);
    if (!parsed.ok) return fail("bad-request", parsed.reason);
    return { ok: true, mode: "plaintext", message: parsed.message, xml: body, timestamp, nonce };
  }

  if (!encrypt) return fail("bad-request", "encrypt_type=aes but the body has no Encrypt");
  const msgSignature = query.msg_signature;
  if (!msgSignature) return fail("bad-request", "encrypt_type=aes but msg_signature is missing");
  if (
    !SIGNATURE_PATTERN.test(msgSignature) ||
    !(await verifySignedParts([settings.token, timestamp, nonce, encrypt], msgSignature))
  ) {
    return fail("bad-signature", "invalid msg_signature");
  }
  if (!settings.encodingAESKey) return fail("not-configured", "WECHAT_ENCODING_AES_KEY is not set");
  if (!settings.appId) return fail("not-configured", "WECHAT_APPID is not set");
  if (settings.messageMode === "plaintext") {
    return fail("bad-request", "encrypted pushes are refused: WECHAT_MESSAGE_MODE is plaintext");
  }

  const opened = await decryptWithKeys(encrypt, settings.receiveId ?? settings.appId, [
    settings.encodingAESKey,
    settings.encodingAESKeyPrevious,
  ]);
  if (!opened.ok) return opened;
  const decrypted = parseXml(opened.message);
  if (!decrypted.ok) return fail("bad-request", `decrypted ${decrypted.reason}`);
  const parsed = parseMessage(decrypted.root);
  if (!parsed.ok) return fail("bad-request", parsed.reason);
  const mode: PushMode = textOf(outer.root, "MsgType") !== undefined ? "compatible" : "safe";
  return {
    ok: true,
    mode,
    message: parsed.message,
    xml: opened.message,
    timestamp,
    nonce,
    encodingAESKey: opened.encodingAESKey,
  };
}

/**
 * Opens `encrypt` with the first key that can. Every failure gets the same one-line reason:
 * telling a bad pad from a wrong appid or a bad length field would be a padding oracle for
 * anyone who knows the token. Which check failed is in `detail`, for the log.
 */
async function decryptWithKeys(
  encrypt: string,
  appId: string,
  keys: readonly (string | undefined)[],
): Promise<{ ok: true; message: string; encodingAESKey: string } | PushFailure> {
  const failures: string[] = [];
  for (const key of keys) {
    if (!key) continue;
    try {
      return {
        ok: true,
        message: (await messageCrypt(key, appId).decrypt(encrypt)).message,
        encodingAESKey: key,
      };
    } catch (error) {
      // WebCrypto rejects ciphertext it cannot unpad even with the synthetic block: a forged body.
      failures.push(error instanceof MessageCryptError ? error.code : "corrupt-ciphertext");
    }
  }
  return { ...fail("bad-request", "cannot decrypt the push"), detail: failures.join(", ") };
}

/**
 * Wraps a reply for the push's mode: as is in plaintext mode, encrypted and signed otherwise
 * (compatible mode may take either; encrypted is the safe choice). `TimeStamp` is in seconds;
 * the nonce echoes the push's, as the docs allow ("回填URL参数中的nonce参数即可").
 */
export async function sealReply(
  replyXml: string,
  push: Pick<OpenedPush, "mode" | "nonce" | "encodingAESKey">,
  settings: Pick<PushSettings, "token" | "appId" | "receiveId" | "encodingAESKey">,
  now: number,
): Promise<string> {
  if (push.mode === "plaintext") return replyXml;
  // During a key rotation WeChat answers with whichever key it sealed the push with.
  const key = push.encodingAESKey ?? settings.encodingAESKey!;
  const encrypt = await messageCrypt(key, settings.receiveId ?? settings.appId!).encrypt(replyXml);
  const timeStamp = String(Math.floor(now));
  // The nonce is signed as written: one that XML would not carry as sent (control characters,
  // CR) is replaced by a fresh one rather than echoed, or the signature would not verify.
  const nonce = ECHOABLE_NONCE.test(push.nonce) ? push.nonce : randomAlphanumeric(10);
  const msgSignature = await computeMsgSignature(settings.token, timeStamp, nonce, encrypt);
  return renderXml({
    Encrypt: encrypt,
    MsgSignature: msgSignature,
    TimeStamp: Number(timeStamp),
    Nonce: nonce,
  });
}
