/**
 * Customer-service messages (客服消息) as sent by `POST /cgi-bin/message/custom/send`, and the
 * conversion from a passive reply to its customer-service form, used when a reply misses the
 * 5-second window and has to be delivered afterwards.
 */
import type { Reply } from "./reply";

export type CustomMessage =
  | { touser: string; msgtype: "text"; text: { content: string } }
  | { touser: string; msgtype: "image"; image: { media_id: string } }
  | { touser: string; msgtype: "voice"; voice: { media_id: string } }
  | {
      touser: string;
      msgtype: "video";
      video: { media_id: string; thumb_media_id?: string; title?: string; description?: string };
    }
  | {
      touser: string;
      msgtype: "music";
      music: {
        title?: string;
        description?: string;
        musicurl?: string;
        hqmusicurl?: string;
        thumb_media_id: string;
      };
    }
  | {
      touser: string;
      msgtype: "news";
      news: { articles: { title: string; description?: string; url?: string; picurl?: string }[] };
    };

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
