/**
 * Drafts (草稿箱) and freepublish (发布) modules against the fake: every limit of the 新增草稿 page
 * stops the call with the field named, the answers come typed (publish_id a decimal string), and
 * the PUBLISHJOBFINISH push the fake makes parses into the event the callback hands on.
 */
import { describe, expect, it } from "vitest";
import { draftBox } from "../../../dev/fake-wechat/endpoints/drafts";
import {
  publishingState,
  publishJobFinishXml,
  setPublishingVerified,
} from "../../../dev/fake-wechat/endpoints/publish";
import type { FakeWeChat } from "../../../dev/fake-wechat/fake";
import { platformState } from "../../../dev/fake-wechat/platform-state";
import {
  addDraft,
  batchGetDrafts,
  countDrafts,
  deleteDraft,
  draftProblem,
  getDraft,
  updateDraft,
  type DraftArticle,
} from "../../../src/wechat/api/draft";
import {
  batchGetPublished,
  deletePublished,
  describePublishStatus,
  getPublishedArticle,
  getPublishStatus,
  submitPublish,
} from "../../../src/wechat/api/freepublish";
import type { InboundMessage } from "../../../src/wechat/message";
import { parseMessage } from "../../../src/wechat/parse-message";
import { parseXml } from "../../../src/wechat/xml";
import { fakeApi } from "../../fixtures/fake-api";

const THUMB = "thumb-permanent-image";

function parsePush(xml: string): InboundMessage {
  const doc = parseXml(xml);
  if (!doc.ok) throw new Error(doc.reason);
  const result = parseMessage(doc.root);
  if (!result.ok) throw new Error(result.reason);
  return result.message;
}

function withThumb(fake: FakeWeChat, id = THUMB) {
  platformState(fake).media.set(id, {
    type: "image",
    filename: "c.jpg",
    contentType: "image/jpeg",
    bytes: new Uint8Array([1]),
    permanent: true,
    createdAt: fake.now(),
  });
}

const article = (over: Partial<DraftArticle> = {}): DraftArticle => ({
  title: "标题",
  content: "<p>正文</p>",
  thumb_media_id: THUMB,
  ...over,
});

describe("draftProblem: the 新增草稿 limits, each named", () => {
  const cases: [unknown, string | RegExp][] = [
    [{}, 'a draft is {"articles": [ ... ]}'],
    [{ articles: [] }, "articles must hold 1 to 8 articles, got 0"],
    [{ articles: Array(9).fill(article()) }, "articles must hold 1 to 8 articles, got 9"],
    [{ articles: [article({ title: "" })] }, "articles[0].title is required"],
    [
      { articles: [article(), article({ title: "标".repeat(33) })] },
      "articles[1].title is 33 characters, at most 32 allowed",
    ],
    [{ articles: [article({ author: "作".repeat(17) })] }, /^articles\[0\]\.author is 17/],
    [{ articles: [article({ digest: "摘".repeat(129) })] }, /^articles\[0\]\.digest is 129/],
    [{ articles: [article({ content: "x".repeat(20_001) })] }, /^articles\[0\]\.content is 20001/],
    [
      { articles: [article({ thumb_media_id: undefined })] },
      "articles[0].thumb_media_id is required",
    ],
    [
      { articles: [article({ need_open_comment: 2 as 0 })] },
      "articles[0].need_open_comment must be 0 or 1",
    ],
    [
      { articles: [{ article_type: "newspic", title: "图", content: "c" }] },
      /image_info\.image_list must hold 1 to 20/,
    ],
  ];
  it.each(cases)("%#", (draft, reason) => {
    expect(draftProblem(draft)).toMatch(reason);
  });

  it("accepts the longest allowed fields and a newspic post without a thumb", () => {
    expect(
      draftProblem({
        articles: [
          article({ title: "标".repeat(32), author: "作".repeat(16), digest: "摘".repeat(128) }),
          {
            article_type: "newspic",
            title: "图片",
            content: "看图",
            image_info: { image_list: [{ image_media_id: THUMB }] },
          },
        ],
      }),
    ).toBeUndefined();
  });
});

describe("drafts against the fake", () => {
  it("add, get, update, count, batchget, delete", async () => {
    const { fake, client } = await fakeApi();
    withThumb(fake);
    const { media_id } = await addDraft(client, {
      articles: [article(), article({ title: "二" })],
    });
    expect((await getDraft(client, media_id)).news_item.map((item) => item.title)).toEqual([
      "标题",
      "二",
    ]);
    await updateDraft(client, { media_id, index: 1, articles: article({ title: "改" }) });
    expect((await getDraft(client, media_id)).news_item[1]!.title).toBe("改");
    expect(await countDrafts(client)).toEqual({ total_count: 1 });
    const page = await batchGetDrafts(client, { offset: 0, count: 20, no_content: 1 });
    expect(page.item[0]!.content.news_item[0]).not.toHaveProperty("content");
    await deleteDraft(client, media_id);
    await expect(getDraft(client, media_id)).rejects.toMatchObject({ errcode: 40007 });
  });

  it("refuses before the call: nothing reaches WeChat", async () => {
    const { fake, client } = await fakeApi();
    await expect(addDraft(client, { articles: [article({ title: "" })] })).rejects.toMatchObject({
      name: "ApiInputError",
      problem: "articles[0].title is required",
    });
    await expect(
      updateDraft(client, { media_id: "m", index: -1, articles: article() }),
    ).rejects.toMatchObject({ problem: /index/ });
    await expect(batchGetDrafts(client, { offset: 0, count: 0 })).rejects.toMatchObject({
      problem: "count must be 1 to 20",
    });
    expect(fake.requests.filter((r) => r.path.startsWith("/cgi-bin/draft"))).toEqual([]);
  });

  it("the fake is strict where WeChat is: a thumb that is not a permanent image is 40007", async () => {
    const { fake, client } = await fakeApi();
    await expect(
      client.post("/cgi-bin/draft/add", { articles: [article()] }),
    ).rejects.toMatchObject({ errcode: 40007 });
    withThumb(fake);
    await expect(
      client.post("/cgi-bin/draft/add", { articles: [article({ title: "标".repeat(33) })] }),
    ).rejects.toMatchObject({ errcode: 45003 });
    await expect(
      client.post("/cgi-bin/draft/add", { articles: Array(9).fill(article()) }),
    ).rejects.toMatchObject({ errcode: 45008 });
  });
});

describe("freepublish against the fake", () => {
  async function published(seconds = 0) {
    const api = await fakeApi();
    withThumb(api.fake);
    publishingState(api.fake).publishSeconds = seconds;
    const { media_id } = await addDraft(api.client, { articles: [article(), article()] });
    const job = await submitPublish(api.client, media_id);
    return { ...api, media_id, job };
  }

  it("submit answers a decimal publish_id; the job is publishing, then published", async () => {
    const { fake, client, media_id, job } = await published(60);
    expect(job.publish_id).toMatch(/^\d+$/);
    expect(draftBox(fake).has(media_id)).toBe(false);
    expect(await getPublishStatus(client, job.publish_id)).toEqual({
      publish_id: job.publish_id,
      publish_status: 1,
    });
    fake.advance(60);
    const status = await getPublishStatus(client, job.publish_id);
    expect(status).toMatchObject({ publish_status: 0, article_id: expect.any(String) });
    expect(status.article_detail!.item.map((item) => item.idx)).toEqual([1, 2]);
    expect(describePublishStatus(status.publish_status)).toBe("published");
    expect(describePublishStatus(9)).toMatch(/not documented/);
  });

  it("getarticle, batchget and delete reach the published article by its article_id", async () => {
    const { client, job } = await published();
    const { article_id } = await getPublishStatus(client, job.publish_id);
    expect((await getPublishedArticle(client, article_id!)).news_item).toHaveLength(2);
    expect((await batchGetPublished(client, { offset: 0, count: 10 })).item[0]!.article_id).toBe(
      article_id,
    );
    await deletePublished(client, article_id!, 2);
    const items = (await getPublishedArticle(client, article_id!)).news_item;
    expect(items.map((item) => item.is_deleted)).toEqual([false, true]);
    await expect(getPublishedArticle(client, "nope")).rejects.toMatchObject({ errcode: 53600 });
  });

  it("an account that lost freepublish in 2025 gets 48001 from every freepublish API, drafts still work", async () => {
    const { fake, client } = await fakeApi();
    withThumb(fake);
    setPublishingVerified(fake, false);
    const { media_id } = await addDraft(client, { articles: [article()] });
    await expect(submitPublish(client, media_id)).rejects.toMatchObject({ errcode: 48001 });
    await expect(batchGetPublished(client, { offset: 0, count: 1 })).rejects.toMatchObject({
      errcode: 48001,
    });
    // The playground's switch for an unverified subscription account means the same.
    setPublishingVerified(fake, true);
    platformState(fake).customerService = false;
    await expect(submitPublish(client, media_id)).rejects.toMatchObject({ errcode: 48001 });
    platformState(fake).customerService = true;
    expect((await submitPublish(client, media_id)).publish_id).toMatch(/^\d+$/);
  });

  it("the PUBLISHJOBFINISH push the fake makes parses into the event, matching freepublish/get", async () => {
    const { fake, client, job } = await published(30);
    const parsed = parsePush(publishJobFinishXml(fake, job.publish_id));
    const status = await getPublishStatus(client, job.publish_id);
    expect(parsed).toMatchObject({
      event: "PUBLISHJOBFINISH",
      publishId: job.publish_id,
      publishStatus: 0,
      articleId: status.article_id,
      articles: status.article_detail!.item.map((item) => ({
        idx: item.idx,
        articleUrl: item.article_url,
      })),
      failIdx: [],
    });
  });

  it("a failed job's push carries fail_idx", async () => {
    const { fake, client } = await fakeApi();
    withThumb(fake);
    publishingState(fake).nextOutcome = { status: 4, failIdx: [1, 2] };
    const { media_id } = await addDraft(client, { articles: [article(), article()] });
    const job = await submitPublish(client, media_id);
    expect(parsePush(publishJobFinishXml(fake, job.publish_id))).toMatchObject({
      publishStatus: 4,
      failIdx: [1, 2],
    });
    expect(await getPublishStatus(client, job.publish_id)).toMatchObject({ fail_idx: [1, 2] });
  });
});
