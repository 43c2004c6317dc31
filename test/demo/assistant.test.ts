/**
 * The assistant demo bot through this repository's Worker: signed pushes in, passive replies
 * out, the chat model faked behind fetch (or a Workers AI binding in the env).
 */
import { afterEach, describe, expect, it } from "vitest";
import { installFakeWeChat } from "../../dev/fake-wechat/install";
import {
  assistantEnv,
  completion,
  consoleLines,
  installFakeModel,
  MODEL_BASE,
  sendText,
  sendXml,
  voicePushXml,
  type ModelBehaviour,
} from "./drive";

const uninstalls: (() => void)[] = [];
afterEach(() => {
  while (uninstalls.length > 0) uninstalls.pop()!();
});

function fakeModel(behaviour: ModelBehaviour) {
  const model = installFakeModel(behaviour);
  uninstalls.push(model.uninstall);
  return model;
}

// Each push takes a moment in tests (the isolate memory records it after a short delay, and
// the execution context is awaited), so tests that send many pushes get more than the default.
const PUSHES_TIMEOUT_MS = 30_000;

let followers = 0;
const follower = (name: string) => `oAssistant${name}${Date.now()}${++followers}`;
const APOLOGY = /^抱歉/;

describe("the assistant answers with the model", { timeout: PUSHES_TIMEOUT_MS }, () => {
  it("sends the model, system prompt and text to /chat/completions with the key, and replies its answer", async () => {
    const model = fakeModel(() => completion("Paris is the capital of France."));
    const answer = await sendText(
      "What is the capital of France?",
      follower("answer"),
      assistantEnv,
    );
    expect(answer.status).toBe(200);
    expect(answer.content).toBe("Paris is the capital of France.");
    expect(model.calls).toHaveLength(1);
    const [call] = model.calls;
    // The trailing slash of LLM_API_BASE is not doubled.
    expect(call!.url).toBe(`${MODEL_BASE}/chat/completions`);
    expect(call!.authorization).toBe(`Bearer ${assistantEnv.LLM_API_KEY}`);
    expect(call!.body).toEqual({
      model: "test-model",
      messages: [
        { role: "system", content: assistantEnv.LLM_SYSTEM_PROMPT },
        { role: "user", content: "What is the capital of France?" },
      ],
    });
  });

  it("sends the first turn with the second message", async () => {
    const model = fakeModel((_, call) => completion(`answer ${call}`));
    const openid = follower("history");
    expect((await sendText("first question", openid, assistantEnv)).content).toBe("answer 1");
    expect((await sendText("second question", openid, assistantEnv)).content).toBe("answer 2");
    expect(model.calls[1]!.body.messages).toEqual([
      { role: "system", content: assistantEnv.LLM_SYSTEM_PROMPT },
      { role: "user", content: "first question" },
      { role: "assistant", content: "answer 1" },
      { role: "user", content: "second question" },
    ]);
  });

  it("keeps the last 10 turns, per follower, and /reset forgets them", async () => {
    const model = fakeModel((body) => completion(`a:${body.messages.at(-1)!.content}`));
    const openid = follower("turns");
    for (let i = 1; i <= 12; i++) await sendText(`q${i}`, openid, assistantEnv);
    const last = model.calls.at(-1)!.body.messages;
    // The system prompt, turns q2..q11, and q12.
    expect(last).toHaveLength(1 + 2 * 10 + 1);
    expect(last[1]).toEqual({ role: "user", content: "q2" });
    expect(last[2]).toEqual({ role: "assistant", content: "a:q2" });
    expect(last.at(-2)).toEqual({ role: "assistant", content: "a:q11" });

    // Another follower starts with no history.
    await sendText("hello", follower("other"), assistantEnv);
    expect(model.calls.at(-1)!.body.messages).toHaveLength(2);

    const reset = await sendText("/reset", openid, assistantEnv);
    expect(reset.content).toMatch(/forgotten/);
    await sendText("fresh start", openid, assistantEnv);
    expect(model.calls.at(-1)!.body.messages).toEqual([
      { role: "system", content: assistantEnv.LLM_SYSTEM_PROMPT },
      { role: "user", content: "fresh start" },
    ]);
  });

  it("remembers again after /reset", async () => {
    const model = fakeModel((body) => completion(`a:${body.messages.at(-1)!.content}`));
    const openid = follower("after-reset");
    await sendText("before", openid, assistantEnv);
    await sendText("/reset", openid, assistantEnv);
    await sendText("fresh start", openid, assistantEnv);
    await sendText("next", openid, assistantEnv);
    expect(model.calls.map((call) => call.body.messages.slice(1))).toEqual([
      [{ role: "user", content: "before" }],
      [{ role: "user", content: "fresh start" }],
      [
        { role: "user", content: "fresh start" },
        { role: "assistant", content: "a:fresh start" },
        { role: "user", content: "next" },
      ],
    ]);
  });

  it("answers recognised voice like text, and unrecognised voice with a short line", async () => {
    const model = fakeModel(() => completion("voice answer"));
    const openid = follower("voice");
    expect((await sendXml(voicePushXml(openid, "今天天气怎么样"), assistantEnv)).content).toBe(
      "voice answer",
    );
    expect(model.calls[0]!.body.messages.at(-1)).toEqual({
      role: "user",
      content: "今天天气怎么样",
    });
    const unrecognised = await sendXml(voicePushXml(openid), assistantEnv);
    expect(unrecognised.content).toMatch(/could not recognise/);
    expect(model.calls).toHaveLength(1);
  });
});

describe("the assistant is bounded in every failure", { timeout: PUSHES_TIMEOUT_MS }, () => {
  it("apologises when the model never answers, within LLM_TIMEOUT_MS", async () => {
    const model = fakeModel(() => "hang");
    const started = Date.now();
    const answer = await sendText("are you there?", follower("hang"), {
      ...assistantEnv,
      LLM_TIMEOUT_MS: "200",
    });
    expect(answer.status).toBe(200);
    expect(answer.content).toMatch(APOLOGY);
    expect(model.calls).toHaveLength(1);
    // Well inside the reply budget: the apology is the passive reply, not a late one.
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("apologises for non-2xx, non-JSON and content-less answers, and remembers none of them", async () => {
    const answers = [
      () => new Response("upstream exploded", { status: 500 }),
      () => new Response("<html>not json</html>", { status: 200 }),
      () => Response.json({ choices: [] }),
      () => completion(null),
      () => completion("   "),
      () =>
        Response.json(
          { error: { message: "rate limited", code: "rate_limit_exceeded" } },
          { status: 429 },
        ),
    ];
    const openid = follower("garbage");
    const model = fakeModel((_, call) => answers[call - 1]!());
    for (let i = 0; i < answers.length; i++) {
      const answer = await sendText(`attempt ${i}`, openid, assistantEnv);
      expect(answer.status).toBe(200);
      expect(answer.content).toMatch(APOLOGY);
    }
    // No failed turn was remembered: each request carried only the system prompt and its text.
    expect(model.calls.map((c) => c.body.messages.length)).toEqual(answers.map(() => 2));
  });

  it("bounds a 100 KB answer and a body without end", async () => {
    // A long reply may go out in parts through customer service: keep those off the network.
    const wechat = installFakeWeChat();
    uninstalls.push(wechat.uninstall);
    const huge = "x".repeat(100_000);
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode(" ".repeat(64 * 1024)));
      },
    });
    const model = fakeModel((body, call) => {
      if (call === 1) return completion(huge);
      return body.messages.at(-1)!.content === "runaway" ? new Response(endless) : completion("ok");
    });
    const openid = follower("huge");
    const long = await sendText("write a lot", openid, assistantEnv);
    expect(long.status).toBe(200);
    // The first part of the bounded answer (the framework may send the rest in parts).
    expect(long.content).toMatch(/^x+…?$/);
    expect(long.content!.length).toBeLessThanOrEqual(20_000);

    // The long answer was remembered clipped, so the history still fits the conversation.
    expect((await sendText("and more", openid, assistantEnv)).status).toBe(200);
    const remembered = model.calls[1]!.body.messages.find((m) => m.role === "assistant");
    expect(remembered?.content).toMatch(/^x+…$/);
    expect(remembered!.content.length).toBeLessThan(20_000);

    const runaway = await sendText("runaway", follower("runaway"), assistantEnv);
    expect(runaway.status).toBe(200);
    expect(runaway.content).toMatch(APOLOGY);
  });

  it("answers a short line naming the settings when nothing is configured", async () => {
    const answer = await sendText("hello", follower("unconfigured"), {
      WECHAT_DEMO_BOT: "assistant",
    });
    expect(answer.status).toBe(200);
    expect(answer.content).toMatch(/not configured/);
    for (const name of ["LLM_API_BASE", "LLM_API_KEY", "LLM_MODEL", "AI"]) {
      expect(answer.content).toContain(name);
    }
    const badTimeout = await sendText("hello", follower("timeout"), {
      ...assistantEnv,
      LLM_TIMEOUT_MS: "soon",
    });
    expect(badTimeout.content).toMatch(/LLM_TIMEOUT_MS/);
    expect(badTimeout.content).not.toContain("soon");
  });
});

describe("Workers AI", { timeout: PUSHES_TIMEOUT_MS }, () => {
  it("uses the AI binding instead of the endpoint, with the default model", async () => {
    const model = fakeModel(() => completion("from the endpoint"));
    const runs: { model: string; messages: unknown[] }[] = [];
    const AI = {
      run: async (name: string, inputs: { messages: unknown[] }) => {
        runs.push({ model: name, messages: inputs.messages });
        return { response: "from Workers AI" };
      },
    };
    const openid = follower("ai");
    const { LLM_MODEL: _, ...withoutModel } = assistantEnv;
    const answer = await sendText("hi", openid, { ...withoutModel, AI });
    expect(answer.content).toBe("from Workers AI");
    expect(model.calls).toHaveLength(0);
    expect(runs).toEqual([
      {
        model: "@cf/meta/llama-3.1-8b-instruct",
        messages: [
          { role: "system", content: assistantEnv.LLM_SYSTEM_PROMPT },
          { role: "user", content: "hi" },
        ],
      },
    ]);
    await sendText("again", openid, { ...assistantEnv, AI });
    expect(runs[1]!.model).toBe("test-model");
    expect(runs[1]!.messages).toHaveLength(4);
  });

  it("apologises when the binding throws, hangs or answers without a response", async () => {
    const behaviours = [
      async () => {
        throw new Error("5007: no such model");
      },
      () => new Promise<never>(() => {}),
      async () => ({ result: "wrong shape" }),
    ];
    for (const run of behaviours) {
      const answer = await sendText("hi", follower("ai-fail"), {
        WECHAT_DEMO_BOT: "assistant",
        LLM_TIMEOUT_MS: "200",
        AI: { run },
      });
      expect(answer.status).toBe(200);
      expect(answer.content).toMatch(APOLOGY);
    }
  });
});

describe("secrets stay out of logs and replies", { timeout: PUSHES_TIMEOUT_MS }, () => {
  it("no log line or reply carries the key, the system prompt or the follower's text", async () => {
    const secretText = "my FOLLOWER-TEXT-MARKER question";
    const key = assistantEnv.LLM_API_KEY!;
    // An upstream that quotes the key back in its error, as some do.
    const answers = [
      () => completion("fine"),
      () =>
        Response.json(
          { error: { message: `Incorrect API key provided: ${key}`, code: "invalid_api_key" } },
          { status: 401 },
        ),
      () => new Response(`bad gateway for ${key}`, { status: 502 }),
      () => "hang" as const,
    ];
    fakeModel((_, call) => answers[call - 1]!());
    const replies: string[] = [];
    const lines = await consoleLines(async () => {
      for (let i = 0; i < answers.length; i++) {
        const answer = await sendText(secretText, follower("secrets"), {
          ...assistantEnv,
          LLM_TIMEOUT_MS: "200",
        });
        replies.push(answer.body);
      }
    });
    const failures = lines.filter((line) => line.includes("assistant.model_failed"));
    expect(failures).toHaveLength(3);
    expect(failures[0]).toContain('"status":401');
    expect(failures[0]).toContain("invalid_api_key");
    expect(failures[1]).toContain('"status":502');
    expect(failures[2]).toContain("no answer within 200 ms");
    for (const text of [...lines, ...replies]) {
      expect(text).not.toContain(key);
      expect(text).not.toContain("SYSTEM-PROMPT-MARKER");
    }
    for (const line of lines) expect(line).not.toContain("FOLLOWER-TEXT-MARKER");
  });
});
