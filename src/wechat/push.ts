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
import { computeMsgSignature, verifySignedParts } from "./signature";
import { parseXml, renderXml, textOf } from "./xml";

/** plaintext (明文), compatible (兼容: plain fields + Encrypt), safe (安全: Encrypt only). */
export type PushMode = "plaintext" | "compatible" | "safe";

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
  encodingAESKey?: string | undefined;
  /** Accepted distance between the push's timestamp and `now`, in seconds. */
  timestampToleranceSeconds: number;
}

/** 400: malformed input; 401: not from WeChat; 503: the Worker lacks a setting. */
export type PushFailureKind = "bad-request" | "unauthorized" | "not-configured";

export type PushFailure = { ok: false; kind: PushFailureKind; reason: string };

export interface OpenedPush {
  ok: true;
  mode: PushMode;
  message: InboundMessage;
  /** The push's inner XML (decrypted in AES modes). */
  xml: string;
  timestamp: string;
  nonce: string;
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
  if (!SIGNATURE_PATTERN.test(signature)) return fail("unauthorized", "invalid signature");
  if (!(await verifySignedParts([settings.token, timestamp, nonce], signature))) {
    return fail("unauthorized", "invalid signature");
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
  const signatureFailure = await verifyRequestSignature(query, settings, now);
  if (signatureFailure) return signatureFailure;
  const timestamp = query.timestamp!;
  const nonce = query.nonce!;

  const outer = parseXml(body);
  if (!outer.ok) return fail("bad-request", outer.reason);

  const encryptType = (query.encrypt_type ?? "raw").toLowerCase();
  const encrypt = textOf(outer.root, "Encrypt");
  if (encryptType === "raw") {
    if (encrypt !== undefined && textOf(outer.root, "MsgType") === undefined) {
      return fail("bad-request", "body is encrypted but encrypt_type=aes is missing");
    }
    const parsed = parseMessage(outer.root);
    if (!parsed.ok) return fail("bad-request", parsed.reason);
    return { ok: true, mode: "plaintext", message: parsed.message, xml: body, timestamp, nonce };
  }
  if (encryptType !== "aes") return fail("bad-request", `unsupported encrypt_type`);

  if (!encrypt) return fail("bad-request", "encrypt_type=aes but the body has no Encrypt");
  const msgSignature = query.msg_signature;
  if (!msgSignature) return fail("bad-request", "encrypt_type=aes but msg_signature is missing");
  if (
    !SIGNATURE_PATTERN.test(msgSignature) ||
    !(await verifySignedParts([settings.token, timestamp, nonce, encrypt], msgSignature))
  ) {
    return fail("unauthorized", "invalid msg_signature");
  }
  if (!settings.encodingAESKey) return fail("not-configured", "WECHAT_ENCODING_AES_KEY is not set");
  if (!settings.appId) return fail("not-configured", "WECHAT_APPID is not set");

  let inner: string;
  try {
    inner = (await messageCrypt(settings.encodingAESKey, settings.appId).decrypt(encrypt)).message;
  } catch (error) {
    if (error instanceof MessageCryptError)
      return fail("bad-request", `cannot decrypt: ${error.message}`);
    // WebCrypto rejects ciphertext it cannot unpad even with the synthetic block: a forged body.
    return fail("bad-request", "cannot decrypt: ciphertext is corrupt (wrong EncodingAESKey?)");
  }
  const decrypted = parseXml(inner);
  if (!decrypted.ok) return fail("bad-request", `decrypted ${decrypted.reason}`);
  const parsed = parseMessage(decrypted.root);
  if (!parsed.ok) return fail("bad-request", parsed.reason);
  const mode: PushMode = textOf(outer.root, "MsgType") !== undefined ? "compatible" : "safe";
  return { ok: true, mode, message: parsed.message, xml: inner, timestamp, nonce };
}

/**
 * Wraps a reply for the push's mode: as is in plaintext mode, encrypted and signed otherwise
 * (compatible mode may take either; encrypted is the safe choice). `TimeStamp` is in seconds;
 * the nonce echoes the push's, as the docs allow ("回填URL参数中的nonce参数即可").
 */
export async function sealReply(
  replyXml: string,
  push: Pick<OpenedPush, "mode" | "nonce">,
  settings: Pick<PushSettings, "token" | "appId" | "encodingAESKey">,
  now: number,
): Promise<string> {
  if (push.mode === "plaintext") return replyXml;
  const encrypt = await messageCrypt(settings.encodingAESKey!, settings.appId!).encrypt(replyXml);
  const timeStamp = String(Math.floor(now));
  const msgSignature = await computeMsgSignature(settings.token, timeStamp, push.nonce, encrypt);
  return renderXml({
    Encrypt: encrypt,
    MsgSignature: msgSignature,
    TimeStamp: Number(timeStamp),
    Nonce: push.nonce,
  });
}
