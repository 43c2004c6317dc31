/**
 * The 5-second window end to end: the Worker (real Durable Objects, KV, token authority) against
 * the fake WeChat API, with a short reply budget so nothing waits seconds.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { installFakeWeChat, type InstalledFakeWeChat } from "../../dev/fake-wechat/install";
import { outboxSince, recordInteraction } from "../../dev/fake-wechat/platform-state";
import { signPush, textPushXml } from "../../dev/fake-wechat/sign-push";
import { createApp } from "../../src/app";
import { parrot } from "../../demo/parrot";
import { parseXml, textOf } from "../../src/wechat/xml";

const account = { token: env.WECHAT_TOKEN!, appId: env.WECHAT_APPID! };
const app = createApp(parrot);
const shortBudget = { WECHAT_REPLY_BUDGET_MS: "100" };
let fake: InstalledFakeWeChat;

beforeEach(() => {
  fake = installFakeWeChat();
});
afterEach(() => fake.uninstall());

async function deliver(path: string, body: string) {
  const ctx = createExecutionContext();
  const res = await app.fetch(
    new Request(`https://worker.test${path}`, { method: "POST", body }),
    { ...env, ...shortBudget },
    ctx,
  );
  const text = await res.text();
  return { text, done: waitOnExecutionContext(ctx) };
}

const customTexts = () =>
  outboxSince(fake)
    .filter((entry) => entry.kind === "custom")
    .map((entry) => (entry.body as { text?: { content?: string } }).text?.content);

describe("late replies through customer service", () => {
  it("answers a slow push success three times and delivers its reply once", async () => {
    const openid = "oLateFollower1";
    recordInteraction(fake, openid, "message");
    const push = await signPush(account, textPushXml("/slow 0.3", { from: openid }));
    // WeChat's three deliveries of one push, the retries arriving while the first still runs.
    const deliveries = [];
    for (let i = 0; i < 3; i++) deliveries.push(await deliver(push.path, push.body));
    expect(deliveries.map((d) => d.text)).toEqual(["success", "success", "success"]);
    await Promise.all(deliveries.map((d) => d.done));
    expect(customTexts()).toEqual(["done after 0.3 s"]);
  });

  it("keeps the reply when WeChat refuses it (45015) and answers the next message with it", async () => {
    const openid = "oNoWindowFollower";
    const slow = await signPush(account, textPushXml("/slow 0.2", { from: openid }));
    const first = await deliver(slow.path, slow.body);
    expect(first.text).toBe("success");
    await first.done;
    expect(customTexts()).toEqual([]);
    expect(
      fake.requests.some((r) => r.path === "/cgi-bin/message/custom/send" && r.errcode === 45015),
    ).toBe(true);

    const next = await signPush(account, textPushXml("hello?", { from: openid }));
    const answer = await deliver(next.path, next.body);
    await answer.done;
    const xml = parseXml(answer.text);
    expect(xml.ok && textOf(xml.root, "Content")).toBe("done after 0.2 s\n\nhello?");
  });
});
