/**
 * Driving this repository's Worker (demo/worker.ts) as WeChat does, with env overrides, and a
 * fake chat model behind `globalThis.fetch` for its base URL only.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { vi } from "vitest";
import { randomMsgId, signPush, textPushXml } from "../../dev/fake-wechat/sign-push";
import { renderXml, textOf } from "../../src/wechat/xml";
import worker, { type DemoEnv } from "../../demo/worker";
import { account, ORIGIN, root } from "../fixtures/worker";

export const MODEL_BASE = "https://llm.test/v1";

/** The assistant against the fake model (LLM_API_KEY is a made-up marker, easy to search for). */
export const assistantEnv: Partial<DemoEnv> = {
  WECHAT_DEMO_BOT: "assistant",
  LLM_API_BASE: `${MODEL_BASE}/`,
  LLM_API_KEY: "sk-test-KEY-must-never-be-logged-0123456789",
  LLM_MODEL: "test-model",
  LLM_SYSTEM_PROMPT: "You are the SYSTEM-PROMPT-MARKER assistant.",
};

export async function demoFetch(
  path: string,
  init: RequestInit = {},
  overrides: Partial<DemoEnv> = {},
) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`${ORIGIN}${path}`, init) as Request<unknown, IncomingRequestCfProperties>,
    { ...env, ...overrides } as DemoEnv,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

/** Sends a signed plaintext push and returns the status and the reply's Content (if any). */
export async function sendXml(xml: string, overrides: Partial<DemoEnv> = {}) {
  const push = await signPush(account, xml);
  const response = await demoFetch(push.path, { method: "POST", body: push.body }, overrides);
  const body = await response.text();
  const content = body.startsWith("<xml>") ? textOf(root(body), "Content") : undefined;
  return { status: response.status, body, content };
}

export function sendText(content: string, from: string, overrides: Partial<DemoEnv> = {}) {
  return sendXml(textPushXml(content, { from, msgId: randomMsgId() }), overrides);
}

export function voicePushXml(from: string, recognition?: string) {
  return renderXml({
    ToUserName: "gh_0123456789ab",
    FromUserName: from,
    CreateTime: Math.floor(Date.now() / 1000),
    MsgType: "voice",
    MediaId: "media_id",
    Format: "amr",
    ...(recognition === undefined ? {} : { Recognition: recognition }),
    MsgId: randomMsgId(),
  });
}

export interface ChatRequest {
  model: string;
  messages: { role: string; content: string }[];
}

export interface ModelCall {
  url: string;
  authorization: string | null;
  body: ChatRequest;
}

/** What the fake model does with one request: answer it, or hang until the caller aborts. */
export type ModelBehaviour = (body: ChatRequest, call: number) => Response | "hang";

export const completion = (content: unknown) =>
  Response.json({
    id: "chatcmpl-1",
    choices: [{ index: 0, message: { role: "assistant", content } }],
  });

/** Puts the fake model behind fetch for MODEL_BASE; every other URL goes to the previous fetch. */
export function installFakeModel(behaviour: ModelBehaviour) {
  const calls: ModelCall[] = [];
  const original = globalThis.fetch;
  const stub: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    if (!request.url.startsWith(`${MODEL_BASE}/`)) return original(input, init);
    const body = (await request.json()) as ChatRequest;
    calls.push({ url: request.url, authorization: request.headers.get("authorization"), body });
    const answer = behaviour(body, calls.length);
    if (answer !== "hang") return answer;
    return new Promise<Response>((_, reject) => {
      init?.signal?.addEventListener("abort", () =>
        reject(new DOMException("aborted", "AbortError")),
      );
    });
  };
  globalThis.fetch = stub;
  return {
    calls,
    uninstall() {
      if (globalThis.fetch === stub) globalThis.fetch = original;
    },
  };
}

/** Every console line written while `run` runs (the lines are kept out of the test output). */
export async function consoleLines(run: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const spies = (["log", "info", "warn", "error", "debug"] as const).map((level) =>
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(" "));
    }),
  );
  try {
    await run();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return lines;
}
