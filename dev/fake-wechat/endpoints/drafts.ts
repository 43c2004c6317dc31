/**
 * 草稿箱: /cgi-bin/draft/{add,get,update,delete,count,batchget}, strict where WeChat is.
 *
 * Errcodes, from the 新增草稿 page, the global return codes and what WeChat answers in the
 * community threads: 44003 no articles, 45008 more than 8 articles, 45003 title missing or over
 * 32 characters, 45110 author over 16, 45004 digest over 128, 44004 content missing, 45002
 * content of 20,000 characters or 1 MB and more, 40007 a thumb_media_id (or a newspic image)
 * missing or not a permanent image of this account (the threads show 40007 "invalid media_id"
 * for a thumb; we found no documented 45064 for it), 40007 an unknown draft media_id, 40097 a
 * batchget count outside 1..20 or an update index past the draft's articles.
 * Written apart from src/wechat/api/draft.ts on purpose.
 */
import type { FakeWeChat } from "../fake.ts";
import { platformState } from "../platform-state.ts";
import { randomToken, WeChatFault, type Endpoint } from "./types.ts";

export interface StoredDraft {
  mediaId: string;
  appid: string;
  articles: Record<string, unknown>[];
  updateTime: number;
}

const drafts = new WeakMap<FakeWeChat, Map<string, StoredDraft>>();

/** The fake's draft box (all accounts), newest last. */
export function draftBox(fake: FakeWeChat): Map<string, StoredDraft> {
  let box = drafts.get(fake);
  if (!box) drafts.set(fake, (box = new Map()));
  return box;
}

const chars = (value: unknown) => (typeof value === "string" ? [...value].length : 0);

function isPermanentImage(fake: FakeWeChat, id: unknown): boolean {
  if (typeof id !== "string") return false;
  const stored = platformState(fake).media.get(id);
  return stored !== undefined && stored.permanent && stored.type === "image";
}

/** Checks one article as WeChat does and returns it as stored (with its preview url). */
export function checkArticle(fake: FakeWeChat, article: unknown, mediaId: string, index: number) {
  if (typeof article !== "object" || article === null)
    throw new WeChatFault(44003, "empty news data");
  const a = article as Record<string, unknown>;
  const type = a.article_type ?? "news";
  if (type !== "news" && type !== "newspic") throw new WeChatFault(40097, "invalid article_type");
  if (chars(a.title) === 0 || chars(a.title) > 32)
    throw new WeChatFault(45003, "title size out of limit");
  if (chars(a.author) > 16) throw new WeChatFault(45110, "author size out of limit");
  if (chars(a.digest) > 128) throw new WeChatFault(45004, "description size out of limit");
  if (chars(a.content) === 0) throw new WeChatFault(44004, "empty content");
  if (
    chars(a.content) >= 20_000 ||
    new TextEncoder().encode(a.content as string).length >= 1 << 20
  ) {
    throw new WeChatFault(45002, "content size out of limit");
  }
  if (type === "news" && !isPermanentImage(fake, a.thumb_media_id)) {
    throw new WeChatFault(40007, "invalid media_id");
  }
  if (type === "newspic") {
    const list = (a.image_info as { image_list?: unknown } | undefined)?.image_list;
    if (!Array.isArray(list) || list.length === 0 || list.length > 20) {
      throw new WeChatFault(40097, "invalid args: image_list");
    }
    for (const image of list) {
      if (!isPermanentImage(fake, (image as { image_media_id?: unknown })?.image_media_id)) {
        throw new WeChatFault(40007, "invalid media_id");
      }
    }
  }
  return {
    ...a,
    article_type: type,
    url: `https://mp.weixin.qq.com/s?__biz=MzFake&tempkey=${mediaId}_${index}`,
  };
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new WeChatFault(47001, "data format error");
  }
  return body as Record<string, unknown>;
}

/** The draft `media_id` names, or 40007. */
export function findDraft(fake: FakeWeChat, appid: string, mediaId: unknown): StoredDraft {
  const draft = typeof mediaId === "string" ? draftBox(fake).get(mediaId) : undefined;
  if (!draft || draft.appid !== appid) throw new WeChatFault(40007, "invalid media_id");
  return draft;
}

const add: Endpoint = {
  method: "POST",
  path: "/cgi-bin/draft/add",
  auth: true,
  handle({ body, fake, appid, now }) {
    const articles = objectBody(body).articles;
    if (!Array.isArray(articles) || articles.length === 0) {
      throw new WeChatFault(44003, "empty news data");
    }
    if (articles.length > 8) throw new WeChatFault(45008, "article size out of limit");
    const mediaId = randomToken(64);
    const stored = articles.map((article, index) => checkArticle(fake, article, mediaId, index));
    draftBox(fake).set(mediaId, {
      mediaId,
      appid,
      articles: stored,
      updateTime: Math.floor(now / 1000),
    });
    return { media_id: mediaId };
  },
};

const get: Endpoint = {
  method: "POST",
  path: "/cgi-bin/draft/get",
  auth: true,
  handle({ body, fake, appid }) {
    return { news_item: findDraft(fake, appid, objectBody(body).media_id).articles };
  },
};

const update: Endpoint = {
  method: "POST",
  path: "/cgi-bin/draft/update",
  auth: true,
  handle({ body, fake, appid, now }) {
    const b = objectBody(body);
    const draft = findDraft(fake, appid, b.media_id);
    const index = b.index;
    if (
      typeof index !== "number" ||
      !Number.isInteger(index) ||
      index < 0 ||
      index >= draft.articles.length
    ) {
      throw new WeChatFault(40097, "invalid args: index");
    }
    draft.articles[index] = checkArticle(fake, b.articles, draft.mediaId, index);
    draft.updateTime = Math.floor(now / 1000);
    return { errcode: 0, errmsg: "ok" };
  },
};

const remove: Endpoint = {
  method: "POST",
  path: "/cgi-bin/draft/delete",
  auth: true,
  handle({ body, fake, appid }) {
    const draft = findDraft(fake, appid, objectBody(body).media_id);
    draftBox(fake).delete(draft.mediaId);
    return { errcode: 0, errmsg: "ok" };
  },
};

const count: Endpoint = {
  method: "GET",
  path: "/cgi-bin/draft/count",
  auth: true,
  handle({ fake, appid }) {
    return {
      total_count: [...draftBox(fake).values()].filter((draft) => draft.appid === appid).length,
    };
  },
};

/** offset/count/no_content as batchget takes them (drafts and freepublish), or 40097. */
export function pageOf(body: unknown) {
  const b = objectBody(body);
  const { offset, count } = b;
  if (typeof offset !== "number" || !Number.isInteger(offset) || offset < 0) {
    throw new WeChatFault(40097, "invalid args: offset");
  }
  if (typeof count !== "number" || !Number.isInteger(count) || count < 1 || count > 20) {
    throw new WeChatFault(40097, "invalid args: count");
  }
  return { offset, count, noContent: b.no_content === 1 };
}

/** Articles without their content, as no_content: 1 asks. */
export function withoutContent(articles: Record<string, unknown>[]) {
  return articles.map(({ content: _content, ...rest }) => rest);
}

const batchget: Endpoint = {
  method: "POST",
  path: "/cgi-bin/draft/batchget",
  auth: true,
  handle({ body, fake, appid }) {
    const page = pageOf(body);
    const all = [...draftBox(fake).values()].filter((draft) => draft.appid === appid).reverse();
    const slice = all.slice(page.offset, page.offset + page.count);
    return {
      total_count: all.length,
      item_count: slice.length,
      item: slice.map((draft) => ({
        media_id: draft.mediaId,
        content: {
          news_item: page.noContent ? withoutContent(draft.articles) : draft.articles,
        },
        update_time: draft.updateTime,
      })),
    };
  },
};

export const draftEndpoints: Endpoint[] = [add, get, update, remove, count, batchget];
