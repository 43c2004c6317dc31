import { describe, expect, it } from "vitest";
import { randomMsgId, signPush } from "../../dev/fake-wechat/sign-push";
import { cdata, textOf } from "../../src/wechat/xml";
import { pushes } from "../fixtures/pushes";
import { account, openReply, post, root } from "../fixtures/worker";

let follower = 0;

/**
 * Gives a fixture push a fresh sender, CreateTime and MsgId, as a new delivery from WeChat
 * would have (the Worker dedupes retries by MsgId, or by sender and time for events).
 */
function fresh(xml: string): { xml: string; from: string } {
  const from = `oParrot${++follower}`;
  return {
    from,
    xml: xml
      .replace(
        /<FromUserName><!\[CDATA\[[^\]]*\]\]><\/FromUserName>/,
        `<FromUserName>${cdata(from)}</FromUserName>`,
      )
      .replace(
        /<CreateTime>\d+<\/CreateTime>/,
        `<CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime>`,
      )
      .replace(/<MsgId>\d+<\/MsgId>/, `<MsgId>${randomMsgId()}</MsgId>`),
  };
}

/** Sends a push through the deployed Worker; returns the reply's Content, or the raw body. */
async function send(xml: string, mode: "plaintext" | "safe" = "plaintext") {
  const push = await signPush(account, xml, { mode });
  const res = await post(push.path, push.body);
  expect(res.status).toBe(200);
  const body = await res.text();
  if (body === "success") return { body, content: undefined };
  const reply = mode === "safe" ? await openReply(body) : root(body);
  return { body, content: textOf(reply, "Content"), reply };
}

function textXml(content: string): string {
  return `<xml>
<ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>
<FromUserName><![CDATA[x]]></FromUserName>
<CreateTime>1</CreateTime>
<MsgType><![CDATA[text]]></MsgType>
<Content>${cdata(content)}</Content>
<MsgId>1</MsgId>
</xml>`;
}

describe("the demo bot (parrot) through the Worker", () => {
  it.each([
    ["a short text", "hello"],
    // 2,000 bytes: within one passive reply (longer texts come in parts: slow-reply.test.ts).
    ["2,000 bytes", "鹦鹉学舌 parrot 🦜 ".repeat(80)],
    ["]]> and markup", "a]]>b <xml>&amp; <![CDATA[x]]> </Content>"],
    ["a DOCTYPE typed as text", "<!DOCTYPE html><html></html>"],
    ["newlines and surrounding spaces", "  line one\nline two\n\n  "],
    ["emoji", "👍🏽😀🇨🇳"],
  ])("echoes %s unchanged", async (_, content) => {
    const { xml, from } = fresh(textXml(content));
    const { content: echoed, reply } = await send(xml);
    expect(echoed).toBe(content);
    expect(textOf(reply!, "ToUserName")).toBe(from);
  });

  it("keeps the reply well-formed XML when the text carries a control character", async () => {
    // Written by hand: cdata() itself would drop the character before it reached the Worker.
    const xml = textXml("PLACEHOLDER").replace("PLACEHOLDER", "bell\u0007 ring");
    expect(xml).toContain("\u0007");
    const { body, content } = await send(fresh(xml).xml);
    expect(body).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
    expect(content).toBe("bell ring");
  });

  it("echoes in safe mode too, encrypted", async () => {
    const content = "安全模式 ]]> " + "x".repeat(1500);
    const { content: echoed } = await send(fresh(textXml(content)).xml, "safe");
    expect(echoed).toBe(content);
  });

  it("answers voice with its Recognition text", async () => {
    expect((await send(fresh(pushes.voiceRecognised).xml)).content).toBe("腾讯微信团队");
  });

  it("answers unrecognised voice with a short 'could not recognise'", async () => {
    const { content } = await send(fresh(pushes.voice).xml);
    expect(content).toMatch(/could not recognise/);
  });

  it.each([
    ["image", pushes.image, /image/],
    ["video", pushes.video, /video/],
    ["shortvideo", pushes.shortvideo, /video/],
    ["location", pushes.location, /location: 位置信息/],
    ["link", pushes.link, /link: 公众平台官网链接/],
    ["unknown type", pushes.miniprogrampage, /miniprogrampage/],
  ])("answers %s with a short text saying what arrived", async (_, xml, expected) => {
    const { content } = await send(fresh(xml).xml);
    expect(content).toMatch(expected);
    expect(content!.length).toBeLessThan(100);
  });

  it("welcomes a follow", async () => {
    const { content } = await send(fresh(pushes.subscribe).xml);
    expect(content).toMatch(/欢迎关注/);
    expect(content).not.toMatch(/scene/);
  });

  it("welcomes a follow through a QR code, naming the scene", async () => {
    const { content } = await send(fresh(pushes.subscribeQr).xml);
    expect(content).toMatch(/欢迎关注/);
    expect(content).toContain("123123");
    expect(content).not.toContain("qrscene_");
  });

  it("greets a follower who scans a parametric QR code with its scene", async () => {
    const { content } = await send(fresh(pushes.scan).xml);
    expect(content).toBe("Welcome back! (You came from scene SCENE_VALUE.)");
  });

  it.each([
    ["CLICK", pushes.click],
    ["VIEW", pushes.view],
    ["LOCATION", pushes.location_event],
    ["unsubscribe", pushes.unsubscribe],
    ["TEMPLATESENDJOBFINISH", pushes.templateSendJobFinish],
    ["unknown event", pushes.unknownEvent],
  ])("answers %s with success", async (_, xml) => {
    expect((await send(fresh(xml).xml)).body).toBe("success");
  });
});
