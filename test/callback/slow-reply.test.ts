/**
 * Slow answers through WeChat's deliveries, driven the way WeChat drives them: the same push sent
 * again when a delivery got no answer within its patience, three deliveries in all, and an answer
 * that comes after WeChat stopped listening counts for nothing. Timing is compressed: with a
 * reply budget of 300 ms WeChat's patience is taken as 1,300 ms (the budget plus the second of
 * margin the default keeps), and deliveries come 1,400 ms apart.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";

vi.setConfig({ testTimeout: 40_000 });
import type { InstalledFakeWeChat } from "../../dev/fake-wechat/install";
import { platformState, recordInteraction } from "../../dev/fake-wechat/platform-state";
import { randomMsgId, signPush, textPushXml } from "../../dev/fake-wechat/sign-push";
import type { BotContext } from "../../src/bot/context";
import { forgetAccountPermissions } from "../../src/callback/slow-reply";
import type { Env } from "../../src/env";
import { reply } from "../../src/wechat/reply";
import { WeChatRouter } from "../../src/wechat/router";
import { createWorker } from "../../src/worker";
import { parseXml, textOf } from "../../src/wechat/xml";
import { account } from "../fixtures/worker";
import { authority, startClean } from "../token/helpers";

const BUDGET_MS = 300;
const PATIENCE_MS = BUDGET_MS + 1_000;
const DELIVERY_GAP_MS = 1_400;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const bot = new WeChatRouter<BotContext>()
  .text(/^sleep (\d+)$/, async (m) => {
    await sleep(Number(m.match[1]));
    return `slept ${m.match[1]}`;
  })
  .on("text", (m) => reply.text(m.content));
const worker = createWorker(bot);

let fake: InstalledFakeWeChat | undefined;
afterEach(() => {
  fake?.uninstall();
  // Each test starts a clean account: this isolate must not remember the last one's 48001.
  forgetAccountPermissions();
});

function settings(strategy: string): Partial<Env> {
  return {
    WECHAT_REPLY_BUDGET_MS: String(BUDGET_MS),
    WECHAT_SLOW_REPLY: strategy,
    WECHAT_MESSAGE_MODE: "compatible",
  };
}

interface Delivery {
  /** What WeChat saw: the reply text, "success", or nothing (no answer within its patience). */
  seen: string | undefined;
  status: number;
}

/** One push, delivered up to three times as WeChat does; stops at the first answer WeChat sees. */
async function deliver(text: string, from: string, bindings: Partial<Env>): Promise<Delivery[]> {
  // WeChat opens the customer-service window when the follower writes (48 hours).
  if (fake) recordInteraction(fake, from);
  const xml = textPushXml(text, { from, msgId: randomMsgId() });
  const push = await signPush(account, xml);
  const deliveries: Delivery[] = [];
  const pending: Promise<unknown>[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    const sentAt = Date.now();
    const ctx = createExecutionContext();
    const answer = worker
      .fetch(
        new Request(`https://worker.test${push.path}`, {
          method: "POST",
          body: push.body,
        }) as never,
        { ...env, ...bindings },
        ctx,
      )
      .then(async (response) => ({ response, body: await response.text(), at: Date.now() }));
    pending.push(answer.then(() => waitOnExecutionContext(ctx)));
    const result = await Promise.race([answer, sleep(PATIENCE_MS).then(() => undefined)]);
    const inTime = result !== undefined && result.at - sentAt <= PATIENCE_MS;
    deliveries.push({
      seen: inTime ? seenText(result.body) : undefined,
      status: inTime ? result.response.status : 0,
    });
    if (inTime) break;
    await sleep(Math.max(0, sentAt + DELIVERY_GAP_MS - Date.now()));
  }
  await Promise.all(pending);
  return deliveries;
}

function seenText(body: string): string {
  if (body === "success") return "success";
  const parsed = parseXml(body);
  return parsed.ok ? (textOf(parsed.root, "Content") ?? body) : body;
}

let followers = 0;
const follower = () => `oSlow${Date.now() % 100000}${++followers}`;

describe("WECHAT_SLOW_REPLY=retries: holding through WeChat's deliveries", () => {
  it("a reply ready during the second delivery is its passive answer; the handler ran once", async () => {
    fake = await startClean();
    const deliveries = await deliver("sleep 2000", follower(), settings("retries"));
    expect(deliveries.map((d) => d.seen)).toEqual([undefined, "slept 2000"]);
    expect(fake.count("/cgi-bin/message/custom/send")).toBe(0);
  });

  it("a reply ready during the third delivery is its passive answer", async () => {
    fake = await startClean();
    const deliveries = await deliver("sleep 3000", follower(), settings("retries"));
    expect(deliveries.map((d) => d.seen)).toEqual([undefined, undefined, "slept 3000"]);
  });

  it("past the third delivery: success, then the reply once through customer service", async () => {
    fake = await startClean();
    const openid = follower();
    const deliveries = await deliver("sleep 4000", openid, settings("retries"));
    expect(deliveries.map((d) => d.seen)).toEqual([undefined, undefined, "success"]);
    const sent = platformState(fake).outbox.filter(
      (entry) => entry.to === openid && entry.kind === "custom",
    );
    expect(sent).toHaveLength(1);
    expect(JSON.stringify(sent[0])).toContain("slept 4000");
  });
});

describe("WECHAT_SLOW_REPLY=auto on an account without customer service (48001)", () => {
  it("learns the 48001 once, then holds; past the last delivery, a placeholder and the reply on the next message", async () => {
    fake = await startClean();
    platformState(fake).customerService = false;
    const openid = follower();
    const auto = settings("auto");

    // First slow push: customer service is tried, refused with 48001, and the reply kept.
    const first = await deliver("sleep 600", openid, auto);
    expect(first.map((d) => d.seen)).toEqual(["success"]);
    await expect
      .poll(async () => (await authority().accountPermissions())["customer-service"])
      .toMatchObject({
        allowed: false,
        errcode: 48001,
      });

    // From now on the account holds: a 2-second answer arrives on the second delivery, after
    // the reply owed from before.
    const held = await deliver("sleep 2000", openid, auto);
    expect(held.map((d) => d.seen)).toEqual([undefined, "slept 600\n\nslept 2000"]);

    // Too slow even for the third delivery: the placeholder, and the reply on the next message.
    const slow = await deliver("sleep 4000", openid, auto);
    expect(slow.map((d) => d.seen)).toEqual([
      undefined,
      undefined,
      "正在思考，请稍后回复任意文字获取答案",
    ]);
    await sleep(1_500);
    const next = await deliver("你好", openid, auto);
    expect(next.map((d) => d.seen)).toEqual(["slept 4000\n\n你好"]);
    expect(fake.count("/cgi-bin/message/custom/send")).toBe(1);
  });
});

describe("long text", () => {
  it("a 3,000-byte text comes back whole, in parts of at most 2048 bytes", async () => {
    fake = await startClean();
    const openid = follower();
    const text = "长文本测试，".repeat(166) + "完成了吗"; // 3,000 bytes of UTF-8
    expect(new TextEncoder().encode(text).length).toBe(3_000);

    const parts: string[] = [];
    const first = await deliver(text, openid, settings("auto"));
    parts.push(first[0]!.seen!);
    // With customer service allowed, the rest went through it, in order.
    const sent = platformState(fake).outbox.filter(
      (entry) => entry.to === openid && entry.kind === "custom",
    );
    for (const entry of sent)
      parts.push((entry as { body: { text: { content: string } } }).body.text.content);
    expect(parts.join("")).toBe(text);
    for (const part of parts)
      expect(new TextEncoder().encode(part).length).toBeLessThanOrEqual(2048);
  });

  it("without customer service, each part is owed: the hint, then the next part on the next message", async () => {
    fake = await startClean();
    platformState(fake).customerService = false;
    await authority().noteRefusal("customer-service", 48001);
    const openid = follower();
    const hint = "（未完，回复任意文字继续）";
    const text = "第一段。".repeat(300); // 3,600 bytes
    const answers = [await deliver(text, openid, settings("auto"))];
    answers.push(await deliver("继续", openid, settings("auto")));
    const first = answers[0]![0]!.seen!;
    const second = answers[1]![0]!.seen!;
    expect(first.endsWith(`\n${hint}`)).toBe(true);
    expect(new TextEncoder().encode(first).length).toBeLessThanOrEqual(2048);
    expect(first.slice(0, -hint.length - 1) + second.split("\n\n")[0]).toBe(text);
    expect(second.endsWith("继续")).toBe(true);
  });
});
