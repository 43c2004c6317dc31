/**
 * What the follower's phone shows for a bot message, from either source: a passive reply's XML
 * (被动回复用户消息) or a customer-service message's JSON (客服消息). The page renders this model;
 * checks here are the ones WeChat makes before showing anything.
 */
import { elementOf, elementsOf, parseXml, textOf } from "../../src/wechat/xml";

export interface NewsCard {
  title: string;
  description?: string;
  picUrl?: string;
  url?: string;
}

export type ChatMessage =
  | { kind: "text"; content: string }
  | { kind: "image"; mediaId: string }
  | { kind: "voice"; mediaId: string }
  | { kind: "video"; mediaId: string; title?: string; description?: string }
  | {
      kind: "music";
      title?: string;
      description?: string;
      musicUrl?: string;
      hqMusicUrl?: string;
      thumbMediaId?: string;
    }
  | { kind: "news"; articles: NewsCard[] }
  | { kind: "menu"; head?: string; items: { id: string; content: string }[]; tail?: string }
  | { kind: "transfer"; kfAccount?: string }
  | { kind: "other"; label: string };

const REPLY_ARTICLE_LIMIT = 8;

/** A passive reply's inner XML as WeChat reads it; `problem` when WeChat would refuse it. */
export function parseReply(
  xml: string,
  account: { openid: string; originalId: string },
): { reply?: ChatMessage; problem?: string } {
  const parsed = parseXml(xml);
  if (!parsed.ok) return { problem: `the reply is not XML: ${parsed.reason}` };
  const root = parsed.root;
  if (textOf(root, "ToUserName") !== account.openid) {
    return { problem: "the reply's ToUserName is not the follower's openid" };
  }
  if (textOf(root, "FromUserName") !== account.originalId) {
    return { problem: "the reply's FromUserName is not the account's original id" };
  }
  if (!/^\d{1,11}$/.test(textOf(root, "CreateTime") ?? "")) {
    return { problem: "the reply's CreateTime is not in seconds" };
  }
  const msgType = textOf(root, "MsgType");
  const media = (name: string) => textOf(elementOf(root, name) ?? {}, "MediaId");
  switch (msgType) {
    case "text": {
      const content = textOf(root, "Content");
      // An empty Content is the classic cause of "该公众号暂时无法提供服务".
      return content
        ? { reply: { kind: "text", content } }
        : { problem: "a text reply with empty Content" };
    }
    case "image":
    case "voice": {
      const mediaId = media(msgType === "image" ? "Image" : "Voice");
      return mediaId
        ? { reply: { kind: msgType, mediaId } }
        : { problem: `a ${msgType} reply without MediaId` };
    }
    case "video": {
      const video = elementOf(root, "Video") ?? {};
      const mediaId = textOf(video, "MediaId");
      if (!mediaId) return { problem: "a video reply without MediaId" };
      return {
        reply: {
          kind: "video",
          mediaId,
          title: textOf(video, "Title"),
          description: textOf(video, "Description"),
        },
      };
    }
    case "music": {
      const music = elementOf(root, "Music") ?? {};
      return {
        reply: {
          kind: "music",
          title: textOf(music, "Title"),
          description: textOf(music, "Description"),
          musicUrl: textOf(music, "MusicUrl"),
          hqMusicUrl: textOf(music, "HQMusicUrl"),
          thumbMediaId: textOf(music, "ThumbMediaId"),
        },
      };
    }
    case "news": {
      const items = elementsOf(elementOf(root, "Articles"), "item");
      if (items.length === 0) return { problem: "a news reply without articles" };
      if (items.length > REPLY_ARTICLE_LIMIT)
        return { problem: "a news reply with more than 8 articles" };
      if (textOf(root, "ArticleCount") !== String(items.length)) {
        return { problem: "ArticleCount does not match the articles" };
      }
      return {
        reply: {
          kind: "news",
          articles: items.map((item) => ({
            title: textOf(item, "Title") ?? "",
            description: textOf(item, "Description"),
            picUrl: textOf(item, "PicUrl"),
            url: textOf(item, "Url"),
          })),
        },
      };
    }
    case "transfer_customer_service":
      return {
        reply: {
          kind: "transfer",
          kfAccount: textOf(elementOf(root, "TransInfo") ?? {}, "KfAccount"),
        },
      };
    default:
      return { problem: `unknown reply MsgType ${JSON.stringify(msgType ?? "")}` };
  }
}

type Json = Record<string, unknown>;
const str = (value: unknown) => (typeof value === "string" ? value : undefined);
const obj = (value: unknown): Json =>
  typeof value === "object" && value !== null ? (value as Json) : {};

/** A customer-service message body (message/custom/send) as the phone shows it. */
export function customMessageView(body: Json): ChatMessage {
  const msgtype = str(body.msgtype) ?? "";
  const part = obj(body[msgtype]);
  switch (msgtype) {
    case "text":
      return { kind: "text", content: str(part.content) ?? "" };
    case "image":
    case "voice":
      return { kind: msgtype, mediaId: str(part.media_id) ?? "" };
    case "video":
      return {
        kind: "video",
        mediaId: str(part.media_id) ?? "",
        title: str(part.title),
        description: str(part.description),
      };
    case "music":
      return {
        kind: "music",
        title: str(part.title),
        description: str(part.description),
        musicUrl: str(part.musicurl),
        hqMusicUrl: str(part.hqmusicurl),
        thumbMediaId: str(part.thumb_media_id),
      };
    case "news": {
      const articles = Array.isArray(part.articles) ? part.articles.map(obj) : [];
      return {
        kind: "news",
        articles: articles.map((a) => ({
          title: str(a.title) ?? "",
          description: str(a.description),
          picUrl: str(a.picurl),
          url: str(a.url),
        })),
      };
    }
    case "msgmenu": {
      const list = Array.isArray(part.list) ? part.list.map(obj) : [];
      return {
        kind: "menu",
        head: str(part.head_content),
        items: list.map((item) => ({
          id: String(item.id ?? ""),
          content: str(item.content) ?? "",
        })),
        tail: str(part.tail_content),
      };
    }
    default:
      return { kind: "other", label: `[${msgtype || "unknown"} message]` };
  }
}
