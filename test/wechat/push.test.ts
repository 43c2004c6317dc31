import { describe, expect, it } from "vitest";
import { MessageCrypt } from "../../src/wechat/message-crypt";
import { openPush, sealReply, type PushQuery, type PushSettings } from "../../src/wechat/push";
import { computeMsgSignature } from "../../src/wechat/signature";
import { parseXml, renderXml, textOf } from "../../src/wechat/xml";
import { V1, V2, V5 } from "../fixtures/vectors";

const v2Settings: PushSettings = {
  token: V2.token,
  appId: V2.appid,
  encodingAESKey: V2.encodingAESKey,
  messageMode: "compatible",
  timestampToleranceSeconds: 300,
};
const v2Query: PushQuery = {
  signature: V2.signature,
  timestamp: V2.timestamp,
  nonce: V2.nonce,
  openid: "oyORnuP8q7ou2gfYjqLzSIWZf0rs",
  encrypt_type: "aes",
  msg_signature: V2.msg_signature,
};
const v2Body = renderXml({ ToUserName: "gh_10f6c3c3ac5a", Encrypt: V2.encrypt });
const v2Now = Number(V2.timestamp);

async function compatibleBody(): Promise<string> {
  // WeChat's compatible mode: the plaintext push with Encrypt added beside its fields.
  const { message } = await new MessageCrypt(V5.encodingAESKey, V5.appid).decrypt(V5.encrypt);
  return message.replace(/<\/xml>\s*$/, `<Encrypt><![CDATA[${V5.encrypt}]]></Encrypt>\n</xml>`);
}

describe("openPush", () => {
  it("opens V2 in safe mode: both signatures, decryption, a text message with a string MsgId", async () => {
    const push = await openPush(v2Query, v2Body, v2Settings, v2Now);
    if (!push.ok) throw new Error(push.reason);
    expect(push.mode).toBe("safe");
    expect(push.xml).toBe(V2.decrypted_msg);
    expect(push.message).toMatchObject({
      msgType: "text",
      content: "abcdteT",
      msgId: "6054768590064713728",
      fromUserName: "oyORnuP8q7ou2gfYjqLzSIWZf0rs",
    });
  });

  it("opens V5 in compatible mode (plaintext fields and Encrypt in one body)", async () => {
    const query: PushQuery = {
      signature: V5.signature,
      timestamp: V5.timestamp,
      nonce: V5.nonce,
      openid: V5.plaintext_fields.FromUserName,
      encrypt_type: "aes",
      msg_signature: V5.msg_signature,
    };
    const settings = {
      ...v2Settings,
      token: V5.token,
      appId: V5.appid,
      encodingAESKey: V5.encodingAESKey,
    };
    const body = await compatibleBody();
    const outer = parseXml(body);
    expect(outer.ok && textOf(outer.root, "Content")).toBe("你好");
    const push = await openPush(query, body, settings, Number(V5.timestamp));
    if (!push.ok) throw new Error(push.reason);
    expect(push.mode).toBe("compatible");
    expect(push.message).toMatchObject({
      msgType: "text",
      content: V5.plaintext_fields.Content,
      msgId: V5.plaintext_fields.MsgId,
      fromUserName: V5.plaintext_fields.FromUserName,
    });
  });

  it("compatible mode believes the authenticated ciphertext, not the plaintext beside it", async () => {
    const query: PushQuery = {
      signature: V5.signature,
      timestamp: V5.timestamp,
      nonce: V5.nonce,
      encrypt_type: "aes",
      msg_signature: V5.msg_signature,
    };
    const settings = {
      ...v2Settings,
      token: V5.token,
      appId: V5.appid,
      encodingAESKey: V5.encodingAESKey,
    };
    const forged = (await compatibleBody()).replace("你好", "forged");
    const push = await openPush(query, forged, settings, Number(V5.timestamp));
    expect(push.ok && push.message.msgType === "text" && push.message.content).toBe("你好");
  });

  it("V1: the official JSON-format push authenticates and decrypts, then is refused as not XML", async () => {
    const p = V1.safe_post;
    const settings = {
      token: V1.token,
      appId: V1.appid,
      encodingAESKey: V1.encodingAESKey,
      messageMode: "safe" as const,
      timestampToleranceSeconds: 300,
    };
    const query = {
      signature: p.signature,
      timestamp: p.timestamp,
      nonce: p.nonce,
      encrypt_type: "aes",
      msg_signature: p.msg_signature,
    };
    const push = await openPush(
      query,
      renderXml({ ToUserName: "gh_97417a04a28d", Encrypt: p.encrypt }),
      settings,
      Number(p.timestamp),
    );
    expect(push).toMatchObject({ ok: false, kind: "bad-request" });
    expect(!push.ok && push.reason).toMatch(/JSON/);
  });

  it("enforces the replay window on both sides, inclusive of its edge", async () => {
    expect((await openPush(v2Query, v2Body, v2Settings, v2Now + 300)).ok).toBe(true);
    expect((await openPush(v2Query, v2Body, v2Settings, v2Now - 300)).ok).toBe(true);
    for (const now of [v2Now + 301, v2Now - 301, v2Now + 86400]) {
      expect(await openPush(v2Query, v2Body, v2Settings, now)).toMatchObject({
        ok: false,
        kind: "unauthorized",
      });
    }
    const wide = { ...v2Settings, timestampToleranceSeconds: 3600 };
    expect((await openPush(v2Query, v2Body, wide, v2Now + 3000)).ok).toBe(true);
  });

  it.each([
    ["wrong signature", { signature: "0".repeat(40) }, "bad-signature"],
    ["non-hex signature", { signature: "z".repeat(40) }, "bad-signature"],
    ["wrong msg_signature", { msg_signature: "0".repeat(40) }, "bad-signature"],
    ["missing signature", { signature: undefined }, "bad-request"],
    ["missing timestamp", { timestamp: undefined }, "bad-request"],
    ["missing nonce", { nonce: undefined }, "bad-request"],
    ["timestamp in milliseconds", { timestamp: `${V2.timestamp}000` }, "bad-request"],
    ["non-numeric timestamp", { timestamp: "soon" }, "bad-request"],
    ["missing msg_signature", { msg_signature: undefined }, "bad-request"],
    ["unknown encrypt_type", { encrypt_type: "rot13" }, "bad-request"],
  ] as const)("%s → %s", async (_, change, kind) => {
    const push = await openPush({ ...v2Query, ...change }, v2Body, v2Settings, v2Now);
    expect(push).toMatchObject({ ok: false, kind });
  });

  it("checks the plain signature even when msg_signature is right", async () => {
    const push = await openPush({ ...v2Query, nonce: "1320562133" }, v2Body, v2Settings, v2Now);
    expect(push).toMatchObject({ ok: false, kind: "bad-signature" });
  });

  it("an encrypted body without encrypt_type=aes is refused, not treated as plaintext", async () => {
    const { encrypt_type: _, msg_signature: __, ...plainQuery } = v2Query;
    expect(await openPush(plainQuery, v2Body, v2Settings, v2Now)).toMatchObject({
      ok: false,
      kind: "bad-request",
    });
  });

  it("a wrong appid or key gives bad-request; a missing key gives not-configured", async () => {
    const otherApp = { ...v2Settings, appId: "wxffffffffffffffff" };
    expect(await openPush(v2Query, v2Body, otherApp, v2Now)).toMatchObject({
      ok: false,
      kind: "bad-request",
      reason: "cannot decrypt the push",
      detail: "appid-mismatch",
    });
    const otherKey = { ...v2Settings, encodingAESKey: V5.encodingAESKey };
    expect(await openPush(v2Query, v2Body, otherKey, v2Now)).toMatchObject({
      ok: false,
      kind: "bad-request",
      reason: "cannot decrypt the push",
    });
    const noKey = { ...v2Settings, encodingAESKey: undefined };
    const push = await openPush(v2Query, v2Body, noKey, v2Now);
    expect(push).toMatchObject({ ok: false, kind: "not-configured" });
    expect(!push.ok && push.reason).toContain("WECHAT_ENCODING_AES_KEY");
  });
});

describe("sealReply", () => {
  const replyXml = renderXml({
    ToUserName: "oUser",
    FromUserName: "gh_x",
    CreateTime: 1,
    MsgType: "text",
    Content: "hi ]]>",
  });

  it("returns the XML as is for a plaintext push", async () => {
    expect(await sealReply(replyXml, { mode: "plaintext", nonce: "1" }, v2Settings, v2Now)).toBe(
      replyXml,
    );
  });

  it.each(["safe", "compatible"] as const)("encrypts and signs for a %s push", async (mode) => {
    const sealed = await sealReply(replyXml, { mode, nonce: V2.nonce }, v2Settings, 1714112445.9);
    const doc = parseXml(sealed);
    if (!doc.ok) throw new Error(doc.reason);
    expect(Object.keys(doc.root)).toEqual(["Encrypt", "MsgSignature", "TimeStamp", "Nonce"]);
    const encrypt = textOf(doc.root, "Encrypt")!;
    expect(textOf(doc.root, "TimeStamp")).toBe("1714112445");
    expect(textOf(doc.root, "Nonce")).toBe(V2.nonce);
    expect(textOf(doc.root, "MsgSignature")).toBe(
      await computeMsgSignature(V2.token, "1714112445", V2.nonce, encrypt),
    );
    const opened = await new MessageCrypt(V2.encodingAESKey, V2.appid).decrypt(encrypt);
    expect(opened.message).toBe(replyXml);
  });

  it("uses a fresh random for every reply", async () => {
    const a = await sealReply(replyXml, { mode: "safe", nonce: "1" }, v2Settings, v2Now);
    const b = await sealReply(replyXml, { mode: "safe", nonce: "1" }, v2Settings, v2Now);
    expect(a).not.toBe(b);
  });
});

describe("openPush: the account's message mode", () => {
  const { encrypt_type: _, msg_signature: __, ...signedOnly } = v2Query;
  const plaintextBody =
    "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>hi</Content><MsgId>1</MsgId></xml>";

  it("safe refuses a plaintext push before its signature is even checked", async () => {
    const safe = { ...v2Settings, messageMode: "safe" as const };
    for (const query of [signedOnly, { ...signedOnly, signature: "0".repeat(40) }]) {
      const push = await openPush(query, plaintextBody, safe, v2Now);
      expect(push).toMatchObject({ ok: false, kind: "unauthorized" });
      expect(!push.ok && push.reason).toContain("WECHAT_MESSAGE_MODE is safe");
    }
    expect((await openPush(v2Query, v2Body, safe, v2Now)).ok).toBe(true);
  });

  it("plaintext refuses an encrypted push; compatible takes both", async () => {
    const plaintext = { ...v2Settings, messageMode: "plaintext" as const };
    const push = await openPush(v2Query, v2Body, plaintext, v2Now);
    expect(push).toMatchObject({ ok: false, kind: "bad-request" });
    expect(!push.ok && push.reason).toContain("WECHAT_MESSAGE_MODE is plaintext");
    expect((await openPush(signedOnly, plaintextBody, plaintext, v2Now)).ok).toBe(true);
    expect((await openPush(signedOnly, plaintextBody, v2Settings, v2Now)).ok).toBe(true);
    expect((await openPush(v2Query, v2Body, v2Settings, v2Now)).ok).toBe(true);
  });
});

describe("openPush: a rotated EncodingAESKey", () => {
  const rotated = { ...v2Settings, encodingAESKey: V5.encodingAESKey };

  it("opens with the previous key, and the reply is sealed with the key that opened it", async () => {
    expect((await openPush(v2Query, v2Body, rotated, v2Now)).ok).toBe(false);
    const push = await openPush(
      v2Query,
      v2Body,
      { ...rotated, encodingAESKeyPrevious: V2.encodingAESKey },
      v2Now,
    );
    if (!push.ok) throw new Error(push.reason);
    expect(push.encodingAESKey).toBe(V2.encodingAESKey);
    const sealed = await sealReply("<xml><Content>ok</Content></xml>", push, rotated, v2Now);
    const encrypt = textOf((parseXml(sealed) as { ok: true; root: never }).root, "Encrypt")!;
    const opened = await new MessageCrypt(V2.encodingAESKey, V2.appid).decrypt(encrypt);
    expect(opened.message).toBe("<xml><Content>ok</Content></xml>");
    await expect(new MessageCrypt(V5.encodingAESKey, V2.appid).decrypt(encrypt)).rejects.toThrow();
  });

  it("a push neither key opens gets the one uniform reason, and the log detail names both", async () => {
    const push = await openPush(
      v2Query,
      v2Body,
      { ...rotated, encodingAESKeyPrevious: V1.encodingAESKey },
      v2Now,
    );
    expect(push).toMatchObject({
      ok: false,
      kind: "bad-request",
      reason: "cannot decrypt the push",
    });
    expect(!push.ok && push.detail?.split(", ")).toHaveLength(2);
  });
});
