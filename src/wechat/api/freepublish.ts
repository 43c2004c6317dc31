/**
 * 发布 (publishing a draft): `freepublish/submit`, `get`, `delete`, `getarticle`, `batchget`.
 *
 * `submit` only queues the job: WeChat answers a `publish_id` and reports the outcome later,
 * both through `freepublish/get` and as a PUBLISHJOBFINISH push to the callback URL (see
 * src/publishing/). A published article is reached by its `article_id`, not by the draft's
 * media_id (the draft leaves the draft box once published).
 *
 * Since July 2025 WeChat has withdrawn every freepublish API from personal accounts (个人主体),
 * unverified organisation accounts and accounts that cannot be verified: they answer 48001
 * "api unauthorized" (the 发布能力 page's note; docs/platform-apis.md).
 *
 * WeChat's JSON carries `publish_id` as a number in some answers and a string in others; this
 * module always hands it over as a decimal string.
 */
import type { WeChatApiClient } from "./client";
import { refuse as check } from "./input-error";
import { pageRequestProblem, type DraftNewsItem, type PageRequest } from "./draft";

/** `publish_status` of freepublish/get and of the PUBLISHJOBFINISH push. */
export const PUBLISH_STATUS = {
  0: "published",
  1: "publishing",
  2: "original-check failed (原创失败)",
  3: "failed",
  4: "rejected by the platform's review",
  5: "published, then every article deleted by the account",
  6: "published, then every article banned by the platform",
} as const satisfies Record<number, string>;

export type PublishStatusCode = keyof typeof PUBLISH_STATUS;

/** A person's word for a publish_status (unknown codes are named as such). */
export function describePublishStatus(status: number): string {
  return status in PUBLISH_STATUS
    ? PUBLISH_STATUS[status as PublishStatusCode]
    : `status ${status} (not documented)`;
}

export interface PublishJob {
  publish_id: string;
  /** 消息的数据ID, when WeChat gives one. */
  msg_data_id?: string;
}

export interface PublishStatus {
  publish_id: string;
  publish_status: number;
  /** Set once published: the article's id for getarticle, delete and menus (article_id buttons). */
  article_id?: string;
  article_detail?: { count: number; item: { idx: number; article_url: string }[] };
  /** 1-based indexes of the articles that failed (original-check or review). */
  fail_idx?: number[];
}

const idOf = (value: unknown) =>
  value === undefined || value === null || value === "" ? undefined : String(value);

const ID = /^\d{1,20}$/;

/** A reason a publish_id is malformed, or undefined. */
export function publishIdProblem(publishId: unknown): string | undefined {
  return typeof publishId === "string" && ID.test(publishId)
    ? undefined
    : "publish_id must be the decimal id freepublish/submit answered";
}

/** `freepublish/submit`: queues the draft `mediaId` for publishing. */
export async function submitPublish(client: WeChatApiClient, mediaId: string): Promise<PublishJob> {
  check(typeof mediaId === "string" && mediaId !== "" ? undefined : "media_id is required");
  const body = await client.post<{ publish_id?: unknown; msg_data_id?: unknown }>(
    "/cgi-bin/freepublish/submit",
    { media_id: mediaId },
  );
  const msgDataId = idOf(body.msg_data_id);
  return { publish_id: String(body.publish_id), ...(msgDataId ? { msg_data_id: msgDataId } : {}) };
}

/** `freepublish/get`: the job's state (1 publishing until it ends). */
export async function getPublishStatus(
  client: WeChatApiClient,
  publishId: string,
): Promise<PublishStatus> {
  check(publishIdProblem(publishId));
  const body = await client.post<Record<string, unknown>>("/cgi-bin/freepublish/get", {
    publish_id: publishId,
  });
  const articleId = idOf(body.article_id);
  const detail = body.article_detail as PublishStatus["article_detail"] | undefined;
  const failIdx = body.fail_idx as number[] | undefined;
  return {
    publish_id: String(body.publish_id ?? publishId),
    publish_status: Number(body.publish_status),
    ...(articleId ? { article_id: articleId } : {}),
    ...(detail && Array.isArray(detail.item) ? { article_detail: detail } : {}),
    ...(Array.isArray(failIdx) && failIdx.length > 0 ? { fail_idx: failIdx } : {}),
  };
}

/**
 * `freepublish/delete`: deletes a published article, irreversibly. `index` is 1-based; 0 or
 * omitted deletes every article of the publish.
 */
export async function deletePublished(
  client: WeChatApiClient,
  articleId: string,
  index?: number,
): Promise<void> {
  check(typeof articleId === "string" && articleId !== "" ? undefined : "article_id is required");
  check(
    index === undefined || (Number.isInteger(index) && index >= 0)
      ? undefined
      : "index must be a whole number (1-based; 0 deletes all)",
  );
  await client.post("/cgi-bin/freepublish/delete", {
    article_id: articleId,
    ...(index ? { index } : {}),
  });
}

/** `freepublish/getarticle`: a published article's items (`is_deleted` marks deleted ones). */
export async function getPublishedArticle(
  client: WeChatApiClient,
  articleId: string,
): Promise<{ news_item: (DraftNewsItem & { is_deleted?: boolean })[] }> {
  check(typeof articleId === "string" && articleId !== "" ? undefined : "article_id is required");
  const body = await client.post<{ news_item?: DraftNewsItem[] }>(
    "/cgi-bin/freepublish/getarticle",
    { article_id: articleId },
  );
  return { news_item: body.news_item ?? [] };
}

export interface PublishedPage {
  total_count: number;
  item_count: number;
  item: { article_id: string; content: { news_item: DraftNewsItem[] }; update_time: number }[];
}

/** `freepublish/batchget`: one page of what was published through freepublish (not mass sends). */
export async function batchGetPublished(
  client: WeChatApiClient,
  page: PageRequest,
): Promise<PublishedPage> {
  check(pageRequestProblem(page));
  const body = await client.post<Partial<PublishedPage>>("/cgi-bin/freepublish/batchget", page);
  return {
    total_count: body.total_count ?? 0,
    item_count: body.item_count ?? 0,
    item: body.item ?? [],
  };
}
