/**
 * Customer-service messages (客服消息) as sent by `POST /cgi-bin/message/custom/send`, and the
 * conversion from a passive reply to its customer-service form, used when a reply misses the
 * 5-second window and has to be delivered afterwards.
 */
import type { Reply } from "./reply";

/** Sent as a given agent (以某个客服帐号来发消息); the account must exist under customservice/kfaccount. */
export interface CustomServiceAccount {
  customservice?: { kf_account: string };
}

/** One message body per `msgtype`, as WeChat documents them for message/custom/send. */
export interface CustomMessageBodies {
  text: { content: string };
  image: { media_id: string };
  voice: { media_id: string };
  video: { media_id: string; thumb_media_id?: string; title?: string; description?: string };
  music: {
    title?: string;
    description?: string;
    musicurl?: string;
    hqmusicurl?: string;
    thumb_media_id: string;
  };
  /** 图文消息 (点击跳转到外链): one article; more gives 45008 on most accounts since 2018-10. */
  news: { articles: { title: string; description?: string; url?: string; picurl?: string }[] };
  /** 图文消息 (点击跳转到图文消息页面) from a draft's media_id. */
  mpnews: { media_id: string };
  /** A published article (发布后的图文) by article_id. */
  mpnewsarticle: { article_id: string };
  /** 菜单消息: tapping an item sends the follower's choice back as a text push. */
  msgmenu: {
    head_content?: string;
    list: { id: string; content: string }[];
    tail_content?: string;
  };
  /** 卡券: only for accounts with card permission. */
  wxcard: { card_id: string };
  /** 小程序卡片: the mini program must be linked to the account. */
  miniprogrampage: { title?: string; appid: string; pagepath: string; thumb_media_id: string };
}

export type CustomMessageType = keyof CustomMessageBodies;

/** A customer-service message (客服消息) of one `msgtype`, the body under the key of the same name. */
export type CustomMessage = {
  [T in CustomMessageType]: { touser: string; msgtype: T } & {
    [K in T]: CustomMessageBodies[T];
  } & CustomServiceAccount;
}[CustomMessageType];

/**
 * The customer-service message that carries the same content as a passive reply, or undefined
 * for replies that have no such form (`none`, and transfer to an agent, which only exists as a
 * passive reply). Customer-service news carries one article.
 */
export function customMessageFromReply(reply: Reply, openid: string): CustomMessage | undefined {
  switch (reply.type) {
    case "text":
      return reply.content === ""
        ? undefined
        : { touser: openid, msgtype: "text", text: { content: reply.content } };
    case "image":
      return { touser: openid, msgtype: "image", image: { media_id: reply.mediaId } };
    case "voice":
      return { touser: openid, msgtype: "voice", voice: { media_id: reply.mediaId } };
    case "video":
      return {
        touser: openid,
        msgtype: "video",
        video: {
          media_id: reply.mediaId,
          ...(reply.title !== undefined ? { title: reply.title } : {}),
          ...(reply.description !== undefined ? { description: reply.description } : {}),
        },
      };
    case "music":
      return {
        touser: openid,
        msgtype: "music",
        music: {
          ...(reply.title !== undefined ? { title: reply.title } : {}),
          ...(reply.description !== undefined ? { description: reply.description } : {}),
          ...(reply.musicUrl !== undefined ? { musicurl: reply.musicUrl } : {}),
          ...(reply.hqMusicUrl !== undefined ? { hqmusicurl: reply.hqMusicUrl } : {}),
          thumb_media_id: reply.thumbMediaId,
        },
      };
    case "news": {
      const first = reply.articles[0];
      if (!first) return undefined;
      return {
        touser: openid,
        msgtype: "news",
        news: {
          articles: [
            {
              title: first.title,
              ...(first.description !== undefined ? { description: first.description } : {}),
              ...(first.url !== undefined ? { url: first.url } : {}),
              ...(first.picUrl !== undefined ? { picurl: first.picUrl } : {}),
            },
          ],
        },
      };
    }
    case "transfer_customer_service":
    case "none":
      return undefined;
  }
}
