/**
 * 草稿箱 (drafts): `draft/add`, `get`, `update`, `delete`, `count`, `batchget`.
 *
 * A draft is what `freepublish/submit` publishes (and what an mpnews mass send carries); once
 * published or mass-sent, WeChat removes it from the draft box. Every input is checked against
 * the limits of WeChat's 新增草稿 page before it leaves, so a bad article is named by its field
 * (`articles[1].title`) instead of coming back as a bare errcode: title at most 32 characters,
 * author at most 16, digest at most 128, content under 20,000 characters and 1 MB; a news article
 * (图文消息, the default) needs a permanent image as `thumb_media_id`, a picture post (`newspic`,
 * 图片消息) carries 1 to 20 images in `image_info.image_list` instead.
 */
import type { WeChatApiClient } from "./client";
import { refuse as check } from "./input-error";

export type DraftArticleType = "news" | "newspic";

export interface DraftArticle {
  /** news (图文消息, default) or newspic (图片消息). */
  article_type?: DraftArticleType;
  title: string;
  author?: string;
  /** Only single-article drafts show it; WeChat takes the first 54 characters when absent. */
  digest?: string;
  /** HTML; images must come from media/uploadimg (external image URLs are filtered out). */
  content: string;
  /** 阅读原文 link. */
  content_source_url?: string;
  /** A permanent image's media_id (material/add_material); required for news. */
  thumb_media_id?: string;
  need_open_comment?: 0 | 1;
  only_fans_can_comment?: 0 | 1;
  /** Cover crops, "X1_Y1_X2_Y2" in 0..1 coordinates. */
  pic_crop_235_1?: string;
  pic_crop_1_1?: string;
  /** newspic only: the pictures, permanent image media_ids. */
  image_info?: { image_list: { image_media_id: string }[] };
}

/** A stored article as draft/get and batchget return it (with its preview url). */
export interface DraftNewsItem extends DraftArticle {
  url?: string;
  thumb_url?: string;
}

export const DRAFT_LIMITS = {
  articles: 8,
  titleChars: 32,
  authorChars: 16,
  digestChars: 128,
  contentChars: 20_000,
  contentBytes: 1024 * 1024,
  newspicImages: 20,
  batchgetCount: 20,
} as const;

const chars = (text: string) => [...text].length;
const bytes = (text: string) => new TextEncoder().encode(text).length;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function textProblem(
  article: Record<string, unknown>,
  field: string,
  at: string,
  options: { required: boolean; maxChars?: number },
): string | undefined {
  const value = article[field];
  if (value === undefined && !options.required) return undefined;
  if (typeof value !== "string" || (options.required && value.trim() === "")) {
    return `${at}.${field} ${options.required ? "is required" : "must be a string"}`;
  }
  if (options.maxChars !== undefined && chars(value) > options.maxChars) {
    return `${at}.${field} is ${chars(value)} characters, at most ${options.maxChars} allowed`;
  }
  return undefined;
}

/** A reason one article breaks WeChat's rules, naming the field, or undefined. */
export function draftArticleProblem(article: unknown, at = "article"): string | undefined {
  if (!isRecord(article)) return `${at} must be an object`;
  const type = article.article_type ?? "news";
  if (type !== "news" && type !== "newspic") {
    return `${at}.article_type must be news or newspic`;
  }
  const problem =
    textProblem(article, "title", at, { required: true, maxChars: DRAFT_LIMITS.titleChars }) ??
    textProblem(article, "author", at, { required: false, maxChars: DRAFT_LIMITS.authorChars }) ??
    textProblem(article, "digest", at, { required: false, maxChars: DRAFT_LIMITS.digestChars }) ??
    textProblem(article, "content", at, { required: true, maxChars: DRAFT_LIMITS.contentChars }) ??
    textProblem(article, "content_source_url", at, { required: false });
  if (problem) return problem;
  if (bytes(article.content as string) >= DRAFT_LIMITS.contentBytes) {
    return `${at}.content must be under 1 MB`;
  }
  for (const flag of ["need_open_comment", "only_fans_can_comment"]) {
    if (article[flag] !== undefined && article[flag] !== 0 && article[flag] !== 1) {
      return `${at}.${flag} must be 0 or 1`;
    }
  }
  if (type === "news") {
    return textProblem(article, "thumb_media_id", at, { required: true });
  }
  const list = isRecord(article.image_info) ? article.image_info.image_list : undefined;
  if (!Array.isArray(list) || list.length < 1 || list.length > DRAFT_LIMITS.newspicImages) {
    return `${at}.image_info.image_list must hold 1 to ${DRAFT_LIMITS.newspicImages} images for newspic`;
  }
  const bad = list.findIndex(
    (image) =>
      !isRecord(image) || typeof image.image_media_id !== "string" || !image.image_media_id,
  );
  return bad < 0 ? undefined : `${at}.image_info.image_list[${bad}].image_media_id is required`;
}

/** A reason a draft/add body (`{ articles: [...] }`) is malformed, or undefined. */
export function draftProblem(draft: unknown): string | undefined {
  if (!isRecord(draft) || !Array.isArray(draft.articles)) {
    return 'a draft is {"articles": [ ... ]}';
  }
  const { articles } = draft;
  if (articles.length < 1 || articles.length > DRAFT_LIMITS.articles) {
    return `articles must hold 1 to ${DRAFT_LIMITS.articles} articles, got ${articles.length}`;
  }
  for (const [index, article] of articles.entries()) {
    const problem = draftArticleProblem(article, `articles[${index}]`);
    if (problem) return problem;
  }
  return undefined;
}

function mediaIdProblem(mediaId: unknown): string | undefined {
  return typeof mediaId === "string" && mediaId !== "" ? undefined : "media_id is required";
}

/** `draft/add`: resolves with the new draft's media_id. */
export async function addDraft(
  client: WeChatApiClient,
  draft: { articles: DraftArticle[] },
): Promise<{ media_id: string }> {
  check(draftProblem(draft));
  const body = await client.post<{ media_id: string }>("/cgi-bin/draft/add", draft);
  return { media_id: body.media_id };
}

/** `draft/get`: the draft's articles. */
export async function getDraft(
  client: WeChatApiClient,
  mediaId: string,
): Promise<{ news_item: DraftNewsItem[] }> {
  check(mediaIdProblem(mediaId));
  const body = await client.post<{ news_item?: DraftNewsItem[] }>("/cgi-bin/draft/get", {
    media_id: mediaId,
  });
  return { news_item: body.news_item ?? [] };
}

/** `draft/update`: replaces the article at `index` (0-based) of the draft. */
export async function updateDraft(
  client: WeChatApiClient,
  update: { media_id: string; index: number; articles: DraftArticle },
): Promise<void> {
  check(draftUpdateProblem(update));
  await client.post("/cgi-bin/draft/update", update);
}

/** A reason a draft/update body is malformed, or undefined. */
export function draftUpdateProblem(update: unknown): string | undefined {
  if (!isRecord(update)) return "the update must be a JSON object";
  const problem = mediaIdProblem(update.media_id);
  if (problem) return problem;
  if (typeof update.index !== "number" || !Number.isInteger(update.index) || update.index < 0) {
    return "index must be the 0-based position of the article";
  }
  return draftArticleProblem(update.articles, "articles");
}

/** `draft/delete`: irreversible. */
export async function deleteDraft(client: WeChatApiClient, mediaId: string): Promise<void> {
  check(mediaIdProblem(mediaId));
  await client.post("/cgi-bin/draft/delete", { media_id: mediaId });
}

/** `draft/count`. */
export async function countDrafts(client: WeChatApiClient): Promise<{ total_count: number }> {
  const body = await client.get<{ total_count: number }>("/cgi-bin/draft/count");
  return { total_count: body.total_count };
}

export interface DraftPage {
  total_count: number;
  item_count: number;
  item: { media_id: string; content: { news_item: DraftNewsItem[] }; update_time: number }[];
}

export interface PageRequest {
  /** 0-based position of the first item. */
  offset: number;
  /** 1 to 20. */
  count: number;
  /** 1 leaves out the articles' content. */
  no_content?: 0 | 1;
}

/** A reason a batchget page request is malformed, or undefined (drafts and freepublish alike). */
export function pageRequestProblem(page: unknown): string | undefined {
  if (!isRecord(page)) return "the page must be a JSON object";
  if (typeof page.offset !== "number" || !Number.isInteger(page.offset) || page.offset < 0) {
    return "offset must be a whole number from 0";
  }
  const max = DRAFT_LIMITS.batchgetCount;
  if (
    typeof page.count !== "number" ||
    !Number.isInteger(page.count) ||
    page.count < 1 ||
    page.count > max
  ) {
    return `count must be 1 to ${max}`;
  }
  if (page.no_content !== undefined && page.no_content !== 0 && page.no_content !== 1) {
    return "no_content must be 0 or 1";
  }
  return undefined;
}

/** `draft/batchget`: one page of drafts, newest first. */
export async function batchGetDrafts(
  client: WeChatApiClient,
  page: PageRequest,
): Promise<DraftPage> {
  check(pageRequestProblem(page));
  const body = await client.post<Partial<DraftPage>>("/cgi-bin/draft/batchget", page);
  return {
    total_count: body.total_count ?? 0,
    item_count: body.item_count ?? 0,
    item: body.item ?? [],
  };
}
