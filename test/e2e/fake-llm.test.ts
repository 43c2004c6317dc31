/**
 * The fake model's contract, over HTTP where the Worker reaches it: the simulator's server
 * mounts it at /llm/v1. The answer quotes the last user message and counts the history sent;
 * the delay is honoured and can change at run time; a wrong key is 401, a malformed body 400.
 */
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createFakeLlm, type FakeLlm } from "../../dev/fake-llm/fake-llm";
import { FakeWeChat } from "../../dev/fake-wechat/fake";
import { generateCredentials } from "../../dev/simulator/credentials";
import { createSimulatorServer, LLM_BASE_PATH } from "../../dev/simulator/server";
import { PlaygroundSession } from "../../dev/simulator/session";

const KEY = "sk-local-test-key";
let server: Server;
let llm: FakeLlm;
let base: string;

beforeAll(async () => {
  const credentials = generateCredentials();
  llm = createFakeLlm({ apiKey: KEY, basePath: LLM_BASE_PATH, delayMs: 0 });
  server = createSimulatorServer({
    session: new PlaygroundSession(credentials, "http://127.0.0.1:9"),
    fake: new FakeWeChat({ accounts: { [credentials.appId]: credentials.appSecret } }),
    llm,
    settings: async () => undefined,
    menu: () => ({ published: false, reason: "none" }),
    qrCodes: () => [],
    console: async () => ({ status: 0, request: "", answer: "" }),
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}${LLM_BASE_PATH}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function complete(body: unknown, key: string | null = KEY, signal?: AbortSignal) {
  return fetch(`${base}/chat/completions`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
}

const conversation = [
  { role: "system", content: "You are a helpful assistant." },
  { role: "user", content: "第一个问题" },
  { role: "assistant", content: "第一个回答" },
  { role: "user", content: "那第二个呢？" },
];

describe("the fake model at /llm/v1", () => {
  test("answers in the chat-completions shape, quoting the last user message and counting the history", async () => {
    const response = await complete({ model: "fake-model", messages: conversation });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      object: string;
      model: string;
      choices: { message: { role: string; content: string }; finish_reason: string }[];
    };
    expect(body.object).toBe("chat.completion");
    expect(body.model).toBe("fake-model");
    expect(body.choices[0]!.message).toEqual({
      role: "assistant",
      content: "「那第二个呢？」的回答（收到 2 条历史）",
    });
    expect(body.choices[0]!.finish_reason).toBe("stop");

    const first = await complete({
      model: "fake-model",
      messages: [{ role: "user", content: [{ type: "text", text: "你好" }] }],
    });
    const firstBody = (await first.json()) as { choices: { message: { content: string } }[] };
    expect(firstBody.choices[0]!.message.content).toBe("「你好」的回答（收到 0 条历史）");
    expect(llm.control.calls.at(-1)).toMatchObject({ model: "fake-model", history: 0 });
  });

  test("takes the configured delay, which can change while it runs", async () => {
    llm.control.delayMs = 600;
    let started = Date.now();
    expect((await complete({ model: "m", messages: conversation })).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(590);

    llm.control.delayMs = 0;
    started = Date.now();
    expect((await complete({ model: "m", messages: conversation })).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(500);
  });

  test("stops waiting when the caller gives up", async () => {
    llm.control.delayMs = 30_000;
    const calls = llm.control.calls.length;
    await expect(
      complete({ model: "m", messages: conversation }, KEY, AbortSignal.timeout(200)),
    ).rejects.toThrow();
    expect(llm.control.calls.length).toBe(calls + 1);
    llm.control.delayMs = 0;
  });

  test("refuses a missing or wrong key with 401, as the providers do", async () => {
    for (const key of [null, "sk-wrong"]) {
      const response = await complete({ model: "m", messages: conversation }, key);
      expect(response.status).toBe(401);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("invalid_api_key");
    }
  });

  test("refuses a malformed body with 400 and says what is wrong", async () => {
    const refused = async (body: unknown) => {
      const response = await complete(body);
      expect(response.status).toBe(400);
      return ((await response.json()) as { error: { message: string } }).error.message;
    };
    expect(await refused("{not json")).toMatch(/parse the JSON/);
    expect(await refused({ messages: conversation })).toMatch(/'model'/);
    expect(await refused({ model: "m" })).toMatch(/'messages'/);
    expect(await refused({ model: "m", messages: [] })).toMatch(/'messages'/);
    expect(await refused({ model: "m", messages: [{ role: "robot", content: "x" }] })).toMatch(
      /messages\[0\]\.role/,
    );
    expect(await refused({ model: "m", messages: [{ role: "user", content: 42 }] })).toMatch(
      /messages\[0\]\.content/,
    );
    expect(
      await refused({ model: "m", messages: [{ role: "system", content: "only a prompt" }] }),
    ).toMatch(/role 'user'/);
  });

  test("other paths are not the model", async () => {
    const response = await fetch(`${base}/embeddings`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}` },
      body: "{}",
    });
    expect(response.status).toBe(404);
  });
});
