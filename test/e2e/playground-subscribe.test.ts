/**
 * Subscription notices in the playground: the operator's notice is refused (43101) until the
 * follower accepts the template in a popup; then it arrives drawn as WeChat's 服务通知 card, and
 * WeChat's delivery report reaches the Worker. Real stack, headless chromium.
 */
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { SAMPLE_SUBSCRIBE_TEMPLATE } from "../../dev/simulator/account-console";
import { browserMissing } from "./browser";
import { openPlayground, type OpenPlayground } from "./playground-page";

describe.skipIf(browserMissing !== undefined)("subscription notices in the playground", () => {
  let playground: OpenPlayground;
  let page: Page;

  beforeAll(async () => {
    playground = await openPlayground("playground-subscribe");
    ({ page } = playground);
  });

  afterEach((context) => {
    if (context.task.result?.state === "fail") playground.printRecentLogs();
  });

  afterAll(() => playground?.close());

  // The Worker's first admin call fetches a token, and wrangler dev may be reloading: not 1 s.
  const WORKER_TIME = { timeout: 20_000 };
  const consoleResult = () => page.locator("#console-result").textContent();
  const notices = () => page.locator('#chat .msg.bot[data-via="subscribe"] .service-notice');

  test("refused before the popup; after Accept it arrives as a service notice card", async () => {
    await page.click('[data-console="send-subscribe"]');
    await expect.poll(consoleResult, WORKER_TIME).toContain("43101");
    await expect(notices().count()).resolves.toBe(0);

    await page.selectOption("#subscribe-template", SAMPLE_SUBSCRIBE_TEMPLATE);
    await page.click("#subscribe-accept");
    await expect
      .poll(() => page.locator("#chat .system").allTextContents(), WORKER_TIME)
      .toContainEqual(expect.stringContaining("订阅通知弹窗 subscription popup: 允许 accept"));
    const pushed = () => page.locator("#wire details").first().textContent();
    await expect
      .poll(pushed, WORKER_TIME)
      .toContain("<Event><![CDATA[subscribe_msg_popup_event]]></Event>");
    await expect.poll(pushed, WORKER_TIME).toContain(SAMPLE_SUBSCRIBE_TEMPLATE);
    await expect
      .poll(() => page.locator("#subscribe-template option:checked").textContent(), WORKER_TIME)
      .toContain("1 notice allowed");

    await page.click('[data-console="send-subscribe"]');
    const card = notices().first();
    await card.waitFor();
    await expect(card.locator("h4").textContent()).resolves.toBe("订单发货通知");
    await expect(card.locator(".notice-source").textContent()).resolves.toBe("服务通知");
    await expect(card.locator("dt").allTextContents()).resolves.toEqual([
      "商品名称",
      "订单金额",
      "发货时间",
    ]);
    await expect(card.locator("dd").nth(1).textContent()).resolves.toBe("¥39.80");
    await expect(card.locator(".notice-action").textContent()).resolves.toContain("查看详情");

    // WeChat reports the delivery to the Worker (subscribe_msg_sent_event).
    await expect
      .poll(() => page.locator("#chat .system").allTextContents(), WORKER_TIME)
      .toContainEqual(expect.stringContaining("delivery report: success"));

    // One acceptance of a one-time template was one notice: the next is refused again.
    await page.click('[data-console="send-subscribe"]');
    await expect.poll(consoleResult, WORKER_TIME).toContain("43101");
    await expect(notices().count()).resolves.toBe(1);
  });
});
