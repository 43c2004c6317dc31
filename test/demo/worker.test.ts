/**
 * This repository's Worker: WECHAT_DEMO_BOT picks the bot, and the parrot's memory commands.
 */
import { describe, expect, it } from "vitest";
import { consoleLines, demoFetch, sendText } from "./drive";

// Each push takes a moment in tests (the isolate memory records it after a short delay, and
// the execution context is awaited), so tests that send many pushes get more than the default.
const PUSHES_TIMEOUT_MS = 30_000;

let followers = 0;
const follower = (name: string) => `oDemo${name}${Date.now()}${++followers}`;

describe("WECHAT_DEMO_BOT", { timeout: PUSHES_TIMEOUT_MS }, () => {
  it("is the parrot by default and on request", async () => {
    for (const overrides of [{}, { WECHAT_DEMO_BOT: "parrot" }, { WECHAT_DEMO_BOT: " Parrot " }]) {
      const answer = await sendText("echo me", follower("parrot"), overrides);
      expect(answer.content).toBe("echo me");
    }
  });

  it("selects the assistant", async () => {
    const answer = await sendText("hello", follower("assistant"), { WECHAT_DEMO_BOT: "assistant" });
    // Without a model configured, the assistant says so.
    expect(answer.content).toMatch(/not configured/);
  });

  it("answers any other value with 503 naming the variable, never the value, on every path", async () => {
    const lines = await consoleLines(async () => {
      for (const path of ["/healthz", "/wechat?signature=x&timestamp=1&nonce=1"]) {
        const res = await demoFetch(path, {}, { WECHAT_DEMO_BOT: "robot-9000" });
        expect(res.status).toBe(503);
        const body = await res.json<{ error: string }>();
        expect(body.error).toMatch(/WECHAT_DEMO_BOT/);
        expect(body.error).not.toMatch(/\n/);
        expect(JSON.stringify(body)).not.toContain("robot-9000");
      }
    });
    expect(lines.some((line) => line.includes("WECHAT_DEMO_BOT"))).toBe(true);
    for (const line of lines) expect(line).not.toContain("robot-9000");
  });
});

describe("the parrot's memory", { timeout: PUSHES_TIMEOUT_MS }, () => {
  it("/remember keeps a text for /recall, for that follower only", async () => {
    const openid = follower("memory");
    expect((await sendText("/recall", openid)).content).toMatch(/^Nothing is stored/);
    expect((await sendText("/remember buy oat milk", openid)).content).toBe("记住了: buy oat milk");
    expect((await sendText("something else", openid)).content).toBe("something else");
    expect((await sendText("/recall", openid)).content).toContain("buy oat milk");
    expect((await sendText("/recall", follower("stranger"))).content).toMatch(/^Nothing is stored/);
  });

  it("/remember without a text is echoed like any text", async () => {
    expect((await sendText("/remember   ", follower("empty"))).content).toBe("/remember   ");
  });
});
