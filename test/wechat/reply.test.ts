import { describe, expect, it } from "vitest";
import {
  isNoReply,
  maxNewsArticles,
  renderReplyXml,
  reply,
  type NewsArticle,
  type Reply,
} from "../../src/wechat/reply";
import { parseXml, textOf, type XmlElement } from "../../src/wechat/xml";

const inbound = { msgType: "text", toUserName: "gh_account", fromUserName: "oFollower" } as const;
const event = { ...inbound, msgType: "event" } as const;
const NOW = 1714112445;
const HEAD =
  "<xml><ToUserName><![CDATA[oFollower]]></ToUserName><FromUserName><![CDATA[gh_account]]></FromUserName>" +
  `<CreateTime>${NOW}</CreateTime>`;

function render(value: Reply, to: typeof inbound | typeof event = inbound): string {
  const xml = renderReplyXml(value, to, NOW + 0.987);
  if (xml === undefined) throw new Error("no XML");
  return xml;
}

function reparse(xml: string): XmlElement {
  const doc = parseXml(xml);
  if (!doc.ok) throw new Error(doc.reason);
  return doc.root;
}

describe("every reply type renders the documented XML", () => {
  it("text", () => {
    expect(render(reply.text("你好"))).toBe(
      `${HEAD}<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content></xml>`,
    );
  });

  it("image", () => {
    expect(render(reply.image("media_id"))).toBe(
      `${HEAD}<MsgType><![CDATA[image]]></MsgType><Image><MediaId><![CDATA[media_id]]></MediaId></Image></xml>`,
    );
  });

  it("voice", () => {
    expect(render(reply.voice("media_id"))).toBe(
      `${HEAD}<MsgType><![CDATA[voice]]></MsgType><Voice><MediaId><![CDATA[media_id]]></MediaId></Voice></xml>`,
    );
  });

  it("video, with and without title and description", () => {
    expect(render(reply.video("media_id", { title: "标题", description: "描述" }))).toBe(
      `${HEAD}<MsgType><![CDATA[video]]></MsgType><Video><MediaId><![CDATA[media_id]]></MediaId>` +
        "<Title><![CDATA[标题]]></Title><Description><![CDATA[描述]]></Description></Video></xml>",
    );
    expect(render(reply.video("media_id"))).toBe(
      `${HEAD}<MsgType><![CDATA[video]]></MsgType><Video><MediaId><![CDATA[media_id]]></MediaId></Video></xml>`,
    );
  });

  it("music", () => {
    expect(
      render(
        reply.music({
          title: "TITLE",
          description: "DESCRIPTION",
          musicUrl: "MUSIC_Url",
          hqMusicUrl: "HQ_MUSIC_Url",
          thumbMediaId: "media_id",
        }),
      ),
    ).toBe(
      `${HEAD}<MsgType><![CDATA[music]]></MsgType><Music><Title><![CDATA[TITLE]]></Title>` +
        "<Description><![CDATA[DESCRIPTION]]></Description><MusicUrl><![CDATA[MUSIC_Url]]></MusicUrl>" +
        "<HQMusicUrl><![CDATA[HQ_MUSIC_Url]]></HQMusicUrl><ThumbMediaId><![CDATA[media_id]]></ThumbMediaId></Music></xml>",
    );
  });

  it("news", () => {
    expect(
      render(
        reply.news({ title: "title1", description: "description1", picUrl: "picurl", url: "url" }),
      ),
    ).toBe(
      `${HEAD}<MsgType><![CDATA[news]]></MsgType><ArticleCount>1</ArticleCount><Articles><item>` +
        "<Title><![CDATA[title1]]></Title><Description><![CDATA[description1]]></Description>" +
        "<PicUrl><![CDATA[picurl]]></PicUrl><Url><![CDATA[url]]></Url></item></Articles></xml>",
    );
  });

  it("transfer_customer_service, with and without KfAccount", () => {
    expect(render(reply.transferToCustomerService())).toBe(
      `${HEAD}<MsgType><![CDATA[transfer_customer_service]]></MsgType></xml>`,
    );
    expect(render(reply.transferToCustomerService("test1@test"))).toBe(
      `${HEAD}<MsgType><![CDATA[transfer_customer_service]]></MsgType>` +
        "<TransInfo><KfAccount><![CDATA[test1@test]]></KfAccount></TransInfo></xml>",
    );
  });

  it("none, an empty text and an empty news list produce no XML (the route answers success)", () => {
    for (const value of [reply.none(), reply.text(""), reply.news()]) {
      expect(isNoReply(value)).toBe(true);
      expect(renderReplyXml(value, inbound, NOW)).toBeUndefined();
    }
  });
});

describe("the envelope", () => {
  it("swaps To/From and writes CreateTime in whole seconds", () => {
    const root = reparse(render(reply.text("x")));
    expect(textOf(root, "ToUserName")).toBe("oFollower");
    expect(textOf(root, "FromUserName")).toBe("gh_account");
    expect(textOf(root, "CreateTime")).toBe(String(NOW));
  });

  it("text containing ]]> and markup is still well-formed and comes back exactly", () => {
    const text = "a]]>b <![CDATA[c]]> </xml> & &amp; 😀\n";
    const root = reparse(render(reply.text(text)));
    expect(textOf(root, "Content")).toBe(text);
  });
});

describe("news article-count rule", () => {
  const articles: NewsArticle[] = Array.from({ length: 10 }, (_, i) => ({ title: `t${i}` }));

  it("one article in reply to text, image, video, link, location (and voice)", () => {
    for (const msgType of ["text", "image", "video", "shortvideo", "link", "location", "voice"]) {
      expect(maxNewsArticles({ msgType: msgType as "text" })).toBe(1);
    }
    const root = reparse(render(reply.news(...articles)));
    expect(textOf(root, "ArticleCount")).toBe("1");
    expect((root.Articles as XmlElement).item).toMatchObject({ Title: "t0" });
  });

  it("up to eight otherwise (events)", () => {
    expect(maxNewsArticles({ msgType: "event" })).toBe(8);
    const root = reparse(render(reply.news(...articles), event));
    expect(textOf(root, "ArticleCount")).toBe("8");
    expect((root.Articles as XmlElement).item).toHaveLength(8);
  });
});
