import { describe, expect, it } from "vitest";
import type { InboundMessage } from "../../src/wechat/message";
import { parseMessage } from "../../src/wechat/parse-message";
import { reply } from "../../src/wechat/reply";
import { WeChatRouter } from "../../src/wechat/router";
import { parseXml } from "../../src/wechat/xml";
import { pushes, textPush } from "../fixtures/pushes";

function parse(xml: string): InboundMessage {
  const doc = parseXml(xml);
  if (!doc.ok) throw new Error(doc.reason);
  const result = parseMessage(doc.root);
  if (!result.ok) throw new Error(result.reason);
  return result.message;
}

const text = (content: string) => parse(textPush(content));

describe("WeChatRouter", () => {
  it("routes by message type", async () => {
    const router = new WeChatRouter()
      .on("image", (m) => reply.text(`image ${m.mediaId}`))
      .on("voice", (m) => `voice ${m.format}`)
      .on("unknown", (m) => `unknown ${m.originalMsgType}`);
    expect(await router.dispatch(parse(pushes.image), {})).toEqual(reply.text("image media_id"));
    expect(await router.dispatch(parse(pushes.voice), {})).toEqual(reply.text("voice Format"));
    expect(await router.dispatch(parse(pushes.miniprogrampage), {})).toEqual(
      reply.text("unknown miniprogrampage"),
    );
    expect(await router.dispatch(parse(pushes.video), {})).toBeUndefined();
  });

  it("routes events by name, whatever the case, unknown events included", async () => {
    const router = new WeChatRouter()
      .event("click", (e) => `click ${"eventKey" in e ? e.eventKey : ""}`)
      .event("SUBSCRIBE", () => "welcome")
      .event("kf_create_session", (e) => `raw ${e.msgType}`);
    expect(await router.dispatch(parse(pushes.click), {})).toEqual(reply.text("click EVENTKEY"));
    expect(await router.dispatch(parse(pushes.subscribe), {})).toEqual(reply.text("welcome"));
    expect(await router.dispatch(parse(pushes.unknownEvent), {})).toEqual(reply.text("raw event"));
    expect(await router.dispatch(parse(pushes.view), {})).toBeUndefined();
  });

  it("routes by event key (string, RegExp, QR scene) before plain event routes", async () => {
    const router = new WeChatRouter()
      .event("CLICK", () => "any click")
      .event("CLICK", "OTHER", () => "other")
      .event("CLICK", /^EVENT(KEY)$/, () => "pattern")
      .event("subscribe", "123123", (e) => `scene ${e.qr?.sceneId}`)
      .event("SCAN", "SCENE_VALUE", (e) => `scan ${e.qr.ticket}`);
    expect(await router.dispatch(parse(pushes.click), {})).toEqual(reply.text("pattern"));
    const other = parse(pushes.click.replace("EVENTKEY", "OTHER"));
    expect(await router.dispatch(other, {})).toEqual(reply.text("other"));
    const plain = parse(pushes.click.replace("EVENTKEY", "NOPE"));
    expect(await router.dispatch(plain, {})).toEqual(reply.text("any click"));
    expect(await router.dispatch(parse(pushes.subscribeQr), {})).toEqual(
      reply.text("scene 123123"),
    );
    expect(await router.dispatch(parse(pushes.subscribe), {})).toBeUndefined();
    expect(await router.dispatch(parse(pushes.scan), {})).toEqual(reply.text("scan TICKET"));
  });

  it("a global or sticky RegExp matches on every push, not every other one", async () => {
    const router = new WeChatRouter()
      .event("CLICK", /EVENT/g, () => "key")
      .text(/hel(lo)/gy, (m) => `text ${m.match[1]}`);
    for (let i = 0; i < 3; i++) {
      expect(await router.dispatch(parse(pushes.click), {})).toEqual(reply.text("key"));
      expect(await router.dispatch(text("hello"), {})).toEqual(reply.text("text lo"));
    }
  });

  it("routes text by exact string (surrounding spaces ignored) and by pattern, with the match", async () => {
    const router = new WeChatRouter()
      .text("help", () => "help text")
      .text(/^weather (\w+)$/i, (m) => `weather in ${m.match[1]}`)
      .on("text", (m) => `echo ${m.content}`);
    expect(await router.dispatch(text(" help "), {})).toEqual(reply.text("help text"));
    expect(await router.dispatch(text("Weather Beijing"), {})).toEqual(
      reply.text("weather in Beijing"),
    );
    expect(await router.dispatch(text("helpme"), {})).toEqual(reply.text("echo helpme"));
  });

  it("text patterns come before type routes, whatever the registration order", async () => {
    const router = new WeChatRouter().on("text", () => "type").text("x", () => "pattern");
    expect(await router.dispatch(text("x"), {})).toEqual(reply.text("pattern"));
  });

  it("falls back when nothing matches; without a fallback the answer is none", async () => {
    const withFallback = new WeChatRouter().fallback((m) => `fallback ${m.msgType}`);
    expect(await withFallback.dispatch(parse(pushes.link), {})).toEqual(
      reply.text("fallback link"),
    );
    expect(await new WeChatRouter().dispatch(parse(pushes.link), {})).toBeUndefined();
  });

  it("normalises results: string → text, undefined/null → none, a Reply as is", async () => {
    const music = reply.music({ thumbMediaId: "m" });
    const router = new WeChatRouter()
      .on("image", () => undefined)
      .on("voice", () => null)
      .on("video", async () => music)
      .on("link", async () => "async string");
    expect(await router.dispatch(parse(pushes.image), {})).toBeUndefined();
    expect(await router.dispatch(parse(pushes.voice), {})).toBeUndefined();
    expect(await router.dispatch(parse(pushes.video), {})).toBe(music);
    expect(await router.dispatch(parse(pushes.link), {})).toEqual(reply.text("async string"));
  });

  it("passes the context through, and lets a throwing handler's error reach the caller", async () => {
    const router = new WeChatRouter<{ who: string }>()
      .on("text", (_, c) => c.who)
      .on("image", () => {
        throw new Error("boom");
      });
    expect(await router.dispatch(text("x"), { who: "ctx" })).toEqual(reply.text("ctx"));
    await expect(router.dispatch(parse(pushes.image), { who: "" })).rejects.toThrow("boom");
  });
});
