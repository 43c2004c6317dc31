/**
 * 发布: /cgi-bin/freepublish/{submit,get,delete,getarticle,batchget}, and the PUBLISHJOBFINISH
 * push a finished job produces.
 *
 * - An account marked unverified (`setPublishingVerified(fake, false)`, or the playground's
 *   `POST /__fake/account {"customer_service": false}`: a personal account, an unverified
 *   organisation or one that cannot be verified) gets 48001 "api unauthorized" from
 *   every freepublish endpoint: WeChat withdrew them from those accounts in July 2025 (the 发布能力
 *   page's note), and the community threads show the answer as 48001. Drafts stay allowed.
 * - submit takes the draft out of the draft box (an unknown media_id is 40007) and answers a
 *   publish_id as a JSON number, as the docs type it. The job is "publishing" (1) until
 *   `publishSeconds` of the fake's clock have passed (default 0: done at once), then ends as
 *   `nextOutcome` says (default success: an article_id and one URL per article).
 * - get of an unknown publish_id is 40097, and delete/getarticle of an unknown article_id is
 *   53600 "invalid article_id": our reading, the pages list no errcode for these cases.
 * - `publishJobFinishXml` is the push WeChat sends when the job ends: sign it with sign-push.ts
 *   and deliver it to the Worker's /wechat.
 */
import type { FakeWeChat } from "../fake.ts";
import { renderXml, type XmlOutputElement } from "../../../src/wechat/xml-write.ts";
import { platformState } from "../platform-state.ts";
import { draftBox, findDraft, pageOf, withoutContent } from "./drafts.ts";
import { randomToken, WeChatFault, type Endpoint, type EndpointContext } from "./types.ts";

export interface PublishOutcome {
  /** 0 success, 2 original-check failed, 3 failed, 4 rejected by review. */
  status: 0 | 2 | 3 | 4;
  /** 1-based articles that failed (statuses 2 and 4). */
  failIdx?: number[];
}

export interface PublishJob {
  publishId: number;
  appid: string;
  articles: Record<string, unknown>[];
  submittedAt: number;
  outcome: PublishOutcome;
  articleId?: string;
}

interface PublishingState {
  verified: boolean;
  publishSeconds: number;
  nextOutcome: PublishOutcome;
  nextId: number;
  jobs: Map<number, PublishJob>;
  /** article_id → the job that published it; `deleted` marks deleted articles (1-based). */
  articles: Map<string, { job: PublishJob; deleted: Set<number>; updateTime: number }>;
}

const states = new WeakMap<FakeWeChat, PublishingState>();

export function publishingState(fake: FakeWeChat): PublishingState {
  let state = states.get(fake);
  if (!state) {
    state = {
      verified: true,
      publishSeconds: 0,
      nextOutcome: { status: 0 },
      nextId: 2_247_503_051,
      jobs: new Map(),
      articles: new Map(),
    };
    states.set(fake, state);
  }
  return state;
}

/** false: the account lost freepublish (personal or unverified, since July 2025): 48001. */
export function setPublishingVerified(fake: FakeWeChat, verified: boolean): void {
  publishingState(fake).verified = verified;
}

function requireVerified({ fake }: EndpointContext) {
  // The playground's account switch (POST /__fake/account {customer_service: false}) stands for
  // an unverified subscription account: since July 2025 that account has no freepublish either.
  const { customerService } = platformState(fake);
  if (!publishingState(fake).verified || !customerService) {
    throw new WeChatFault(48001, "api unauthorized");
  }
}

const done = (fake: FakeWeChat, job: PublishJob, now: number) =>
  now - job.submittedAt >= publishingState(fake).publishSeconds * 1000;

/** Ends the job when its time has come (once), giving it an article_id on success. */
function settle(fake: FakeWeChat, job: PublishJob, now: number): boolean {
  if (!done(fake, job, now)) return false;
  if (job.outcome.status === 0 && !job.articleId) {
    job.articleId = randomToken(43);
    publishingState(fake).articles.set(job.articleId, {
      job,
      deleted: new Set(),
      updateTime: Math.floor(now / 1000),
    });
  }
  return true;
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new WeChatFault(47001, "data format error");
  }
  return body as Record<string, unknown>;
}

const articleUrl = (job: PublishJob, idx: number) =>
  `https://mp.weixin.qq.com/s/${job.articleId}_${idx}`;

const submit: Endpoint = {
  method: "POST",
  path: "/cgi-bin/freepublish/submit",
  auth: true,
  handle(context) {
    requireVerified(context);
    const { fake, appid, now } = context;
    const draft = findDraft(fake, appid, objectBody(context.body).media_id);
    const state = publishingState(fake);
    const job: PublishJob = {
      publishId: state.nextId++,
      appid,
      articles: draft.articles,
      submittedAt: now,
      outcome: state.nextOutcome,
    };
    state.nextOutcome = { status: 0 };
    state.jobs.set(job.publishId, job);
    draftBox(fake).delete(draft.mediaId);
    return { errcode: 0, errmsg: "ok", publish_id: job.publishId, msg_data_id: job.publishId + 1 };
  },
};

function findJob({ fake, appid }: EndpointContext, id: unknown): PublishJob {
  const job = publishingState(fake).jobs.get(Number(id));
  if (!job || job.appid !== appid || (typeof id !== "string" && typeof id !== "number")) {
    throw new WeChatFault(40097, "invalid args: publish_id");
  }
  return job;
}

/** freepublish/get's answer for a job. */
function statusOf(fake: FakeWeChat, job: PublishJob, now: number): Record<string, unknown> {
  if (!settle(fake, job, now)) return { publish_id: job.publishId, publish_status: 1 };
  const { status, failIdx } = job.outcome;
  if (status !== 0) {
    return { publish_id: job.publishId, publish_status: status, fail_idx: failIdx ?? [] };
  }
  return {
    publish_id: job.publishId,
    publish_status: 0,
    article_id: job.articleId,
    article_detail: {
      count: job.articles.length,
      item: job.articles.map((_, i) => ({ idx: i + 1, article_url: articleUrl(job, i + 1) })),
    },
    fail_idx: [],
  };
}

const get: Endpoint = {
  method: "POST",
  path: "/cgi-bin/freepublish/get",
  auth: true,
  handle(context) {
    requireVerified(context);
    const job = findJob(context, objectBody(context.body).publish_id);
    return statusOf(context.fake, job, context.now);
  },
};

function findArticle({ fake, appid }: EndpointContext, id: unknown) {
  const entry = typeof id === "string" ? publishingState(fake).articles.get(id) : undefined;
  if (!entry || entry.job.appid !== appid) throw new WeChatFault(53600, "invalid article_id");
  return entry;
}

const remove: Endpoint = {
  method: "POST",
  path: "/cgi-bin/freepublish/delete",
  auth: true,
  handle(context) {
    requireVerified(context);
    const body = objectBody(context.body);
    const entry = findArticle(context, body.article_id);
    const index = body.index ?? 0;
    const count = entry.job.articles.length;
    if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index > count) {
      throw new WeChatFault(40097, "invalid args: index");
    }
    for (let i = 1; i <= count; i++) if (index === 0 || index === i) entry.deleted.add(i);
    return { errcode: 0, errmsg: "ok" };
  },
};

const items = (entry: { job: PublishJob; deleted: Set<number> }) =>
  entry.job.articles.map((article, i) => ({
    ...article,
    url: articleUrl(entry.job, i + 1),
    is_deleted: entry.deleted.has(i + 1),
  }));

const getarticle: Endpoint = {
  method: "POST",
  path: "/cgi-bin/freepublish/getarticle",
  auth: true,
  handle(context) {
    requireVerified(context);
    return { news_item: items(findArticle(context, objectBody(context.body).article_id)) };
  },
};

const batchget: Endpoint = {
  method: "POST",
  path: "/cgi-bin/freepublish/batchget",
  auth: true,
  handle(context) {
    requireVerified(context);
    const page = pageOf(context.body);
    const all = [...publishingState(context.fake).articles.entries()]
      .filter(([, entry]) => entry.job.appid === context.appid)
      .reverse();
    const slice = all.slice(page.offset, page.offset + page.count);
    return {
      total_count: all.length,
      item_count: slice.length,
      item: slice.map(([articleId, entry]) => ({
        article_id: articleId,
        content: { news_item: page.noContent ? withoutContent(items(entry)) : items(entry) },
        update_time: entry.updateTime,
      })),
    };
  },
};

export const publishEndpoints: Endpoint[] = [submit, get, remove, getarticle, batchget];

/**
 * The PUBLISHJOBFINISH push WeChat sends when job `publishId` ends, as its documented XML (the
 * fake's clock is moved past the job's end first). `to` is the account's 原始ID.
 */
export function publishJobFinishXml(
  fake: FakeWeChat,
  publishId: number | string,
  options: { to?: string; from?: string } = {},
): string {
  const job = publishingState(fake).jobs.get(Number(publishId));
  if (!job) throw new Error(`no publish job ${publishId}`);
  const wait = job.submittedAt + publishingState(fake).publishSeconds * 1000 - fake.now();
  if (wait > 0) fake.advance(Math.ceil(wait / 1000));
  const status = statusOf(fake, job, fake.now());
  const detail = status.article_detail as
    { count: number; item: { idx: number; article_url: string }[] } | undefined;
  const info: XmlOutputElement = {
    publish_id: job.publishId,
    publish_status: status.publish_status as number,
    ...(job.articleId ? { article_id: job.articleId } : {}),
    ...(detail ? { article_detail: { count: detail.count, item: detail.item } } : {}),
    ...((status.fail_idx as number[]).length > 0 ? { fail_idx: status.fail_idx as number[] } : {}),
  };
  return renderXml({
    ToUserName: options.to ?? "gh_0123456789ab",
    FromUserName: options.from ?? "oSystemPublisher0000000000",
    CreateTime: Math.floor(fake.now() / 1000),
    MsgType: "event",
    Event: "PUBLISHJOBFINISH",
    PublishEventInfo: info,
  });
}
