/**
 * /admin/drafts and /admin/publish against the fake WeChat in workerd: a draft is added, listed,
 * published; GET /admin/publish/:publish_id answers freepublish/get, and once the signed
 * PUBLISHJOBFINISH push has reached /wechat, the event kept for that publish_id too.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { draftBox } from "../../dev/fake-wechat/endpoints/drafts";
import {
  publishingState,
  publishJobFinishXml,
  setPublishingVerified,
} from "../../dev/fake-wechat/endpoints/publish";
import type { InstalledFakeWeChat } from "../../dev/fake-wechat/install";
import { platformState } from "../../dev/fake-wechat/platform-state";
import { signPush } from "../../dev/fake-wechat/sign-push";
import { createApp } from "../../src/app";
import type { BotContext } from "../../src/bot/context";
import { publishEventKey, publishJobHook } from "../../src/publishing";
import { WeChatRouter } from "../../src/wechat/router";
import { startClean } from "../token/helpers";

const ADMIN_KEY = "admin-key-for-tests-0123456789abcdef";
const app = createApp(new WeChatRouter<BotContext>(), {}, [publishJobHook]);

async function fetchApp(path: string, init: RequestInit = {}) {
  const ctx = createExecutionContext();
  const response = await app.fetch(
    new Request(`https://worker.test${path}`, init),
    { ...env, ADMIN_KEY },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

function admin(path: string, method = "GET", body?: unknown) {
  return fetchApp(`/admin${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_KEY}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const THUMB = "thumb-permanent-image-0001";

function article(title = "发布测试") {
  return { title, content: "<p>正文</p>", thumb_media_id: THUMB, need_open_comment: 1 as const };
}

let fake: InstalledFakeWeChat;
beforeEach(async () => {
  fake = await startClean();
  platformState(fake).media.set(THUMB, {
    type: "image",
    filename: "cover.jpg",
    contentType: "image/jpeg",
    bytes: new Uint8Array([0xff, 0xd8, 0xff]),
    permanent: true,
    createdAt: fake.now(),
  });
});
afterEach(() => fake.uninstall());

describe("/admin/drafts", () => {
  it("adds a draft, lists it and deletes it", async () => {
    const added = await admin("/drafts", "POST", { articles: [article(), article("第二篇")] });
    expect(added.status).toBe(200);
    const { media_id } = (await added.json()) as { media_id: string };
    expect(draftBox(fake).get(media_id)?.articles).toHaveLength(2);

    const listed = (await (await admin("/drafts?count=5")).json()) as {
      total_count: number;
      item: { media_id: string; content: { news_item: { title: string }[] } }[];
    };
    expect(listed.total_count).toBe(1);
    expect(listed.item[0]!.media_id).toBe(media_id);
    expect(listed.item[0]!.content.news_item.map((item) => item.title)).toEqual([
      "发布测试",
      "第二篇",
    ]);

    expect((await admin(`/drafts/${media_id}`, "DELETE")).status).toBe(200);
    expect(draftBox(fake).size).toBe(0);
    const again = await admin(`/drafts/${media_id}`, "DELETE");
    expect(again.status).toBe(502);
    expect(await again.json()).toMatchObject({ errcode: 40007 });
  });

  it("refuses a draft that breaks WeChat's limits with the field named, before any call", async () => {
    const long = await admin("/drafts", "POST", { articles: [article("题".repeat(33))] });
    expect(long.status).toBe(400);
    expect(((await long.json()) as { error: string }).error).toMatch(/^articles\[0\]\.title/);
    const noThumb = await admin("/drafts", "POST", {
      articles: [{ title: "t", content: "c" }],
    });
    expect(((await noThumb.json()) as { error: string }).error).toBe(
      "articles[0].thumb_media_id is required",
    );
    const page = await admin("/drafts?count=21");
    expect(page.status).toBe(400);
    expect(fake.count("/cgi-bin/draft/add") + fake.count("/cgi-bin/draft/batchget")).toBe(0);
  });

  it("passes WeChat's 40007 on for a thumb that is not a permanent image", async () => {
    const res = await admin("/drafts", "POST", {
      articles: [{ ...article(), thumb_media_id: "not-uploaded" }],
    });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ errcode: 40007 });
  });
});

describe("/admin/publish", () => {
  async function draft() {
    const added = await admin("/drafts", "POST", { articles: [article(), article("二")] });
    return ((await added.json()) as { media_id: string }).media_id;
  }

  it("publishes a draft and ties the PUBLISHJOBFINISH push to its publish_id", async () => {
    publishingState(fake).publishSeconds = 30;
    const mediaId = await draft();
    const submitted = await admin("/publish", "POST", { media_id: mediaId });
    expect(submitted.status).toBe(200);
    const { publish_id } = (await submitted.json()) as { publish_id: string };
    expect(publish_id).toMatch(/^\d+$/);
    expect(draftBox(fake).has(mediaId)).toBe(false);

    const pending = await (await admin(`/publish/${publish_id}`)).json();
    expect(pending).toMatchObject({ publish_status: 1, status: "publishing", event: null });

    // The job ends (the fake's clock moves on) and WeChat pushes the result, signed.
    const xml = publishJobFinishXml(fake, publish_id);
    const account = {
      token: env.WECHAT_TOKEN!,
      appId: env.WECHAT_APPID!,
      encodingAESKey: env.WECHAT_ENCODING_AES_KEY!,
    };
    const push = await signPush(account, xml, { mode: "safe" });
    const answered = await fetchApp(push.path, { method: "POST", body: push.body });
    expect(answered.status).toBe(200);
    expect(
      await env.TOKEN_CACHE.get(publishEventKey(env.WECHAT_APPID!, publish_id)),
    ).not.toBeNull();

    const done = (await (await admin(`/publish/${publish_id}`)).json()) as Record<string, unknown>;
    const job = publishingState(fake).jobs.get(Number(publish_id))!;
    expect(done).toMatchObject({
      publish_id,
      publish_status: 0,
      status: "published",
      article_id: job.articleId,
      article_urls: [
        { idx: 1, article_url: expect.stringContaining(job.articleId!) },
        { idx: 2, article_url: expect.stringContaining(job.articleId!) },
      ],
      event: {
        publish_id,
        publish_status: 0,
        article_id: job.articleId,
        fail_idx: [],
        received_at: expect.any(String),
      },
    });
  });

  it("reports a failed publish with fail_idx from both freepublish/get and the push", async () => {
    publishingState(fake).nextOutcome = { status: 2, failIdx: [2] };
    const { publish_id } = (await (
      await admin("/publish", "POST", { media_id: await draft() })
    ).json()) as { publish_id: string };
    const account = { token: env.WECHAT_TOKEN!, appId: env.WECHAT_APPID! };
    const push = await signPush(
      { ...account, encodingAESKey: env.WECHAT_ENCODING_AES_KEY! },
      publishJobFinishXml(fake, publish_id),
      { mode: "safe" },
    );
    await fetchApp(push.path, { method: "POST", body: push.body });
    const answer = (await (await admin(`/publish/${publish_id}`)).json()) as Record<
      string,
      unknown
    >;
    expect(answer).toMatchObject({
      publish_status: 2,
      status: expect.stringMatching(/original-check/),
      fail_idx: [2],
      article_urls: [],
      event: { publish_status: 2, fail_idx: [2] },
    });
    expect(answer).not.toHaveProperty("article_id");
  });

  it("an account without freepublish (personal or unverified since 2025) gets WeChat's 48001 with its hint", async () => {
    const mediaId = await draft();
    setPublishingVerified(fake, false);
    const res = await admin("/publish", "POST", { media_id: mediaId });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({
      errcode: 48001,
      hint: expect.stringMatching(/verified/),
    });
    expect(draftBox(fake).has(mediaId)).toBe(true);
  });

  it("refuses a body without media_id and a publish_id that is not an id, before any call", async () => {
    expect((await admin("/publish", "POST", {})).status).toBe(400);
    expect((await admin("/publish/abc")).status).toBe(400);
    expect(fake.count("/cgi-bin/freepublish/submit") + fake.count("/cgi-bin/freepublish/get")).toBe(
      0,
    );
  });

  it("an unknown publish_id is WeChat's refusal, answered 502", async () => {
    const res = await admin("/publish/12345");
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ errcode: 40097 });
  });
});
