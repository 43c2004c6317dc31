/**
 * Replies built with the public builders, with any Unicode in every text field, must parse back
 * to what was built, in every message mode: as XML (plaintext mode) and sealed (encrypted and
 * signed) then opened as WeChat opens it.
 *
 * The transformations a field may go through, and no others:
 * - cdata() drops the characters XML 1.0 cannot carry at all (C0 controls but tab, LF and CR;
 *   U+FFFE, U+FFFF), so a handler's stray control character cannot break the document;
 * - XML reads CR LF and a lone CR as LF (line-end normalisation, XML 1.0 §2.11);
 * - a lone surrogate (a JavaScript string can hold one, XML and UTF-8 cannot) is kept by cdata()
 *   and by parseXml, so it survives the string round trip, but it is sent as U+FFFD: the sealed
 *   reply and every HTTP body are UTF-8.
 * News beyond the article-count rule is cut to the allowed number (maxNewsArticles).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MessageCrypt } from "../../src/wechat/message-crypt";
import { sealReply, type PushMode } from "../../src/wechat/push";
import {
  isNoReply,
  maxNewsArticles,
  renderReplyXml,
  reply,
  type NewsArticle,
  type Reply,
} from "../../src/wechat/reply";
import { computeMsgSignature } from "../../src/wechat/signature";
import { parseXml, type XmlElement, type XmlNode } from "../../src/wechat/xml";
import { account } from "../fixtures/worker";
import { nastyText } from "./mutations";
import { fuzzParameters, fuzzTimeout } from "./settings";

const RUNS = 1500;

// XML 1.0's Char production, as UTF-16 code units that are never part of a Char.
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** What a parsed document gives back of a text written with cdata(). */
const asXml = (text: string) => text.replace(NOT_XML_CHAR, "").replace(/\r\n?/g, "\n");
/** What UTF-8 carries of a string: every lone surrogate becomes U+FFFD. */
const utf8Decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
const asUtf8 = (text: string) => utf8Decoder.decode(new TextEncoder().encode(text));
const onTheWire = (text: string) => asUtf8(asXml(text));

const text = nastyText(24);
const optionalText = fc.option(text, { nil: undefined });

const article: fc.Arbitrary<NewsArticle> = fc.record(
  { title: text, description: text, picUrl: text, url: text },
  { requiredKeys: ["title"] },
);

const anyReply: fc.Arbitrary<Reply> = fc.oneof(
  { weight: 3, arbitrary: text.map((content) => reply.text(content)) },
  { weight: 1, arbitrary: text.map((mediaId) => reply.image(mediaId)) },
  { weight: 1, arbitrary: text.map((mediaId) => reply.voice(mediaId)) },
  {
    weight: 1,
    arbitrary: fc
      .record({ mediaId: text, title: optionalText, description: optionalText })
      .map(({ mediaId, ...options }) => reply.video(mediaId, withoutUndefined(options))),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({
        thumbMediaId: text,
        title: optionalText,
        description: optionalText,
        musicUrl: optionalText,
        hqMusicUrl: optionalText,
      })
      .map((options) => reply.music(withoutUndefined(options))),
  },
  {
    weight: 2,
    arbitrary: fc.array(article, { maxLength: 10 }).map((articles) => reply.news(...articles)),
  },
  { weight: 1, arbitrary: optionalText.map((kf) => reply.transferToCustomerService(kf)) },
  { weight: 1, arbitrary: fc.constant(reply.none()) },
);

const inbound = fc.record({
  msgType: fc.constantFrom(
    "text",
    "image",
    "voice",
    "video",
    "shortvideo",
    "location",
    "link",
    "event",
    "unknown",
  ),
  toUserName: text,
  fromUserName: text,
});

type Inbound = typeof inbound extends fc.Arbitrary<infer T> ? T : never;

function withoutUndefined<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The tree a reply's XML must parse to, written from the 被动回复 page's layouts (not from the
 * renderer), each text field passed through `field`.
 */
function expectedTree(
  value: Reply,
  to: Inbound,
  createTime: number,
  field: (text: string) => string,
): XmlElement {
  const tree: XmlElement = {
    ToUserName: field(to.fromUserName),
    FromUserName: field(to.toUserName),
    CreateTime: String(Math.floor(createTime)),
    MsgType: value.type,
  };
  const fields = (entries: Record<string, string | undefined>) =>
    Object.fromEntries(
      Object.entries(entries)
        .filter((entry): entry is [string, string] => entry[1] !== undefined)
        .map(([name, v]) => [name, field(v)]),
    );
  switch (value.type) {
    case "text":
      tree.Content = field(value.content);
      break;
    case "image":
      tree.Image = { MediaId: field(value.mediaId) };
      break;
    case "voice":
      tree.Voice = { MediaId: field(value.mediaId) };
      break;
    case "video":
      tree.Video = fields({
        MediaId: value.mediaId,
        Title: value.title,
        Description: value.description,
      });
      break;
    case "music":
      tree.Music = fields({
        Title: value.title,
        Description: value.description,
        MusicUrl: value.musicUrl,
        HQMusicUrl: value.hqMusicUrl,
        ThumbMediaId: value.thumbMediaId,
      });
      break;
    case "news": {
      const items = value.articles.slice(0, maxNewsArticles(to)).map((a) =>
        fields({
          Title: a.title,
          Description: a.description ?? "",
          PicUrl: a.picUrl ?? "",
          Url: a.url ?? "",
        }),
      );
      tree.ArticleCount = String(items.length);
      // One <item> reads as an element, several as a list.
      tree.Articles = { item: items.length === 1 ? items[0]! : (items as XmlNode[]) };
      break;
    }
    case "transfer_customer_service":
      if (value.kfAccount) tree.TransInfo = { KfAccount: field(value.kfAccount) };
      break;
    case "none":
      break;
  }
  return tree;
}

function parsed(xml: string): XmlElement {
  const doc = parseXml(xml);
  if (!doc.ok) throw new Error(`${doc.reason}: ${JSON.stringify(xml.slice(0, 300))}`);
  return doc.root;
}

const settings = {
  token: account.token,
  appId: account.appId,
  encodingAESKey: account.encodingAESKey,
};
const crypt = new MessageCrypt(account.encodingAESKey, account.appId);

describe("reply XML parses back to what was built", () => {
  it(
    "in plaintext, and sealed then opened in compatible and safe mode",
    async () => {
      let sealedChecked = 0;
      await fc.assert(
        fc.asyncProperty(
          anyReply,
          inbound,
          fc.double({ min: 0, max: 4_102_444_800, noNaN: true }),
          fc.constantFrom<PushMode>("plaintext", "compatible", "safe"),
          // WeChat's nonces are digits; any printable ASCII is carried unchanged as well.
          fc.oneof(fc.stringMatching(/^\d{1,10}$/), fc.stringMatching(/^[\x21-\x7e]{1,32}$/)),
          async (value, to, createTime, mode, nonce) => {
            const xml = renderReplyXml(value, to, createTime);
            if (isNoReply(value)) {
              expect(xml).toBeUndefined();
              return;
            }
            expect(xml).toBeTypeOf("string");
            expect(parsed(xml!)).toStrictEqual(expectedTree(value, to, createTime, asXml));

            const now = createTime + 1;
            const sealed = await sealReply(xml!, { mode, nonce }, settings, now);
            if (mode === "plaintext") {
              expect(sealed).toBe(xml);
              return;
            }
            // WeChat reads the envelope from the UTF-8 body, checks MsgSignature over the
            // fields it received, then decrypts Encrypt.
            const envelope = parsed(asUtf8(sealed));
            expect(Object.keys(envelope).sort()).toEqual([
              "Encrypt",
              "MsgSignature",
              "Nonce",
              "TimeStamp",
            ]);
            const { Encrypt, MsgSignature, TimeStamp, Nonce } = envelope as Record<string, string>;
            expect(TimeStamp).toBe(String(Math.floor(now)));
            expect(Nonce).toBe(onTheWire(nonce));
            expect(MsgSignature).toBe(
              await computeMsgSignature(account.token, TimeStamp!, Nonce!, Encrypt!),
            );
            const opened = await crypt.decrypt(Encrypt!);
            expect(opened.appId).toBe(account.appId);
            expect(opened.message).toBe(asUtf8(xml!));
            expect(parsed(opened.message)).toStrictEqual(
              expectedTree(value, to, createTime, onTheWire),
            );
            sealedChecked++;
          },
        ),
        fuzzParameters(RUNS),
      );
      expect(sealedChecked).toBeGreaterThan(RUNS / 4);
    },
    fuzzTimeout(RUNS, 2),
  );

  /*
   * Regression: sealReply used to sign the nonce from the query as it was but write it through
   * cdata(), so for a nonce XML cannot carry as sent ("\r", "\u0000") the MsgSignature did not
   * verify over the Nonce the reply carried. Such nonces are now replaced by a fresh one.
   */
  it(
    "a sealed reply's MsgSignature verifies over the Nonce it carries, for any accepted nonce",
    async () => {
      await fc.assert(
        fc.asyncProperty(nastyText(64), async (nonce) => {
          const xml = renderReplyXml(
            reply.text("hi"),
            { msgType: "text", toUserName: "gh", fromUserName: "o" },
            1,
          );
          const sealed = await sealReply(xml!, { mode: "safe", nonce }, settings, 2);
          const { Encrypt, MsgSignature, TimeStamp, Nonce } = parsed(asUtf8(sealed)) as Record<
            string,
            string
          >;
          expect(MsgSignature).toBe(
            await computeMsgSignature(account.token, TimeStamp!, Nonce!, Encrypt!),
          );
        }),
        fuzzParameters(RUNS),
      );
    },
    fuzzTimeout(RUNS, 2),
  );

  /*
   * Regression: a text made only of characters XML cannot carry (reply.text("\u0000")) rendered
   * <Content><![CDATA[]]></Content>, which WeChat answers with "该公众号暂时无法提供服务". It is now
   * no reply (`success`), like an empty text.
   */
  it(
    "a text reply that renders XML never carries an empty Content",
    () => {
      fc.assert(
        fc.property(text, inbound, (content, to) => {
          const xml = renderReplyXml(reply.text(content), to, 1_714_112_445);
          if (xml === undefined) return;
          expect(parsed(xml).Content, JSON.stringify(content)).not.toBe("");
        }),
        fuzzParameters(RUNS),
      );
    },
    fuzzTimeout(RUNS, 1),
  );
});
