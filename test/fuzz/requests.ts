/**
 * Fuzzed callback requests, as data: which real push, how WeChat would send it (mode, key,
 * signatures), and what goes wrong on the way (mutations of the XML before it is encrypted, of
 * the ciphertext, of the body as sent, of its bytes, of the query). `buildRequest` turns one into
 * a request; the parts that must be fresh for a request to reach the body (nonce, MsgId,
 * CreateTime, client address) are made when it is built, not generated, so that fast-check's
 * replays while shrinking are not refused as replays.
 */
import fc from "fast-check";
import type { Env } from "../../src/env";
import { concatBytes, fromBase64, toBase64, utf8 } from "../../src/wechat/encoding";
import { MessageCrypt } from "../../src/wechat/message-crypt";
import type { PushMode } from "../../src/wechat/push";
import { computeMsgSignature, computeSignature } from "../../src/wechat/signature";
import { renderXml } from "../../src/wechat/xml";
import { pushes, textPush } from "../fixtures/pushes";
import { account } from "../fixtures/worker";
import {
  byteMutation,
  mutateBytes,
  mutateString,
  nastyText,
  ODD_BYTES,
  stringMutation,
  stringMutations,
  type ByteMutation,
  type StringMutation,
} from "./mutations";

/** A second valid EncodingAESKey: the one before a rotation (WECHAT_ENCODING_AES_KEY_PREVIOUS). */
export const PREVIOUS_AES_KEY = "ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlkj";
/** A valid key the Worker never has. */
const STRANGER_AES_KEY = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";

const KEYS = {
  current: account.encodingAESKey,
  previous: PREVIOUS_AES_KEY,
  stranger: STRANGER_AES_KEY,
};

export type MessageModeSetting = "plaintext" | "compatible" | "safe" | undefined;

export interface EnvVariant {
  /** WECHAT_MESSAGE_MODE; undefined leaves it unset (the default: safe, as the env has a key). */
  mode: MessageModeSetting;
  dedupe: "on" | "off" | undefined;
  previousKey: boolean;
  tolerance: "1" | "86400" | undefined;
}

type CipherMutation =
  | { op: "flip"; at: number; xor: number }
  | { op: "cut"; at: number }
  | { op: "text"; mutations: StringMutation[] };

/** A plaintext frame built by hand (what a wrong key or a forger produces after decryption). */
export interface Frame {
  length: "exact" | "short" | "long" | "max";
  appId: "own" | "other" | "empty" | "not-utf8" | "own-plus";
  oddBytes: (readonly number[])[];
  pad: "wechat" | "pkcs16" | "zero" | "over32" | "inconsistent";
}

export interface CallbackCase {
  target: "fuzz-worker" | "deployed";
  env: EnvVariant;
  method: "POST" | "GET" | "HEAD" | "PUT";
  path: "/wechat" | "/wechat/";
  /** The real push (test/fixtures/pushes.ts) the case starts from. */
  push: string;
  fresh: boolean;
  pushMode: PushMode;
  key: keyof typeof KEYS;
  frame: Frame | undefined;
  inner: StringMutation[];
  cipher: CipherMutation[];
  outer: StringMutation[];
  /** "now", "skew", "stale", "future", "ms" (milliseconds), or the literal value to send. */
  timestamp: string;
  skew: number;
  nonce: "fresh" | "overlong" | "64" | "empty" | "replayed" | "odd";
  oddNonce: string;
  signature: "valid" | "upper" | "wrong" | "missing" | "short" | "zero" | "odd";
  msgSignature: "valid" | "upper" | "wrong" | "missing" | "plain" | "odd";
  encryptType: "natural" | "aes" | "AES" | "raw" | "" | "rsa" | " aes" | "missing";
  echostr: string | null;
  query: QueryMutation[];
  transport: "text" | "bytes" | "stream" | "empty" | "oversize";
  bytes: ByteMutation[];
  client: "v4" | "v6" | "none";
  contentType: string | undefined;
}

type QueryMutation =
  | { op: "drop"; at: number }
  | { op: "duplicate"; at: number; to: number; value: "same" | "empty" | "zeros" | "text" }
  | { op: "garbage"; at: number; raw: string; replace: boolean }
  | { op: "raw"; to: number; raw: string }
  | { op: "encode-name"; at: number }
  | { op: "fragment" };

const PERCENT_GARBAGE = [
  "%",
  "%G1",
  "%E4",
  "%E4%BD",
  "%C0%80",
  "%ED%A0%80",
  "%FF",
  "%%",
  "%2",
  "%u0041",
  "%00",
  "+",
  "++%2B",
  "%0D%0A",
  "%26signature%3D0",
];
const RAW_SEGMENTS = [
  "",
  "=",
  "==",
  "foo=bar",
  "signature",
  "nonce=",
  "%=%",
  "%73ignature=0",
  "a%ZZ=1",
  "echostr",
];

const realPushes = [...Object.values(pushes), textPush("hello"), textPush("]]> <b>&amp;</b>")];

const at = fc.nat({ max: 1 << 12 });

const queryMutation: fc.Arbitrary<QueryMutation> = fc.oneof(
  fc.record({ op: fc.constant("drop"), at }),
  fc.record({
    op: fc.constant("duplicate"),
    at,
    to: at,
    value: fc.constantFrom("same", "empty", "zeros", "text"),
  }),
  fc.record({
    op: fc.constant("garbage"),
    at,
    raw: fc.oneof(fc.constantFrom(...PERCENT_GARBAGE), nastyText(6).map(encodeURIComponentSafe)),
    replace: fc.boolean(),
  }),
  fc.record({ op: fc.constant("raw"), to: at, raw: fc.constantFrom(...RAW_SEGMENTS) }),
  fc.record({ op: fc.constant("encode-name"), at }),
  fc.record({ op: fc.constant("fragment") }),
);

const frame: fc.Arbitrary<Frame> = fc.record({
  length: fc.constantFrom("exact", "short", "long", "max"),
  appId: fc.constantFrom("own", "other", "empty", "not-utf8", "own-plus"),
  oddBytes: fc.array(fc.constantFrom(...ODD_BYTES), { maxLength: 2 }),
  pad: fc.constantFrom("wechat", "pkcs16", "zero", "over32", "inconsistent"),
});

const cipherMutation: fc.Arbitrary<CipherMutation> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant("flip"), at, xor: fc.integer({ min: 1, max: 255 }) }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("cut"), at }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("text"),
      mutations: fc.array(stringMutation, { minLength: 1, maxLength: 2 }),
    }),
  },
);

const envVariant: fc.Arbitrary<EnvVariant> = fc.record({
  mode: fc.constantFrom<MessageModeSetting>("plaintext", "compatible", "safe", undefined),
  dedupe: fc.constantFrom<EnvVariant["dedupe"]>(undefined, "off", "on"),
  previousKey: fc.boolean(),
  tolerance: fc.constantFrom<EnvVariant["tolerance"]>(undefined, undefined, "1", "86400"),
});

/** Mostly one thing wrong at a time, sometimes several, sometimes nothing (the deep path). */
const sometimes = <T>(arbitrary: fc.Arbitrary<T[]>, weightNone: number) =>
  fc.oneof({ weight: weightNone, arbitrary: fc.constant<T[]>([]) }, { weight: 1, arbitrary });

const weighted = <T>(...entries: [T, number][]) =>
  fc.oneof(...entries.map(([value, weight]) => ({ weight, arbitrary: fc.constant(value) })));

/** Every field free: most requests go wrong somewhere before the body is believed. */
const anyFields = {
  target: weighted<CallbackCase["target"]>(["fuzz-worker", 5], ["deployed", 1]),
  env: envVariant,
  method: weighted<CallbackCase["method"]>(["POST", 24], ["GET", 3], ["HEAD", 1], ["PUT", 1]),
  path: weighted<CallbackCase["path"]>(["/wechat", 9], ["/wechat/", 1]),
  push: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...realPushes) },
    { weight: 1, arbitrary: nastyText(40).map((content) => textPush(content)) },
  ),
  fresh: weighted([true, 4], [false, 1]),
  pushMode: fc.constantFrom<PushMode>("plaintext", "compatible", "safe"),
  key: weighted<CallbackCase["key"]>(["current", 12], ["previous", 2], ["stranger", 1]),
  frame: fc.oneof(
    { weight: 8, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: frame },
  ),
  inner: sometimes(stringMutations(4), 2),
  cipher: sometimes(fc.array(cipherMutation, { minLength: 1, maxLength: 2 }), 8),
  outer: sometimes(stringMutations(3), 4),
  timestamp: weighted<CallbackCase["timestamp"]>(
    ["now", 40],
    ["skew", 3],
    ["stale", 1],
    ["future", 1],
    ["ms", 1],
    ["0", 1],
    ["", 1],
    ["-1", 1],
    ["1.5", 1],
    [" 1", 1],
    ["99999999999999", 1],
    ["１２３", 1],
  ),
  skew: fc.integer({ min: -400, max: 400 }),
  nonce: weighted<CallbackCase["nonce"]>(
    ["fresh", 30],
    ["overlong", 2],
    ["64", 1],
    ["empty", 1],
    ["replayed", 2],
    ["odd", 3],
  ),
  oddNonce: nastyText(20),
  signature: weighted<CallbackCase["signature"]>(
    ["valid", 30],
    ["upper", 2],
    ["wrong", 2],
    ["missing", 1],
    ["short", 1],
    ["zero", 1],
    ["odd", 1],
  ),
  msgSignature: weighted<CallbackCase["msgSignature"]>(
    ["valid", 30],
    ["upper", 2],
    ["wrong", 2],
    ["missing", 1],
    ["plain", 1],
    ["odd", 1],
  ),
  encryptType: weighted<CallbackCase["encryptType"]>(
    ["natural", 30],
    ["aes", 2],
    ["AES", 1],
    ["raw", 2],
    ["", 1],
    ["rsa", 1],
    [" aes", 1],
    ["missing", 1],
  ),
  echostr: fc.option(nastyText(30), { freq: 6 }),
  query: sometimes(fc.array(queryMutation, { minLength: 1, maxLength: 3 }), 5),
  transport: weighted<CallbackCase["transport"]>(
    ["text", 20],
    ["bytes", 6],
    ["stream", 4],
    ["empty", 1],
    ["oversize", 1],
  ),
  bytes: sometimes(fc.array(byteMutation, { minLength: 1, maxLength: 3 }), 6),
  client: weighted<CallbackCase["client"]>(["v4", 8], ["v6", 3], ["none", 1]),
  contentType: fc.constantFrom(
    undefined,
    "text/xml",
    "application/xml; charset=utf-8",
    "application/json",
  ),
};

const anyCase: fc.Arbitrary<CallbackCase> = fc.record(anyFields);

/** Mode settings and the pushes WeChat sends under each, which the Worker must open. */
const ACCEPTED: readonly [MessageModeSetting, PushMode][] = [
  ["plaintext", "plaintext"],
  ["compatible", "plaintext"],
  ["compatible", "compatible"],
  ["compatible", "safe"],
  ["safe", "compatible"],
  ["safe", "safe"],
  [undefined, "compatible"],
  [undefined, "safe"],
];

/**
 * Signed, fresh and in a mode the Worker accepts: only the body is damaged (before encryption,
 * in the ciphertext re-signed, or as sent), so decryption, parsing, the handler and reply
 * sealing all see fuzzed input.
 */
const deepCase: fc.Arbitrary<CallbackCase> = fc
  .record({
    ...anyFields,
    method: fc.constant<CallbackCase["method"]>("POST"),
    path: fc.constant<CallbackCase["path"]>("/wechat"),
    fresh: weighted([true, 9], [false, 1]),
    key: weighted<CallbackCase["key"]>(["current", 12], ["previous", 1]),
    inner: sometimes(stringMutations(3), 1),
    cipher: sometimes(fc.array(cipherMutation, { minLength: 1, maxLength: 2 }), 6),
    outer: sometimes(stringMutations(2), 4),
    timestamp: fc.constant("now"),
    nonce: fc.constant<CallbackCase["nonce"]>("fresh"),
    signature: fc.constant<CallbackCase["signature"]>("valid"),
    msgSignature: fc.constant<CallbackCase["msgSignature"]>("valid"),
    encryptType: fc.constant<CallbackCase["encryptType"]>("natural"),
    query: fc.constant<QueryMutation[]>([]),
    transport: weighted<CallbackCase["transport"]>(["text", 6], ["bytes", 1], ["stream", 1]),
    bytes: fc.constant<ByteMutation[]>([]),
    client: fc.constant<CallbackCase["client"]>("v4"),
    accepted: fc.constantFrom(...ACCEPTED),
  })
  .map(({ accepted: [mode, pushMode], ...c }) => ({ ...c, env: { ...c.env, mode }, pushMode }));

export const callbackCase: fc.Arbitrary<CallbackCase> = fc.oneof(deepCase, anyCase);

export function envOverrides(variant: EnvVariant): Partial<Env> {
  // Unset, not the test env's own setting: the default is what is fuzzed then.
  const overrides: Partial<Env> = { WECHAT_MESSAGE_MODE: variant.mode };
  if (variant.dedupe) overrides.WECHAT_DEDUPE = variant.dedupe;
  if (variant.previousKey) overrides.WECHAT_ENCODING_AES_KEY_PREVIOUS = PREVIOUS_AES_KEY;
  if (variant.tolerance) overrides.WECHAT_TIMESTAMP_TOLERANCE = variant.tolerance;
  return overrides;
}

export interface BuiltRequest {
  url: string;
  /** The push's XML as built, before encryption. */
  inner: string;
  init: RequestInit;
  /** No mutation and every signature valid: a push WeChat itself could send. */
  pristine: boolean;
}

let sequence = 0;
let lastSigned: { timestamp: string; nonce: string } | undefined;

/** Builds the request of one case; everything that must be unique is made here. */
export async function buildRequest(c: CallbackCase): Promise<BuiltRequest> {
  const serial = ++sequence;
  const now = Math.floor(Date.now() / 1000);
  const inner = mutateString(c.fresh ? freshen(c.push, serial, now) : c.push, c.inner);

  let timestamp = timestampOf(c, now);
  let nonce = nonceOf(c, serial);
  if (c.nonce === "replayed" && lastSigned) ({ timestamp, nonce } = lastSigned);
  lastSigned = { timestamp, nonce };

  const signature = await computeSignature(account.token, timestamp, nonce);
  const params: [string, string][] = [
    ["signature", signatureAs(c.signature, signature)],
    ["timestamp", timestamp],
    ["nonce", nonce],
  ];
  let body = inner;
  if (c.method === "POST" && c.pushMode !== "plaintext") {
    const encrypt = mutateCipher(await encryptPush(inner, c), c.cipher);
    const msgSignature = await computeMsgSignature(account.token, timestamp, nonce, encrypt);
    body =
      c.pushMode === "safe"
        ? renderXml({ ToUserName: "gh_0123456789ab", Encrypt: encrypt })
        : withEncrypt(inner, encrypt);
    params.push(["openid", "oFollower"]);
    if (c.encryptType === "natural") params.push(["encrypt_type", "aes"]);
    const claimed =
      c.msgSignature === "plain" ? signature : signatureAs(c.msgSignature, msgSignature);
    if (c.msgSignature !== "missing") params.push(["msg_signature", claimed]);
  } else if (c.encryptType === "natural" && c.pushMode !== "plaintext") {
    params.push(["encrypt_type", "aes"]);
  }
  if (c.encryptType !== "natural" && c.encryptType !== "missing") {
    params.push(["encrypt_type", c.encryptType]);
  }
  if (c.signature === "missing") params.shift();
  if (c.method !== "POST" && c.echostr !== null) params.push(["echostr", c.echostr]);
  body = mutateString(body, c.outer);

  const query = mutateQuery(
    params.map(([name, value]) => `${name}=${encodeURIComponentSafe(value)}`),
    c.query,
  );
  const headers = new Headers();
  const client = clientAddress(c.client, serial);
  if (client) headers.set("cf-connecting-ip", client);
  if (c.contentType) headers.set("content-type", c.contentType);
  const init: RequestInit = { method: c.method, headers };
  if (c.method === "POST" || c.method === "PUT") init.body = bodyOf(c, body);

  const pristine =
    c.method === "POST" &&
    c.fresh &&
    c.frame === undefined &&
    c.key === "current" &&
    c.inner.length + c.cipher.length + c.outer.length + c.query.length + c.bytes.length === 0 &&
    c.timestamp === "now" &&
    c.nonce === "fresh" &&
    c.signature === "valid" &&
    (c.pushMode === "plaintext" || c.msgSignature === "valid") &&
    c.encryptType === "natural" &&
    (c.transport === "text" || c.transport === "bytes" || c.transport === "stream");
  return { url: `${c.path}?${query}`, inner, init, pristine };
}

/** New MsgId, CreateTime and follower, so that deduplication does not answer from memory. */
function freshen(xml: string, serial: number, now: number): string {
  const id = `7${String(serial).padStart(18, "0")}`;
  return xml
    .replace(/<MsgI[dD]>\d+<\/MsgI[dD]>/, (m) => m.replace(/\d+/, id))
    .replace(/<CreateTime>\d+<\/CreateTime>/, `<CreateTime>${now}</CreateTime>`)
    .replace(
      /<FromUserName><!\[CDATA\[[^\]]*\]\]><\/FromUserName>/,
      `<FromUserName><![CDATA[oFuzz${serial}]]></FromUserName>`,
    );
}

function timestampOf(c: CallbackCase, now: number): string {
  switch (c.timestamp) {
    case "now":
      return String(now);
    case "skew":
      return String(now + c.skew);
    case "stale":
      return String(now - 3600);
    case "future":
      return String(now + 86_400);
    case "ms":
      return String(Date.now());
    default:
      return c.timestamp;
  }
}

function nonceOf(c: CallbackCase, serial: number): string {
  const fresh = `${Date.now() % 1e6}n${serial}`;
  switch (c.nonce) {
    case "fresh":
    case "replayed":
      return fresh;
    case "overlong":
      return fresh + "9".repeat(65);
    case "64":
      return fresh.padEnd(64, "7");
    case "empty":
      return "";
    case "odd":
      return fresh + c.oddNonce;
  }
}

function signatureAs(kind: CallbackCase["signature"], valid: string): string {
  switch (kind) {
    case "valid":
    case "missing":
      return valid;
    case "upper":
      return valid.toUpperCase();
    case "wrong":
      return (valid[0] === "0" ? "1" : "0") + valid.slice(1);
    case "short":
      return valid.slice(1);
    case "zero":
      return "0".repeat(40);
    case "odd":
      return `${valid.slice(0, 20)}%zz<>`;
  }
}

async function encryptPush(inner: string, c: CallbackCase): Promise<string> {
  if (!c.frame) return new MessageCrypt(KEYS[c.key], account.appId).encrypt(inner);
  return toBase64(await encryptRaw(KEYS[c.key], framed(inner, c.frame)));
}

/** WeChat's FullStr with the given defects, padded to whole AES blocks. */
function framed(inner: string, frame: Frame): Uint8Array {
  let message = utf8(inner);
  for (const odd of frame.oddBytes) {
    message = concatBytes(
      message.subarray(0, message.length >> 1),
      Uint8Array.from(odd),
      message.subarray(message.length >> 1),
    );
  }
  const appIds = {
    own: utf8(account.appId),
    other: utf8("wx0000000000000000"),
    empty: new Uint8Array(0),
    "not-utf8": Uint8Array.from([0xff, 0xfe, 0x80]),
    "own-plus": utf8(`${account.appId}x`),
  };
  const declared = {
    exact: message.length,
    short: Math.max(0, message.length - 3),
    long: message.length + 3,
    max: 0xffffffff,
  }[frame.length];
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, declared, false);
  const full = concatBytes(new Uint8Array(16).fill(7), length, message, appIds[frame.appId]);
  const block = frame.pad === "wechat" ? 32 : 16;
  const padLength = block - (full.length % block);
  const pad = new Uint8Array(padLength).fill(padLength);
  if (frame.pad === "zero") pad.fill(0);
  if (frame.pad === "over32") pad.fill(33 + padLength);
  if (frame.pad === "inconsistent" && padLength > 1) pad[0] = padLength - 1;
  return concatBytes(full, pad);
}

/** AES-256-CBC of whole blocks, without WebCrypto's own padding block. */
async function encryptRaw(encodingAESKey: string, plain: Uint8Array): Promise<Uint8Array> {
  const raw = fromBase64(`${encodingAESKey}=`)!;
  const key = await crypto.subtle.importKey("raw", raw, { name: "AES-CBC" }, false, ["encrypt"]);
  const cipher = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-CBC", iv: raw.slice(0, 16) },
      key,
      plain as BufferSource,
    ),
  );
  return cipher.subarray(0, plain.length);
}

function mutateCipher(encrypt: string, mutations: readonly CipherMutation[]): string {
  let out = encrypt;
  for (const m of mutations) {
    if (m.op === "text") {
      out = mutateString(out, m.mutations);
      continue;
    }
    const bytes = fromBase64(out);
    if (!bytes) continue;
    const i = m.at % (bytes.length + 1);
    if (m.op === "flip") {
      if (i < bytes.length) bytes[i]! ^= m.xor;
      out = toBase64(bytes);
    } else {
      out = toBase64(bytes.subarray(0, i));
    }
  }
  return out;
}

/** Compatible mode: the plaintext fields and Encrypt side by side. */
function withEncrypt(xml: string, encrypt: string): string {
  const field = `<Encrypt><![CDATA[${encrypt}]]></Encrypt>`;
  return /<\/xml>\s*$/.test(xml) ? xml.replace(/<\/xml>\s*$/, `${field}</xml>`) : xml + field;
}

function mutateQuery(segments: string[], mutations: readonly QueryMutation[]): string {
  const out = [...segments];
  for (const m of mutations) {
    const i = "at" in m ? m.at % Math.max(1, out.length) : 0;
    switch (m.op) {
      case "drop":
        out.splice(i, 1);
        break;
      case "duplicate": {
        const segment = out[i];
        if (segment === undefined) break;
        const name = segment.split("=")[0];
        const value = {
          same: segment.slice(name!.length + 1),
          empty: "",
          zeros: "0".repeat(40),
          text: "x%20y",
        }[m.value];
        out.splice(m.to % (out.length + 1), 0, `${name}=${value}`);
        break;
      }
      case "garbage": {
        const segment = out[i];
        if (segment === undefined) break;
        out[i] = m.replace ? `${segment.split("=")[0]}=${m.raw}` : segment + m.raw;
        break;
      }
      case "raw":
        out.splice(m.to % (out.length + 1), 0, m.raw);
        break;
      case "encode-name": {
        const segment = out[i];
        if (segment)
          out[i] = `%${segment.charCodeAt(0).toString(16).toUpperCase()}${segment.slice(1)}`;
        break;
      }
      case "fragment":
        out.push("#frag&nonce=1");
        break;
    }
  }
  return out.join("&");
}

/** encodeURIComponent, which throws on lone surrogates: those are sent as U+FFFD. */
function encodeURIComponentSafe(text: string): string {
  return encodeURIComponent(
    text.replace(
      /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
      "\uFFFD",
    ),
  );
}

function clientAddress(kind: CallbackCase["client"], serial: number): string | undefined {
  if (kind === "none") return undefined;
  if (kind === "v6")
    return `2001:db8:${(serial >> 16).toString(16)}:${(serial & 0xffff).toString(16)}::1`;
  return `10.${(serial >> 16) & 255}.${(serial >> 8) & 255}.${serial & 255}`;
}

function bodyOf(c: CallbackCase, body: string): BodyInit | null {
  switch (c.transport) {
    case "empty":
      return null;
    case "text":
      return c.bytes.length === 0 ? body : mutateBytes(utf8(body), c.bytes);
    case "bytes":
      return mutateBytes(utf8(body), c.bytes);
    case "oversize":
      return `${body}${" ".repeat(64 * 1024)}`;
    case "stream": {
      // No Content-Length: the Worker reads chunk by chunk, and a chunk may split a character.
      const bytes = mutateBytes(utf8(body), c.bytes);
      const cut = bytes.length >> 1;
      return new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(bytes.slice(0, cut));
          controller.enqueue(bytes.slice(cut));
          controller.close();
        },
      });
    }
  }
}
