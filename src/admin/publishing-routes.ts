/**
 * 草稿箱 and 发布 for operators (Bearer ADMIN_KEY, mounted under /admin):
 *
 * POST   /admin/drafts                   { articles: [...] } → draft/add → { media_id }
 * GET    /admin/drafts?offset&count&no_content
 *                                        draft/batchget (offset 0, count 20 by default)
 * GET    /admin/drafts/:media_id         draft/get
 * DELETE /admin/drafts/:media_id         draft/delete
 * POST   /admin/publish                  { media_id } → freepublish/submit → { publish_id }
 * GET    /admin/publish/:publish_id      freepublish/get merged with the PUBLISHJOBFINISH push,
 *                                        when it has arrived (src/publishing/)
 * GET    /admin/published?offset&count   freepublish/batchget
 *
 * A body or id WeChat would refuse is 400 with the field named, before any call.
 */
import { Hono } from "hono/tiny";
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { readPublishEvent, type PublishEventRecord } from "../publishing";
import {
  addDraft,
  batchGetDrafts,
  deleteDraft,
  getDraft,
  type DraftArticle,
  type PageRequest,
} from "../wechat/api/draft";
import {
  batchGetPublished,
  describePublishStatus,
  getPublishStatus,
  publishIdProblem,
  submitPublish,
  type PublishStatus,
} from "../wechat/api/freepublish";
import { field, jsonBody, withClient } from "./call-wechat";

/** `?offset=&count=&no_content=` as numbers (the module checks their ranges). */
function pageOf(c: Context<AppEnv>): PageRequest {
  const number = (name: string, fallback: number) => {
    const raw = c.req.query(name);
    return raw === undefined || raw === "" ? fallback : Number(raw);
  };
  return {
    offset: number("offset", 0),
    count: number("count", 20),
    no_content: number("no_content", 0) as 0 | 1,
  };
}

/** freepublish/get's answer with what the push added, and the status in words. */
function merged(status: PublishStatus, event: PublishEventRecord | undefined) {
  const urls = status.article_detail?.item ?? event?.articles ?? [];
  const failIdx =
    status.fail_idx ?? (event && event.fail_idx.length > 0 ? event.fail_idx : undefined);
  const articleId = status.article_id ?? event?.article_id;
  return {
    publish_id: status.publish_id,
    publish_status: status.publish_status,
    status: describePublishStatus(status.publish_status),
    ...(articleId ? { article_id: articleId } : {}),
    article_urls: urls.map((item) => ({ idx: item.idx, article_url: item.article_url })),
    ...(failIdx ? { fail_idx: failIdx } : {}),
    event: event ?? null,
  };
}

export function publishingAdminRoutes() {
  const app = new Hono<AppEnv>();

  app.post("/drafts", async (c) => {
    const body = await jsonBody(c);
    if (!body.ok) return body.response;
    return withClient(c, (client) => addDraft(client, body.value as { articles: DraftArticle[] }));
  });

  app.get("/drafts", (c) => withClient(c, (client) => batchGetDrafts(client, pageOf(c))));

  app.get("/drafts/:media_id", (c) =>
    withClient(c, (client) => getDraft(client, c.req.param("media_id"))),
  );

  app.delete("/drafts/:media_id", (c) =>
    withClient(c, async (client) => {
      await deleteDraft(client, c.req.param("media_id"));
      return { ok: true };
    }),
  );

  app.post("/publish", async (c) => {
    const body = await jsonBody(c);
    if (!body.ok) return body.response;
    const mediaId = field(body.value, "media_id");
    if (typeof mediaId !== "string" || mediaId === "") {
      return c.json({ error: "media_id (the draft to publish) is required" }, 400);
    }
    return withClient(c, (client) => submitPublish(client, mediaId));
  });

  app.get("/publish/:publish_id", (c) => {
    const publishId = c.req.param("publish_id");
    const problem = publishIdProblem(publishId);
    if (problem) return c.json({ error: problem }, 400);
    return withClient(c, async (client, account) => {
      const status = await getPublishStatus(client, publishId);
      const event = await readPublishEvent(c.env.TOKEN_CACHE, account.appId, publishId);
      return merged(status, event);
    });
  });

  app.get("/published", (c) => withClient(c, (client) => batchGetPublished(client, pageOf(c))));

  return app;
}
