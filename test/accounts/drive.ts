/**
 * Driving a Worker of several accounts: a bot that answers with the account it was given and
 * records every run, signed pushes for any account, and replies opened with a chosen key.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { signPush, type SignPushOptions } from "../../dev/fake-wechat/sign-push";
import type { BotContext } from "../../src/bot/context";
import type { Env } from "../../src/env";
import { MessageCrypt } from "../../src/wechat/message-crypt";
import { WeChatRouter } from "../../src/wechat/router";
import { computeMsgSignature } from "../../src/wechat/signature";
import { parseXml, textOf, type XmlElement } from "../../src/wechat/xml";
import { createWorker } from "../../src/worker";

export const ORIGIN = "https://worker.test";

/** An account as the tests sign for it (WeChat's spelling of the fields, as in WECHAT_ACCOUNTS). */
export interface TestAccount {
  appid: string;
  token: string;
  encodingAESKey?: string;
}

/** The single test account (WECHAT_TOKEN, WECHAT_APPID, ... of vitest.config.ts). */
export const SINGLE: TestAccount = {
  appid: env.WECHAT_APPID!,
  token: env.WECHAT_TOKEN!,
  encodingAESKey: env.WECHAT_ENCODING_AES_KEY!,
};

/** The env without the single account's variables: only WECHAT_ACCOUNTS configures accounts. */
export const LISTED_ONLY: Partial<Env> = {
  WECHAT_TOKEN: undefined,
  WECHAT_APPID: undefined,
  WECHAT_APPSECRET: undefined,
  WECHAT_ENCODING_AES_KEY: undefined,
  WECHAT_MESSAGE_MODE: undefined,
};

let sequence = 0;
/** A fresh nonce per request: every account's replay guard remembers the pairs it has seen. */
export function uniqueNonce(): string {
  return `${Date.now() % 1e6}${++sequence}`;
}

let address = 0;
/** A client address of its own, so refused signatures never add up to the failure limit. */
export function freshAddress(): string {
  address++;
  return `198.51.${(address >> 8) & 255}.${address & 255}`;
}

/** The Worker around a bot that answers `appid=<ctx.account.appid>` and records each run. */
export function accountsWorker() {
  const runs: { appid: string | undefined; appId: string | undefined; content: string }[] = [];
  const bot = new WeChatRouter<BotContext>().on("text", (message, ctx) => {
    runs.push({ appid: ctx.account.appid, appId: ctx.account.appId, content: message.content });
    return `appid=${ctx.account.appid}`;
  });
  const worker = createWorker(bot);
  const fetch = async (path: string, init: RequestInit = {}, overrides: Partial<Env> = {}) => {
    const ctx = createExecutionContext();
    const response = await worker.fetch(
      new Request(`${ORIGIN}${path}`, init) as Request<unknown, IncomingRequestCfProperties>,
      { ...env, ...overrides },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return response;
  };
  return { runs, fetch };
}

/** A push signed (and, unless plaintext, encrypted) with `account`'s settings, sent to `path`. */
export async function pushFor(
  account: TestAccount,
  xml: string,
  path: string,
  options: SignPushOptions = {},
) {
  const signed = await signPush(
    { token: account.token, appId: account.appid, encodingAESKey: account.encodingAESKey },
    xml,
    { nonce: uniqueNonce(), ...options, path },
  );
  return {
    ...signed,
    init: {
      method: "POST",
      body: signed.body,
      headers: { "cf-connecting-ip": freshAddress() },
    } satisfies RequestInit,
  };
}

export function root(xml: string): XmlElement {
  const doc = parseXml(xml);
  if (!doc.ok) throw new Error(`${doc.reason}: ${xml.slice(0, 200)}`);
  return doc.root;
}

/**
 * Opens an encrypted reply with `account`'s key and checks its MsgSignature with its token:
 * throws when either is not that account's.
 */
export async function openReplyAs(account: TestAccount, body: string): Promise<XmlElement> {
  const outer = root(body);
  const encrypt = textOf(outer, "Encrypt");
  const signature = textOf(outer, "MsgSignature");
  if (!encrypt || !signature) throw new Error(`not an encrypted reply: ${body}`);
  const expected = await computeMsgSignature(
    account.token,
    textOf(outer, "TimeStamp") ?? "",
    textOf(outer, "Nonce") ?? "",
    encrypt,
  );
  if (expected !== signature) throw new Error("MsgSignature is not this account's");
  const inner = await new MessageCrypt(account.encodingAESKey!, account.appid).decrypt(encrypt);
  return root(inner.message);
}
