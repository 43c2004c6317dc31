/**
 * The pushes the benchmark sends and the checks on the replies.
 *
 * Every push in a pool is distinct and correctly signed, so deduplication and the replay guard do
 * their real work: a new MsgId, nonce and follower each (events, which WeChat says to dedupe by
 * FromUserName + CreateTime, never share a key either). As WeChat's would, each push carries the
 * second it is sent in as CreateTime and timestamp: the pool is signed ahead, so that second is
 * planned from the rate the server is expected to take them at.
 */
import { signPush, type Account } from "../../dev/fake-wechat/sign-push";
import { MessageCrypt } from "../../src/wechat/message-crypt";
import { computeMsgSignature } from "../../src/wechat/signature";
import { parseXml, renderXml, textOf } from "../../src/wechat/xml";

export const ACCOUNT: Required<Account> = {
  token: "benchToken2026",
  appId: "wx0123456789abcdef",
  encodingAESKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
};

/**
 * The demo parrot's answer to a follow (src/bot/parrot.ts) starts with this; node-webot answers
 * with the parrot's whole line.
 */
const WELCOME_START = "欢迎关注";
export const WELCOME = "欢迎关注！Send me any text and I will say it back. Try /roll, or /slow 8.";

export type PushKind = "text-plaintext" | "text-safe" | "event-safe";

export const PUSH_KINDS: PushKind[] = ["text-plaintext", "text-safe", "event-safe"];

export const KIND_LABEL: Record<PushKind, string> = {
  "text-plaintext": "text, plaintext",
  "text-safe": "text, safe mode",
  "event-safe": "subscribe event, safe mode",
};

export interface PoolPush {
  path: string;
  body: string;
  /** What the follower must see (with `prefix`, what the passive reply must begin). */
  content: string;
  /** The reply is the first part of a long text: a non-empty beginning of `content`. */
  prefix?: boolean;
  openid: string;
  toUserName: string;
}

const TO_USER_NAME = "gh_0123456789ab";

const openidOf = (seed: number, index: number) =>
  `oB${String(seed).padStart(13, "0")}${String(index).padStart(13, "0")}`;

/** Signing cost per push seen so far (ms), to plan when a pool's pushes will go out. */
let signMsPerPush = 0.05;

/** Text pushes other than the default: what the follower sends, and what they must see. */
export interface TextOverride {
  send: (index: number) => string;
  expect: (sent: string) => string;
  prefix?: boolean;
}

function innerXml(
  kind: PushKind,
  index: number,
  seed: number,
  createTime: number,
  text?: TextOverride,
) {
  const FromUserName = openidOf(seed, index);
  if (kind === "event-safe") {
    return {
      xml: renderXml({
        ToUserName: TO_USER_NAME,
        FromUserName,
        CreateTime: createTime,
        MsgType: "event",
        Event: "subscribe",
      }),
      expected: WELCOME,
      openid: FromUserName,
    };
  }
  const sent = text ? text.send(index) : undefined;
  const content = sent ?? `你好，这是第 ${index} 条压测消息 (${seed})`;
  return {
    expected: sent !== undefined ? text!.expect(sent) : content,
    xml: renderXml({
      ToUserName: TO_USER_NAME,
      FromUserName,
      CreateTime: createTime,
      MsgType: "text",
      Content: content,
      // 64-bit like WeChat's, distinct per push across pools.
      MsgId: `7${String(seed).padStart(9, "0")}${String(index).padStart(9, "0")}`,
    }),
    openid: FromUserName,
  };
}

/**
 * `count` distinct pushes, to be sent from when signing ends at about `ratePerSecond`; `seed` must
 * differ between pools sent to the same server.
 */
export async function makePool(
  kind: PushKind,
  count: number,
  seed: number,
  ratePerSecond = Number.POSITIVE_INFINITY,
  text?: TextOverride,
): Promise<PoolPush[]> {
  const signingStarted = Date.now();
  const sendStart = (signingStarted + count * signMsPerPush) / 1000;
  const mode = kind === "text-plaintext" ? "plaintext" : "safe";
  const pool: PoolPush[] = new Array(count);
  const BATCH = 256;
  for (let start = 0; start < count; start += BATCH) {
    const batch: Promise<void>[] = [];
    for (let index = start; index < Math.min(count, start + BATCH); index++) {
      const createTime = Math.floor(sendStart + index / ratePerSecond);
      const inner = innerXml(kind, index, seed, createTime, text);
      batch.push(
        signPush(ACCOUNT, inner.xml, {
          mode,
          timestamp: createTime,
          nonce: `${seed}${String(index).padStart(9, "0")}`,
          openid: inner.openid,
        }).then((signed) => {
          pool[index] = {
            path: signed.path,
            body: signed.body,
            content: inner.expected,
            ...(text?.prefix ? { prefix: true } : {}),
            openid: inner.openid,
            toUserName: TO_USER_NAME,
          };
        }),
      );
    }
    await Promise.all(batch);
  }
  signMsPerPush = (Date.now() - signingStarted) / count;
  return pool;
}

/** The reason a reply is wrong, or undefined when it is what the follower must see. */
export async function checkReply(
  kind: PushKind,
  push: PoolPush,
  status: number,
  body: string,
): Promise<string | undefined> {
  if (status !== 200) return `status ${status}: ${body.slice(0, 120)}`;
  let replyXml = body;
  if (kind !== "text-plaintext") {
    const outer = parseXml(body);
    if (!outer.ok) return `reply is not XML: ${outer.reason}`;
    const encrypt = textOf(outer.root, "Encrypt");
    const msgSignature = textOf(outer.root, "MsgSignature");
    const timeStamp = textOf(outer.root, "TimeStamp");
    const nonce = textOf(outer.root, "Nonce");
    if (!encrypt || !msgSignature || !timeStamp || !nonce) {
      return `safe-mode reply lacks Encrypt/MsgSignature/TimeStamp/Nonce: ${body.slice(0, 120)}`;
    }
    const expected = await computeMsgSignature(ACCOUNT.token, timeStamp, nonce, encrypt);
    if (expected !== msgSignature) return "reply MsgSignature does not verify";
    const opened = await new MessageCrypt(ACCOUNT.encodingAESKey, ACCOUNT.appId).decrypt(encrypt);
    if (opened.appId !== ACCOUNT.appId) return `reply sealed for ${opened.appId}`;
    replyXml = opened.message;
  }
  const reply = parseXml(replyXml);
  if (!reply.ok) return `reply is not XML: ${reply.reason}`;
  const fields = {
    ToUserName: push.openid,
    FromUserName: push.toUserName,
    MsgType: "text",
    Content: push.content,
  };
  for (const [name, value] of Object.entries(fields)) {
    const actual = textOf(reply.root, name);
    const matches =
      kind === "event-safe" && name === "Content"
        ? actual?.startsWith(WELCOME_START)
        : name === "Content" && push.prefix
          ? !!actual && actual.length < value.length && value.startsWith(actual)
          : actual === value;
    if (!matches) return `reply ${name} is ${JSON.stringify(actual)}, expected ${value}`;
  }
  return undefined;
}

/** Sends a few pushes one by one and checks every reply. Throws with the first failure. */
export async function verifyServer(baseUrl: string, kind: PushKind, pool: PoolPush[]) {
  for (const push of pool) {
    const response = await fetch(baseUrl + push.path, {
      method: "POST",
      headers: { "content-type": "text/xml" },
      body: push.body,
    });
    const failure = await checkReply(kind, push, response.status, await response.text());
    if (failure) throw new Error(`${KIND_LABEL[kind]}: ${failure}`);
  }
}
