import { describe, expect, it } from "vitest";
import { outboxSince, recordInteraction } from "../../../dev/fake-wechat/platform-state";
import type { CustomMessage } from "../../../src/wechat/custom-message";
import { customMessageFromReply } from "../../../src/wechat/custom-message";
import {
  CustomServiceRefusal,
  customMessageProblem,
  sendCustomMessage,
  setTyping,
} from "../../../src/wechat/api/custom-service";
import { WeChatApiError } from "../../../src/wechat/api/errors";
import { fakeApi } from "../../fixtures/fake-api";

const OPENID = "oUser0000000000000000000001";

// One of each documented msgtype, in the shapes of WeChat's 客服消息 page.
const EVERY_TYPE: CustomMessage[] = [
  { touser: OPENID, msgtype: "text", text: { content: "Hello World" } },
  { touser: OPENID, msgtype: "image", image: { media_id: "MEDIA_ID" } },
  { touser: OPENID, msgtype: "voice", voice: { media_id: "MEDIA_ID" } },
  {
    touser: OPENID,
    msgtype: "video",
    video: { media_id: "MEDIA_ID", thumb_media_id: "THUMB", title: "TITLE", description: "DESC" },
  },
  {
    touser: OPENID,
    msgtype: "music",
    music: {
      title: "MUSIC_TITLE",
      description: "MUSIC_DESCRIPTION",
      musicurl: "https://example.com/a.mp3",
      hqmusicurl: "https://example.com/a.flac",
      thumb_media_id: "THUMB_MEDIA_ID",
    },
  },
  {
    touser: OPENID,
    msgtype: "news",
    news: {
      articles: [
        {
          title: "Happy Day",
          description: "Is Really A Happy Day",
          url: "https://example.com",
          picurl: "https://example.com/p.png",
        },
      ],
    },
  },
  { touser: OPENID, msgtype: "mpnews", mpnews: { media_id: "MEDIA_ID" } },
  { touser: OPENID, msgtype: "mpnewsarticle", mpnewsarticle: { article_id: "ARTICLE_ID" } },
  {
    touser: OPENID,
    msgtype: "msgmenu",
    msgmenu: {
      head_content: "您对本次服务是否满意呢? ",
      list: [
        { id: "101", content: "满意" },
        { id: "102", content: "不满意" },
      ],
      tail_content: "欢迎再次光临",
    },
  },
  { touser: OPENID, msgtype: "wxcard", wxcard: { card_id: "123dsdajkasd231jhksad" } },
  {
    touser: OPENID,
    msgtype: "miniprogrampage",
    miniprogrampage: {
      title: "title",
      appid: "wx0123456789abcdef",
      pagepath: "pages/index",
      thumb_media_id: "thumb",
    },
  },
];

describe("customer-service messages (客服消息)", () => {
  it("sends every msgtype in WeChat's documented shape, within the follower's 48-hour window", async () => {
    const { fake, client } = await fakeApi();
    // 5 per user message; three messages open enough for eleven sends.
    for (let i = 0; i < 3; i++) recordInteraction(fake, OPENID, "message");
    for (const message of EVERY_TYPE) {
      expect(customMessageProblem(message)).toBeUndefined();
      await sendCustomMessage(client, message);
    }
    const sent = outboxSince(fake).filter((entry) => entry.kind === "custom");
    expect(sent.map((entry) => entry.body)).toEqual(EVERY_TYPE);
  });

  it("sends as a given agent with customservice.kf_account", async () => {
    const { fake, client } = await fakeApi();
    recordInteraction(fake, OPENID);
    const message: CustomMessage = {
      touser: OPENID,
      msgtype: "text",
      text: { content: "hi" },
      customservice: { kf_account: "test1@kftest" },
    };
    await sendCustomMessage(client, message);
    expect(outboxSince(fake)[0]!.body).toEqual(message);
  });

  it("refuses outside the window with a typed 45015 that names the fallback", async () => {
    const { fake, client } = await fakeApi();
    recordInteraction(fake, OPENID, "message", fake.now() - 48 * 3_600_000 - 1000);
    const error = await sendCustomMessage(client, EVERY_TYPE[0]!).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CustomServiceRefusal);
    expect(error).toBeInstanceOf(WeChatApiError);
    expect(error).toMatchObject({ errcode: 45015, kind: "outside_window" });
    expect((error as CustomServiceRefusal).reason).toMatch(/template message/);
  });

  it("refuses the sixth message after one user message with 45047, and a click allows 3 within a minute", async () => {
    const { fake, client } = await fakeApi();
    recordInteraction(fake, OPENID, "message");
    for (let i = 0; i < 5; i++) await sendCustomMessage(client, EVERY_TYPE[0]!);
    await expect(sendCustomMessage(client, EVERY_TYPE[0]!)).rejects.toMatchObject({
      errcode: 45047,
      kind: "over_quota",
    });
    const other = "oUser0000000000000000000002";
    recordInteraction(fake, other, "click");
    for (let i = 0; i < 3; i++)
      await sendCustomMessage(client, { ...EVERY_TYPE[0]!, touser: other } as CustomMessage);
    await expect(
      sendCustomMessage(client, { ...EVERY_TYPE[0]!, touser: other } as CustomMessage),
    ).rejects.toMatchObject({ errcode: 45047 });
    fake.advance(61);
    await expect(
      sendCustomMessage(client, { ...EVERY_TYPE[0]!, touser: other } as CustomMessage),
    ).rejects.toMatchObject({ errcode: 45015 });
  });

  it("maps 48001 (no permission) to a typed refusal", async () => {
    const { fake, client } = await fakeApi();
    fake.inject(
      { errcode: 48001, errmsg: "api unauthorized" },
      { path: "/cgi-bin/message/custom/send" },
    );
    await expect(sendCustomMessage(client, EVERY_TYPE[0]!)).rejects.toMatchObject({
      errcode: 48001,
      kind: "no_permission",
    });
  });

  it("refuses a news message with two articles (45008) as a plain API error", async () => {
    const { fake, client } = await fakeApi();
    recordInteraction(fake, OPENID);
    const article = { title: "a" };
    const error = await sendCustomMessage(client, {
      touser: OPENID,
      msgtype: "news",
      news: { articles: [article, article] },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeChatApiError);
    expect(error).not.toBeInstanceOf(CustomServiceRefusal);
    expect(error).toMatchObject({ errcode: 45008 });
  });

  it("sends the typing indicator, refused outside the window", async () => {
    const { fake, client } = await fakeApi();
    await expect(setTyping(client, OPENID, true)).rejects.toMatchObject({ errcode: 45015 });
    recordInteraction(fake, OPENID);
    await setTyping(client, OPENID, true);
    await setTyping(client, OPENID, false);
    expect(outboxSince(fake).map((entry) => entry.body)).toEqual([
      { touser: OPENID, command: "Typing" },
      { touser: OPENID, command: "CancelTyping" },
    ]);
  });

  it("explains malformed messages before sending", () => {
    expect(customMessageProblem({ msgtype: "text", text: { content: "x" } })).toMatch(/touser/);
    expect(customMessageProblem({ touser: OPENID, msgtype: "fax" })).toMatch(
      /msgtype must be one of/,
    );
    expect(
      customMessageProblem({
        touser: OPENID,
        msgtype: "miniprogrampage",
        miniprogrampage: { appid: "wx" },
      }),
    ).toBe("miniprogrampage.pagepath is required");
  });

  it("keeps customMessageFromReply working for late replies", () => {
    expect(customMessageFromReply({ type: "text", content: "late" }, OPENID)).toEqual({
      touser: OPENID,
      msgtype: "text",
      text: { content: "late" },
    });
    expect(customMessageFromReply({ type: "none" }, OPENID)).toBeUndefined();
  });
});
