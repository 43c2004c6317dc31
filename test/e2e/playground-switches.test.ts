/**
 * The playground's switches, driven through the page in headless chromium against the real
 * stack: the bot (a restart of `wrangler dev` with another WECHAT_DEMO_BOT), the account type
 * (the fake's customer-service permission) and the fake model's delay.
 */
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { Exchange } from "../../dev/simulator/session";
import type { Stack } from "../../dev/simulator/stack";
import { browserMissing } from "./browser";
import { openPlayground, type OpenPlayground } from "./playground-page";

if (browserMissing) process.stderr.write(`playground switch tests skipped: ${browserMissing}\n`);

const BOT = "#chat .msg.bot .bubble";
const CUSTOM_SEND = "/cgi-bin/message/custom/send";

describe.skipIf(browserMissing !== undefined)("playground switches in chromium", () => {
  let playground: OpenPlayground;
  let stack: Stack;
  let page: Page;

  beforeAll(async () => {
    playground = await openPlayground("playground-switches");
    ({ stack, page } = playground);
  });

  afterEach((context) => {
    if (context.task.result?.state === "fail") playground.printRecentLogs();
  });

  afterAll(() => playground?.close());

  const checked = (selector: string) => page.locator(selector).getAttribute("aria-checked");

  async function say(text: string) {
    await page.fill("#composer-input", text);
    await page.press("#composer-input", "Enter");
  }

  /** The session's exchange for the follower's text, once WeChat is done with it. */
  async function exchangeOf(summary: string, timeout = 15_000): Promise<Exchange> {
    const done = () =>
      stack.session
        .replay()
        .flatMap((e) =>
          e.type === "exchange" && e.exchange.summary === summary ? [e.exchange] : [],
        )
        .find((exchange) => exchange.status !== "sending");
    await expect.poll(() => done() !== undefined, { timeout, interval: 100 }).toBe(true);
    return done()!;
  }

  const refusedCustomerService = () =>
    stack.fake.requests.filter((r) => r.path === CUSTOM_SEND && r.errcode === 48001).length;

  /** The assistant, whatever the tests before this one switched (a restart of the Worker). */
  async function useAssistant() {
    if ((await checked('[data-bot="assistant"]')) === "true") return;
    await page.click('[data-bot="assistant"]');
    await expect.poll(() => checked('[data-bot="assistant"]')).toBe("true");
    await page.waitForSelector('body[data-worker="running"]', { timeout: 60_000 });
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

  test("an unverified subscription account gets the assistant's 12-second answer on WeChat's third delivery", async () => {
    // ~20 s of real time: the 48001 is met (5 s), then the 12-second answer.
    await useAssistant();
    await page.click('[data-account="unverified-subscription"]');
    await expect.poll(() => checked('[data-account="unverified-subscription"]')).toBe("true");

    // With WECHAT_SLOW_REPLY=auto the Worker holds pushes only once it has met the account's
    // 48001: the first slow answer is tried through customer service, refused, and kept.
    await stack.applySettings({ llmDelayMs: 5000 });
    await say("先碰 48001");
    const met = await exchangeOf("先碰 48001");
    expect(met.attempts.map((a) => a.got)).toEqual(["success"]);
    await expect.poll(() => refusedCustomerService(), { timeout: 10_000 }).toBe(1);
    // The kept answer comes with the follower's next message, before anything slow is asked.
    await stack.applySettings({ llmDelayMs: 0 });
    await say("取回");
    const drained = await exchangeOf("取回");
    expect(drained.reply).toEqual({
      kind: "text",
      content: expect.stringMatching(/^「先碰 48001」的回答（收到 \d+ 条历史）\n\n「取回」的回答/),
    });

    await page.click('[data-llm-delay="12000"]');
    await expect.poll(() => checked('[data-llm-delay="12000"]')).toBe("true");
    const requests = stack.fake.requests.length;
    await say("十二秒的问题");
    const slow = await exchangeOf("十二秒的问题", 30_000);

    // ① 0 s and ② 5 s lapse unanswered; ③ (10 s) carries the answer, ready at ~12 s.
    expect(slow.attempts.map((a) => a.got)).toEqual(["no-answer", "no-answer", "passive-reply"]);
    const [first, second, third] = slow.attempts;
    expect(second!.startedMs - first!.startedMs).toBeGreaterThanOrEqual(5000);
    expect(third!.startedMs - second!.startedMs).toBeGreaterThanOrEqual(5000);
    const answeredAt = third!.startedMs + third!.ms;
    expect(answeredAt).toBeGreaterThanOrEqual(12_000);
    expect(answeredAt).toBeLessThan(third!.startedMs + 5000);
    expect(slow.reply).toEqual({
      kind: "text",
      content: expect.stringMatching(/^「十二秒的问题」的回答（收到 \d+ 条历史）$/),
    });

    // The page draws the timeline under the message and the answer as the bot's reply.
    const timeline = page.locator("#chat .msg.follower").last().locator(".deliveries li");
    await expect
      .poll(() => timeline.evaluateAll((items) => items.map((li) => li.getAttribute("data-got"))))
      .toEqual(["no-answer", "no-answer", "passive-reply"]);
    await expect
      .poll(() => page.locator(BOT).last().textContent())
      .toMatch(/^「十二秒的问题」的回答（收到 \d+ 条历史）$/);

    // The three deliveries were one push: one call to the model, nothing via customer service.
    const asked = stack.llm.control.calls.filter(
      (c) => c.messages.at(-1)?.content === "十二秒的问题",
    );
    expect(asked).toHaveLength(1);
    expect(stack.fake.requests.slice(requests).filter((r) => r.path === CUSTOM_SEND)).toEqual([]);
    expect(stack.session.replay().filter((e) => e.type === "arrived")).toEqual([]);
  });
});
