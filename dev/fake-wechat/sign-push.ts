/**
 * WeChat's side of the callback: builds pushes signed (and encrypted) exactly as WeChat sends
 * them, for the tests, the simulator and the benchmarks. Never part of the deployed Worker.
 */
import { MessageCrypt } from "../../src/wechat/message-crypt";
import { computeMsgSignature, computeSignature } from "../../src/wechat/signature";
import { randomAlphanumeric } from "../../src/wechat/encoding";
import { renderXml, textOf, parseXml } from "../../src/wechat/xml";
import type { PushMode } from "../../src/wechat/push";

export interface Account {
  token: string;
  appId: string;
  encodingAESKey?: string;
}

export interface SignedPush {
  /** Path and query, e.g. `/wechat?signature=…`. */
  path: string;
  body: string;
  timestamp: string;
  nonce: string;
}

export interface SignPushOptions {
  mode?: PushMode;
  /** Unix seconds; default now. */
  timestamp?: number;
  nonce?: string;
  openid?: string;
  path?: string;
}

/** Signs (and in compatible/safe mode encrypts) an inner push XML as WeChat would. */
export async function signPush(
  account: Account,
  xml: string,
  options: SignPushOptions = {},
): Promise<SignedPush> {
  const mode = options.mode ?? "plaintext";
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = options.nonce ?? String(Math.floor(Math.random() * 1e10));
  const signature = await computeSignature(account.token, timestamp, nonce);
  const query = new URLSearchParams({ signature, timestamp, nonce });
  const inner = parseXml(xml);
  const openid =
    options.openid ?? (inner.ok ? textOf(inner.root, "FromUserName") : undefined) ?? "";
  if (mode === "plaintext") {
    return { path: `${options.path ?? "/wechat"}?${query}`, body: xml, timestamp, nonce };
  }
  if (!account.encodingAESKey) throw new Error("encrypted modes need an EncodingAESKey");
  const encrypt = await new MessageCrypt(account.encodingAESKey, account.appId).encrypt(xml);
  query.set("openid", openid);
  query.set("encrypt_type", "aes");
  query.set("msg_signature", await computeMsgSignature(account.token, timestamp, nonce, encrypt));
  const toUserName = inner.ok ? (textOf(inner.root, "ToUserName") ?? "") : "";
  // Compatible mode carries the plaintext fields and Encrypt side by side.
  const body =
    mode === "safe"
      ? renderXml({ ToUserName: toUserName, Encrypt: encrypt })
      : xml.replace(/<\/xml>\s*$/, `<Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`);
  return { path: `${options.path ?? "/wechat"}?${query}`, body, timestamp, nonce };
}

/** A text push from a follower. */
export function textPushXml(
  content: string,
  options: { from?: string; to?: string; msgId?: string; createTime?: number } = {},
) {
  return renderXml({
    ToUserName: options.to ?? "gh_0123456789ab",
    FromUserName: options.from ?? "oFollower000000000000000000",
    CreateTime: options.createTime ?? Math.floor(Date.now() / 1000),
    MsgType: "text",
    Content: content,
    MsgId: options.msgId ?? randomMsgId(),
  });
}

/** A 64-bit-looking message id, above 2^53 like WeChat's. */
export function randomMsgId(): string {
  return `7${randomAlphanumeric(0)}${Array.from(crypto.getRandomValues(new Uint8Array(18)), (b) => b % 10).join("")}`;
}
