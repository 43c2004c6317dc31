/**
 * The playground as a person uses it: the real stack (simulator, fake WeChat API, the Worker
 * under wrangler dev) driven through the page in headless chromium.
 */
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { Stack } from "../../dev/simulator/stack";
import { browserMissing } from "./browser";
import { openPlayground, type OpenPlayground } from "./playground-page";

// Straight to stderr: the test runner keeps console output of tests that did not fail to itself.
if (browserMissing) process.stderr.write(`playground browser tests skipped: ${browserMissing}\n`);

const BOT = "#chat .msg.bot .bubble";

describe.skipIf(browserMissing !== undefined)("playground in chromium", () => {
  let playground: OpenPlayground;
  let stack: Stack;
  let page: Page;

  beforeAll(async () => {
    // A short passive-reply budget so that /slow 2 already goes out as a customer-service message.
    playground = await openPlayground("playground-state", { WECHAT_REPLY_BUDGET_MS: "300" });
    ({ stack, page } = playground);
  });

  afterEach((context) => {
    if (context.task.result?.state === "fail") playground.printRecentLogs();
  });

  afterAll(() => playground?.close());

  async function say(text: string) {
    await page.fill("#composer-input", text);
    await page.press("#composer-input", "Enter");
  }

  test("a typed message comes back as the parrot's echo", async () => {
    await say("你好 playground");
    await expect.poll(() => page.locator(BOT).allTextContents()).toContain("你好 playground");
    await expect(page.locator("#chat .msg.follower .bubble").last().textContent()).resolves.toBe(
      "你好 playground",
    );
  });

  test("following shows the welcome", async () => {
    await page.click("#follow");
    await expect.poll(() => page.locator("#follow-state").textContent()).toContain("已关注");
    await expect.poll(() => page.locator(BOT).last().textContent()).toMatch(/^欢迎关注/);
  });

  test("/slow 2 misses the reply budget and arrives as a customer-service message", async () => {
    await say("/slow 2");
    const late = page.locator('#chat .msg.bot[data-via="customer-service"] .bubble', {
      hasText: "done after 2 s",
    });
    await late.waitFor({ timeout: 15_000 });
    // The push itself was answered "success": no passive reply was drawn for it.
    const wireEntry = page.locator("#wire details", { hasText: "/slow 2" });
    await expect(wireEntry.textContent()).resolves.toContain("success (no reply)");
  });

  test("scanning a QR scene while not following subscribes with the scene and greets with it", async () => {
    await page.click("#unfollow");
    await expect.poll(() => page.locator("#follow-state").textContent()).toContain("未关注");
    await page.fill("#scan-scene", "poster-42");
    await page.click("#scan");
    await expect.poll(() => page.locator(BOT).last().textContent()).toContain("poster-42");
    const pushed = await page.locator("#wire details").first().textContent();
    expect(pushed).toContain("<Event><![CDATA[subscribe]]></Event>");
    expect(pushed).toContain("qrscene_poster-42");
  });

  test("a menu published through the console shows in the phone, and a click reaches the Worker", async () => {
    await expect(page.locator("#menu-empty").textContent()).resolves.toContain("No menu published");
    await page.click('[data-console="publish-menu"]');
    await page.locator("#menu-bar .menu-entry button", { hasText: "今日歌曲" }).click();
    await expect
      .poll(() => page.locator("#chat .system").last().textContent())
      .toContain("V1001_TODAY_MUSIC");
    const pushed = await page.locator("#wire details").first().textContent();
    expect(pushed).toContain("<Event><![CDATA[CLICK]]></Event>");
  });

  test("template and mass messages the Worker sent arrive from WeChat's outbox", async () => {
    await page.click('[data-console="send-template"]');
    await page.locator('#chat .msg.bot[data-via="template"]', { hasText: "巧克力" }).waitFor();
    await page.click('[data-console="send-mass"]');
    await page.locator('#chat .msg.bot[data-via="mass"]', { hasText: "Mass message" }).waitFor();
  });

  test("safe mode sends an encrypted envelope and decrypts the encrypted reply", async () => {
    await page.click('[data-mode="safe"]');
    await expect
      .poll(() => page.locator('[data-mode="safe"]').getAttribute("aria-checked"))
      .toBe("true");
    await say("加密 secret hello");
    await expect.poll(() => page.locator(BOT).last().textContent()).toBe("加密 secret hello");
    const entry = page.locator("#wire details").first();
    const text = (await entry.textContent()) ?? "";
    expect(text).toContain("encrypt_type=aes");
    expect(text).toContain("msg_signature=");
    expect(text).toContain("Inner XML");
    expect(text).toContain("Decrypted reply");
    // The body on the wire carries no plaintext, only ToUserName and Encrypt.
    const sent = await entry.locator(".wire-part pre").first().textContent();
    expect(sent).toContain("<Encrypt>");
    expect(sent).not.toContain("secret hello");
    const received = await entry
      .locator(".wire-part", { hasText: "Reply as received" })
      .textContent();
    expect(received).toContain("<MsgSignature>");
    expect(received).not.toContain("secret hello");
  });
});
