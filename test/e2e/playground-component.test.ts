/**
 * The playground's 第三方平台 mode in headless chromium against the real stack: the page's
 * platform switch restarts the Worker with WECHAT_COMPONENT_*, the simulator pushes a ticket and
 * authorises two demo accounts through /component/authorize → WeChat's page → /component/callback,
 * and the follower chats with each account in its own tab: pushes to /wechat/<appid>, sealed with
 * the component's key, answered in that tab; a late reply comes by customer service with the
 * authoriser's own token, in that account's chat.
 */
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { DEMO_AUTHORIZERS } from "../../dev/simulator/component-mode";
import type { Exchange } from "../../dev/simulator/session";
import type { Stack } from "../../dev/simulator/stack";
import { browserMissing } from "./browser";
import { openPlayground, type OpenPlayground } from "./playground-page";

if (browserMissing) process.stderr.write(`playground component test skipped: ${browserMissing}\n`);

const [A, B] = DEMO_AUTHORIZERS.map((account) => account.appId) as [string, string];
const botIn = (appid: string) => `#chat .msg.bot[data-chat="${appid}"] .bubble`;

describe.skipIf(browserMissing !== undefined)("playground as a 第三方平台 in chromium", () => {
  let playground: OpenPlayground;
  let stack: Stack;
  let page: Page;

  beforeAll(async () => {
    // A short passive-reply budget so that /slow 1 already goes out by customer service.
    playground = await openPlayground("playground-component", { WECHAT_REPLY_BUDGET_MS: "300" });
    ({ stack, page } = playground);
  });

  afterEach((context) => {
    if (context.task.result?.state === "fail") playground.printRecentLogs();
  });

  afterAll(() => playground?.close());

  async function sayIn(appid: string, text: string) {
    await page.click(`[data-chat-tab="${appid}"]`);
    await page.fill("#composer-input", text);
    await page.press("#composer-input", "Enter");
  }

  const exchangeOf = (summary: string): Exchange | undefined =>
    stack.session
      .replay()
      .flatMap((e) => (e.type === "exchange" && e.exchange.summary === summary ? [e.exchange] : []))
      .find((exchange) => exchange.status !== "sending");

  test("the switch makes the Worker a 第三方平台 with both demo accounts registered, and each answers in its own chat", async () => {
    await page.click('[data-platform="component"]');
    await page.waitForSelector('body[data-worker="running"] [data-chat-tab]', { timeout: 60_000 });
    await expect(page.locator("[data-chat-tab]").allTextContents()).resolves.toEqual([
      "示例公众号 A",
      "示例公众号 B",
    ]);

    // The Worker's registry, as the operator sees it.
    const listed = await fetch(new URL("/admin/component/authorizers", stack.workerUrl), {
      headers: { authorization: `Bearer ${stack.credentials.adminKey}` },
    }).then((r) => r.json() as Promise<{ authorizers: { appid: string; active: boolean }[] }>);
    expect(listed.authorizers.filter((a) => a.active).map((a) => a.appid)).toEqual(
      expect.arrayContaining([A, B]),
    );

    await sayIn(A, "hello A");
    await expect.poll(() => page.locator(botIn(A)).allTextContents()).toContain("hello A");
    await sayIn(B, "hello B");
    await expect.poll(() => page.locator(botIn(B)).allTextContents()).toContain("hello B");
    // Each answer sits in its own chat: A's is hidden while B's tab shows.
    await expect(page.locator(botIn(B)).last().isVisible()).resolves.toBe(true);
    await expect(page.locator(botIn(A)).last().isVisible()).resolves.toBe(false);
    expect(await page.locator(botIn(B)).allTextContents()).not.toContain("hello A");

    // On the wire: B's push went to /wechat/<B>, sealed with the component's key, and the reply
    // was opened with it (the simulator checks the reply's MsgSignature and receive-id).
    const wire = exchangeOf("hello B")!.wire!;
    expect(wire.mode).toBe("safe");
    expect(wire.requestPath).toMatch(new RegExp(`^/wechat/${B}\\?.*msg_signature=`));
    expect(wire.requestBody).toContain("<Encrypt>");
    expect(wire.decryptedReply).toContain("<Content><![CDATA[hello B]]></Content>");
  });

  test("a late reply goes out by customer service with the authoriser's token and shows in its chat", async () => {
    await sayIn(B, "/slow 1");
    const late = `#chat .msg.bot[data-chat="${B}"][data-via="customer-service"] .bubble`;
    await expect
      .poll(() => page.locator(late).allTextContents(), { timeout: 10_000 })
      .toEqual(["done after 1 s"]);
    const sent = stack.fake.requests.filter((r) => r.path === "/cgi-bin/message/custom/send");
    expect(sent.at(-1)).toMatchObject({ appid: B, errcode: 0 });
    await expect(
      page.locator(`#chat .msg.bot[data-chat="${A}"][data-via="customer-service"]`).count(),
    ).resolves.toBe(0);
  });
});
