import { describe, expect, it } from "vitest";
import { dedupeKey, type InboundMessage } from "../../src/wechat/message";
import { parseMessage } from "../../src/wechat/parse-message";
import { parseXml } from "../../src/wechat/xml";
import { pushes } from "../fixtures/pushes";

function parse(xml: string): InboundMessage {
  const doc = parseXml(xml);
  if (!doc.ok) throw new Error(doc.reason);
  const result = parseMessage(doc.root);
  if (!result.ok) throw new Error(result.reason);
  return result.message;
}

const common = { toUserName: "toUser", fromUserName: "fromUser" };
const menu = { toUserName: "gh_e136c6e50636", fromUserName: "oMgHVjngRipVsoxg6TuX3vz6glDg" };

describe("normal messages (普通消息)", () => {
  it("text, with MsgDataId and Idx; the 64-bit MsgId stays a string", () => {
    expect(parse(pushes.text)).toEqual({
      ...common,
      createTime: 1348831860,
      msgType: "text",
      content: "this is a test",
      msgId: "6054768590064713728",
      msgDataId: "2247483650",
      idx: "1",
      raw: expect.any(Object),
    });
  });

  it("image", () => {
    expect(parse(pushes.image)).toMatchObject({
      ...common,
      msgType: "image",
      picUrl: "http://mmbiz.qpic.cn/mmbiz/this-is-a-url",
      mediaId: "media_id",
      msgId: "1234567890123456",
    });
  });

  it("voice without Recognition", () => {
    const message = parse(pushes.voice);
    expect(message).toMatchObject({ msgType: "voice", mediaId: "media_id", format: "Format" });
    expect(message).not.toHaveProperty("recognition");
  });

  it("voice with Recognition", () => {
    expect(parse(pushes.voiceRecognised)).toMatchObject({
      msgType: "voice",
      format: "amr",
      recognition: "腾讯微信团队",
    });
  });

  it.each(["video", "shortvideo"] as const)("%s", (type) => {
    expect(parse(pushes[type])).toMatchObject({
      ...common,
      msgType: type,
      mediaId: "media_id",
      thumbMediaId: "thumb_media_id",
      msgId: "1234567890123456",
    });
  });

  it("location", () => {
    expect(parse(pushes.location)).toMatchObject({
      msgType: "location",
      latitude: 23.134521,
      longitude: 113.358803,
      scale: 20,
      label: "位置信息",
    });
  });

  it("link", () => {
    expect(parse(pushes.link)).toMatchObject({
      msgType: "link",
      title: "公众平台官网链接",
      description: "公众平台官网链接",
      url: "url",
    });
  });

  it("an unknown type parses into the generic form with every field kept", () => {
    const message = parse(pushes.miniprogrampage);
    expect(message).toMatchObject({
      ...common,
      msgType: "unknown",
      originalMsgType: "miniprogrampage",
      msgId: "6054768590064713729",
    });
    expect(message.raw.PagePath).toBe("pages/index/index");
  });
});

describe("events (事件推送)", () => {
  it("subscribe, plain (no EventKey, or an empty one)", () => {
    for (const xml of [pushes.subscribe, pushes.subscribeEmptyKey]) {
      const message = parse(xml);
      expect(message).toMatchObject({ ...common, msgType: "event", event: "subscribe" });
      expect(message).not.toHaveProperty("qr");
    }
  });

  it("subscribe via a parametric QR code: qrscene_ stripped, integer scene, ticket", () => {
    expect(parse(pushes.subscribeQr)).toMatchObject({
      event: "subscribe",
      eventKey: "qrscene_123123",
      qr: { scene: "123123", sceneId: 123123, ticket: "TICKET" },
    });
  });

  it("subscribe via a string-scene QR code has no sceneId", () => {
    const message = parse(pushes.subscribeQrString);
    expect(message).toMatchObject({ qr: { scene: "campaign-2024", ticket: "TICKET2" } });
    expect(
      message.msgType === "event" && message.event === "subscribe" && message.qr,
    ).not.toHaveProperty("sceneId");
  });

  it("unsubscribe", () => {
    expect(parse(pushes.unsubscribe)).toMatchObject({
      event: "unsubscribe",
      createTime: 123456789,
    });
  });

  it("SCAN with a string and an integer scene (no prefix)", () => {
    expect(parse(pushes.scan)).toMatchObject({
      event: "SCAN",
      eventKey: "SCENE_VALUE",
      qr: { scene: "SCENE_VALUE", ticket: "TICKET" },
    });
    expect(parse(pushes.scanInteger)).toMatchObject({
      qr: { scene: "100000", sceneId: 100000 },
    });
  });

  it("LOCATION", () => {
    expect(parse(pushes.location_event)).toMatchObject({
      event: "LOCATION",
      latitude: 23.137466,
      longitude: 113.352425,
      precision: 119.38504,
    });
  });

  it("CLICK", () => {
    expect(parse(pushes.click)).toMatchObject({ event: "CLICK", eventKey: "EVENTKEY" });
  });

  it("VIEW with MenuId", () => {
    expect(parse(pushes.view)).toMatchObject({
      event: "VIEW",
      eventKey: "www.qq.com",
      menuId: "MENUID",
    });
  });

  it("scancode_push and scancode_waitmsg", () => {
    expect(parse(pushes.scancodePush)).toMatchObject({
      ...menu,
      event: "scancode_push",
      eventKey: "6",
      scanType: "qrcode",
      scanResult: "1",
    });
    expect(parse(pushes.scancodeWaitmsg)).toMatchObject({
      event: "scancode_waitmsg",
      scanResult: "2",
    });
  });

  it("pic_sysphoto, pic_photo_or_album, pic_weixin with one and several pictures", () => {
    expect(parse(pushes.picSysphoto)).toMatchObject({
      event: "pic_sysphoto",
      eventKey: "6",
      count: 1,
      picMd5Sums: ["1b5f7c23b5bf75682a53e7b6d163e185"],
    });
    expect(parse(pushes.picPhotoOrAlbum)).toMatchObject({
      event: "pic_photo_or_album",
      count: 3,
      picMd5Sums: [
        "5a75aaca956d97be686719218f275c6b",
        "1b5f7c23b5bf75682a53e7b6d163e185",
        "00000000000000000000000000000000",
      ],
    });
    expect(parse(pushes.picWeixin)).toMatchObject({
      event: "pic_weixin",
      picMd5Sums: ["5a75aaca956d97be686719218f275c6b"],
    });
  });

  it("location_select keeps the label exactly (leading space) and omits an empty Poiname", () => {
    const message = parse(pushes.locationSelect);
    expect(message).toMatchObject({
      event: "location_select",
      eventKey: "6",
      latitude: 23,
      longitude: 113,
      scale: 15,
      label: " 广州市海珠区客村艺苑路 106号",
    });
    expect(message).not.toHaveProperty("poiname");
  });

  it("view_miniprogram", () => {
    expect(parse(pushes.viewMiniprogram)).toMatchObject({
      event: "view_miniprogram",
      eventKey: "pages/index/index",
      menuId: "MENUID",
    });
  });

  it("TEMPLATESENDJOBFINISH reads MsgID (capital D) as a string", () => {
    expect(parse(pushes.templateSendJobFinish)).toMatchObject({
      event: "TEMPLATESENDJOBFINISH",
      msgId: "9007199254740993",
      status: "failed:user block",
    });
  });

  it("MASSSENDJOBFINISH with CopyrightCheckResult and ArticleUrlResult", () => {
    expect(parse(pushes.massSendJobFinish)).toMatchObject({
      event: "MASSSENDJOBFINISH",
      msgId: "1000001625",
      status: "err(30003)",
      totalCount: 0,
      filterCount: 0,
      sentCount: 0,
      errorCount: 0,
      copyrightCheck: {
        count: 2,
        checkState: 2,
        results: [
          {
            articleIdx: 1,
            userDeclareState: 0,
            auditState: 2,
            originalArticleUrl: "Url_1",
            originalArticleType: 1,
            canReprint: 1,
            needReplaceContent: 1,
            needShowReprintSource: 1,
          },
          { articleIdx: 2, originalArticleUrl: "Url_2" },
        ],
      },
      articleUrls: [{ articleIdx: 1, articleUrl: "Url" }],
    });
  });

  it("PUBLISHJOBFINISH, success and failure", () => {
    expect(parse(pushes.publishJobFinish)).toMatchObject({
      event: "PUBLISHJOBFINISH",
      publishId: "2247503051",
      publishStatus: 0,
      articleId: "b5O2OUs25HBxRceL7hfReg-U9QGeq9zQjiDvyWP4Hq4",
      articles: [
        { idx: 1, articleUrl: "ARTICLE_URL_1" },
        { idx: 2, articleUrl: "ARTICLE_URL_2" },
      ],
      failIdx: [],
    });
    const failed = parse(pushes.publishJobFailed);
    expect(failed).toMatchObject({ publishStatus: 2, articles: [], failIdx: [1, 2] });
    expect(failed).not.toHaveProperty("articleId");
  });

  it("an unknown event parses into the generic form, never an error", () => {
    const message = parse(pushes.unknownEvent);
    expect(message).toMatchObject({
      msgType: "event",
      event: "unknown",
      originalEvent: "kf_create_session",
      eventKey: "k",
    });
    expect(message.raw.KfAccount).toBe("test1@test");
  });

  it("event names match whatever their case", () => {
    expect(parse(pushes.scan.replace("[SCAN]", "[scan]"))).toMatchObject({ event: "SCAN" });
    expect(parse(pushes.subscribe.replace("[subscribe]", "[SUBSCRIBE]"))).toMatchObject({
      event: "subscribe",
    });
  });
});

describe("values as sent", () => {
  it.each([
    ["]]> split across CDATA sections", "<![CDATA[a]]]]><![CDATA[>b]]>", "a]]>b"],
    ["markup", '<![CDATA[<a href="x">&amp;</a>]]>', '<a href="x">&amp;</a>'],
    ["entities", "&lt;b&gt; &#60;i&#62;", "<b> <i>"],
    ["emoji", "<![CDATA[😀👍🏽]]>", "😀👍🏽"],
    ["newlines and spaces", "<![CDATA[  one\ntwo  ]]>", "  one\ntwo  "],
  ])("text content: %s", (_, raw, expected) => {
    const xml = pushes.text.replace("<![CDATA[this is a test]]>", raw);
    expect(parse(xml)).toMatchObject({ msgType: "text", content: expected });
  });
});

describe("pushes missing their envelope are refused with a reason", () => {
  it.each(["ToUserName", "FromUserName", "MsgType", "CreateTime"])("no %s", (field) => {
    const xml = pushes.text.replace(new RegExp(`<${field}>.*</${field}>`), "");
    const doc = parseXml(xml);
    if (!doc.ok) throw new Error(doc.reason);
    const result = parseMessage(doc.root);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain(field);
  });

  it("a CreateTime that is not seconds", () => {
    const doc = parseXml(pushes.text.replace("1348831860", "yesterday"));
    if (!doc.ok) throw new Error(doc.reason);
    expect(parseMessage(doc.root).ok).toBe(false);
  });
});

describe("dedupeKey", () => {
  it("uses MsgId for messages", () => {
    expect(dedupeKey(parse(pushes.text))).toBe("msg:6054768590064713728");
  });

  it("uses sender, time, event and key for events, so events in one second differ", () => {
    const click = dedupeKey(parse(pushes.click));
    const view = dedupeKey(parse(pushes.view));
    expect(click).not.toBe(view);
    expect(click).toBe(dedupeKey(parse(pushes.click)));
    expect(click).toContain("fromUser");
  });
});
