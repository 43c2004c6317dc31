/**
 * The assistant's settings, read from the Worker's env on each message, so a `wrangler secret
 * put` takes effect without a redeploy.
 *
 * A Workers AI binding wins over an OpenAI-compatible endpoint: it needs no key and no egress.
 * A missing or malformed setting is a one-line problem naming the variable (never its value),
 * which the bot answers with instead of calling anything.
 */
import type { WeChatEdgeEnv } from "../src/index";
import type { ChatCompletionsEndpoint, WorkersAiBinding } from "./chat-completions";

export interface AssistantEnv extends WeChatEdgeEnv {
  /** OpenAI-compatible API base, e.g. https://api.openai.com/v1. */
  LLM_API_BASE?: string;
  /** Bearer key of that API (a secret: `wrangler secret put LLM_API_KEY`). */
  LLM_API_KEY?: string;
  /** The model name; with Workers AI, default @cf/meta/llama-3.1-8b-instruct. */
  LLM_MODEL?: string;
  LLM_SYSTEM_PROMPT?: string;
  /** How long to wait for the model, in ms (default 25000). */
  LLM_TIMEOUT_MS?: string;
  /** Workers AI: when bound, used instead of LLM_API_BASE. */
  AI?: WorkersAiBinding;
}

export type ModelSource =
  | { kind: "workers-ai"; ai: WorkersAiBinding; model: string }
  | { kind: "chat-completions"; endpoint: ChatCompletionsEndpoint };

export interface AssistantSettings {
  source: ModelSource;
  systemPrompt?: string;
  timeoutMs: number;
}

export type SettingsResult =
  { ok: true; settings: AssistantSettings } | { ok: false; problem: string };

export const DEFAULT_WORKERS_AI_MODEL = "@cf/meta/llama-3.1-8b-instruct";
const DEFAULT_TIMEOUT_MS = 25_000;
// A late answer goes out from waitUntil, which Workers end about 30 s after the response: a
// longer wait could never be delivered.
const MAX_TIMEOUT_MS = 30_000;
const NOT_CONFIGURED = "The assistant is not configured";

export function assistantSettings(env: AssistantEnv): SettingsResult {
  const timeoutMs = timeoutOf(setting(env.LLM_TIMEOUT_MS));
  if (timeoutMs === undefined) {
    return problem(`LLM_TIMEOUT_MS must be a whole number of ms from 1 to ${MAX_TIMEOUT_MS}`);
  }
  const systemPrompt = setting(env.LLM_SYSTEM_PROMPT);
  const model = setting(env.LLM_MODEL);
  if (typeof env.AI?.run === "function") {
    const source = {
      kind: "workers-ai" as const,
      ai: env.AI,
      model: model ?? DEFAULT_WORKERS_AI_MODEL,
    };
    return { ok: true, settings: { source, systemPrompt, timeoutMs } };
  }
  const base = setting(env.LLM_API_BASE);
  const apiKey = setting(env.LLM_API_KEY);
  if (base === undefined || apiKey === undefined || model === undefined) {
    return problem("set LLM_API_BASE, LLM_API_KEY and LLM_MODEL, or bind Workers AI as AI");
  }
  if (!isHttpUrl(base)) return problem("LLM_API_BASE must be an http(s) URL");
  const endpoint = { base: base.replace(/\/+$/, ""), apiKey, model };
  return {
    ok: true,
    settings: { source: { kind: "chat-completions", endpoint }, systemPrompt, timeoutMs },
  };
}

function setting(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

function timeoutOf(value: string | undefined): number | undefined {
  if (value === undefined) return DEFAULT_TIMEOUT_MS;
  const ms = /^\d{1,6}$/.test(value) ? Number(value) : 0;
  return ms >= 1 && ms <= MAX_TIMEOUT_MS ? ms : undefined;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

function problem(line: string): SettingsResult {
  return { ok: false, problem: `${NOT_CONFIGURED}: ${line}.` };
}
