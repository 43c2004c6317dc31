/**
 * The playground's switches, driven through the page in headless chromium against the real
 * stack: the bot (a restart of `wrangler dev` with another WECHAT_DEMO_BOT), the account type
 * (the fake's customer-service permission) and the fake model's delay.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { freePort } from "../../dev/simulator/ports";
import { startStack, type Stack } from "../../dev/simulator/stack";
import { browserMissing, launchChromium, type LaunchedBrowser } from "./browser";

if (browserMissing) process.stderr.write(`playground switch tests skipped: ${browserMissing}\n`);

const BOT = "#chat .msg.bot .bubble";

describe.skipIf(browserMissing !== undefined)("playground switches in chromium", () => {
  let stack: Stack;
  let browser: LaunchedBrowser;
  let page: Page;
  let stateDir: string;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "playground-switches-"));
    stack = await startStack({
      playgroundPort: await freePort(),
      workerPort: await freePort(),
      stateDir,
    });
    browser = await launchChromium();
    page = await browser.context.newPage();
    await page.goto(stack.playgroundUrl);
    await page.waitForSelector("body[data-ready=true]");
  });

  afterEach((context) => {
    if (context.task.result?.state !== "fail") return;
    const lines = stack.session
      .replay()
      .flatMap((event) => (event.type === "log" ? [`[${event.source}] ${event.line}`] : []));
    console.error(lines.slice(-40).join("\n"));
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  const checked = (selector: string) => page.locator(selector).getAttribute("aria-checked");

  async function say(text: string) {
    await page.fill("#composer-input", text);
    await page.press("#composer-input", "Enter");
  }

  test("the page starts on the parrot, a verified service account and a 12-second model", async () => {
    await expect(checked('[data-bot="parrot"]')).resolves.toBe("true");
    await expect(checked('[data-account="verified-service"]')).resolves.toBe("true");
    await expect(checked('[data-llm-delay="12000"]')).resolves.toBe("true");
    await expect(page.locator("#worker-status").textContent()).resolves.toContain(
      "WECHAT_DEMO_BOT=parrot",
    );
    expect(stack.llm.control.delayMs).toBe(12_000);
  });

  test("the delay switch sets the fake model's delay", async () => {
    await page.click('[data-llm-delay="1000"]');
    await expect.poll(() => checked('[data-llm-delay="1000"]')).toBe("true");
    expect(stack.llm.control.delayMs).toBe(1000);
  });

  test("the account switch makes WeChat answer 48001 to customer-service messages, and back", async () => {
    const account = () =>
      fetch(new URL("/__fake/account", stack.playgroundUrl)).then(
        (r) => r.json() as Promise<{ customer_service: boolean }>,
      );
    await page.click('[data-account="unverified-subscription"]');
    await expect.poll(() => checked('[data-account="unverified-subscription"]')).toBe("true");
    await expect(account()).resolves.toEqual({ customer_service: false });
    await expect(page.locator("#account-hint").textContent()).resolves.toContain("48001");
    await page.click('[data-account="verified-service"]');
    await expect.poll(account).toEqual({ customer_service: true });
  });

  test("switching to the assistant restarts the Worker, and the assistant answers from the fake model", async () => {
    await page.click('[data-bot="assistant"]');
    await expect.poll(() => page.locator("#worker-status").textContent()).toContain("restarting");
    await page.waitForSelector('body[data-worker="running"]', { timeout: 60_000 });
    await expect(page.locator("#worker-status").textContent()).resolves.toMatch(
      /^Worker: WECHAT_DEMO_BOT=assistant/,
    );
    await expect(page.locator("#chat .system").last().textContent()).resolves.toContain(
      "assistant",
    );
    await say("你好 assistant");
    await expect
      .poll(() => page.locator(BOT).last().textContent(), { timeout: 15_000 })
      .toMatch(/^「你好 assistant」的回答（收到 \d+ 条历史）$/);
    // The Worker called the fake with the playground's key and model.
    expect(stack.llm.control.calls.at(-1)).toMatchObject({ model: "fake-model" });
  });

  // Needs the Worker's slow-reply holding (WECHAT_SLOW_REPLY=auto on an account without
  // customer service), which is being built in src/callback and src/dedupe. Once it lands:
  // assistant bot, unverified subscription account, the default 12 s model; say something and
  // expect the timeline ① 0 s no answer, ② ~5 s no answer, ③ ~10 s passive reply at ~12 s
  // (`#chat .deliveries li[data-got=...]`), the fake's answer drawn as the passive reply, no
  // customer-service message, and one call to the fake (the re-sent pushes are the same push).
  test.todo(
    "an unverified subscription account gets the assistant's 12-second answer on WeChat's third delivery",
  );
});
