/**
 * Passive replies (被动回复用户消息): the values a handler returns, and their XML.
 *
 * ToUserName/FromUserName are the push's swapped, CreateTime is in seconds, text goes in CDATA.
 * "No reply" is the body `success`, never an XML with empty Content: WeChat shows the follower
 * "该公众号暂时无法提供服务" for that.
 */
import type { InboundMessage } from "./message";
import { cdata, renderXml, type XmlOutputElement } from "./xml-write";

const EMPTY_CDATA = cdata("");

export interface NewsArticle {
  title: string;
  description?: string;
  picUrl?: string;
  url?: string;
}

export type Reply =
  | { type: "text"; content: string }
  | { type: "image"; mediaId: string }
  | { type: "voice"; mediaId: string }
  | { type: "video"; mediaId: string; title?: string; description?: string }
  | {
      type: "music";
      title?: string;
      description?: string;
      musicUrl?: string;
      hqMusicUrl?: string;
      thumbMediaId: string;
    }
  | { type: "news"; articles: NewsArticle[] }
  /** Hand the conversation to a customer-service agent (转发到客服), optionally a given one. */
  | { type: "transfer_customer_service"; kfAccount?: string }
  | { type: "none" };

export type ReplyType = Reply["type"];

/** Builders for every passive reply type. */
export const reply = {
  text: (content: string): Reply => ({ type: "text", content }),
  image: (mediaId: string): Reply => ({ type: "image", mediaId }),
  voice: (mediaId: string): Reply => ({ type: "voice", mediaId }),
  video: (mediaId: string, options: { title?: string; description?: string } = {}): Reply => ({
    type: "video",
    mediaId,
    ...options,
  }),
  music: (options: {
    thumbMediaId: string;
    title?: string;
    description?: string;
    musicUrl?: string;
    hqMusicUrl?: string;
  }): Reply => ({ type: "music", ...options }),
  news: (...articles: NewsArticle[]): Reply => ({ type: "news", articles }),
  transferToCustomerService: (kfAccount?: string): Reply => ({
    type: "transfer_customer_service",
    ...(kfAccount ? { kfAccount } : {}),
  }),
  none: (): Reply => ({ type: "none" }),
} as const;

/** The body that tells WeChat "no reply": it neither retries nor shows an error. */
export const NO_REPLY_BODY = "success";

// "当用户发送文本、图片、视频、图文、地理位置这五种消息时，开发者只能回复1条图文消息；其余场景最多可回复8条"
// Some revisions add voice; applying the stricter list is always accepted.
const SINGLE_ARTICLE_TRIGGERS = new Set([
  "text",
  "image",
  "video",
  "shortvideo",
  "link",
  "location",
  "voice",
]);

/** How many news articles a passive reply to this push may carry. */
export function maxNewsArticles(inbound: Pick<InboundMessage, "msgType">): number {
  return SINGLE_ARTICLE_TRIGGERS.has(inbound.msgType) ? 1 : 8;
}

/** True when the reply produces no XML (WeChat gets `success`). */
export function isNoReply(value: Reply): boolean {
  return (
    value.type === "none" ||
    // A text XML cannot carry at all (control characters only) would render as an empty
    // Content, which WeChat answers with "该公众号暂时无法提供服务".
    (value.type === "text" && cdata(value.content) === EMPTY_CDATA) ||
    (value.type === "news" && value.articles.length === 0)
  );
}

/**
 * The reply's XML for a push, or undefined when the answer is `success`. News beyond the
 * article-count rule for this push is cut to the allowed number rather than rejected by WeChat.
 */
export function renderReplyXml(
  value: Reply,
  inbound: Pick<InboundMessage, "msgType" | "toUserName" | "fromUserName">,
  createTime: number,
): string | undefined {
  if (isNoReply(value)) return undefined;
  const head = {
    ToUserName: inbound.fromUserName,
    FromUserName: inbound.toUserName,
    CreateTime: Math.floor(createTime),
    MsgType: value.type,
  };
  return renderXml({ ...head, ...replyBody(value, maxNewsArticles(inbound)) });
}

function replyBody(value: Reply, maxArticles: number): XmlOutputElement {
  switch (value.type) {
    case "text":
      return { Content: value.content };
    case "image":
      return { Image: { MediaId: value.mediaId } };
    case "voice":
      return { Voice: { MediaId: value.mediaId } };
    case "video":
      return {
        Video: { MediaId: value.mediaId, Title: value.title, Description: value.description },
      };
    case "music":
      return {
        Music: {
          Title: value.title,
          Description: value.description,
          MusicUrl: value.musicUrl,
          HQMusicUrl: value.hqMusicUrl,
          ThumbMediaId: value.thumbMediaId,
        },
      };
    case "news": {
      const articles = value.articles.slice(0, maxArticles);
      return {
        ArticleCount: articles.length,
        Articles: {
          item: articles.map((a) => ({
            Title: a.title,
            Description: a.description ?? "",
            PicUrl: a.picUrl ?? "",
            Url: a.url ?? "",
          })),
        },
      };
    }
    case "transfer_customer_service":
      return value.kfAccount ? { TransInfo: { KfAccount: value.kfAccount } } : {};
    case "none":
      return {};
  }
}
