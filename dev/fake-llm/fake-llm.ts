/**
 * A fake OpenAI-compatible chat-completions endpoint (`POST {basePath}/chat/completions`), so the
 * demo assistant bot runs offline and its tests are deterministic. Providers differ in what they
 * accept; this one checks what they all check (a Bearer key, a model, a non-empty `messages` of
 * `{role, content}`) and answers in the shape they all share (`choices[0].message.content`).
 *
 * The answer quotes the last user message and counts the history sent before it (user and
 * assistant turns; system and developer prompts are not history), so a test can see both:
 * `「你好」的回答（收到 2 条历史）`. The delay is the point of the fake: set it past WeChat's
 * 5-second window to watch the Worker's slow-reply handling. It is plain Web-standard code,
 * `(request) => Promise<Response>`, mounted by the playground's simulator at `/llm/v1`.
 *
 * @example
 * const llm = createFakeLlm({ apiKey: "sk-local", delayMs: 12_000 });
 * const response = await llm.handle(request);
 * llm.control.delayMs = 1000;
 */

export interface FakeLlmOptions {
  /** The key callers must present as `Authorization: Bearer <key>`. */
  apiKey: string;
  /** Where the API lives: requests go to `${basePath}/chat/completions`. Default "/v1". */
  basePath?: string;
  /** How long each answer takes, in ms (default 0); change it later with `control.delayMs`. */
  delayMs?: number;
}

export interface ChatMessage {
  role: "system" | "developer" | "user" | "assistant";
  content: string;
}

export interface FakeLlmCall {
  at: number;
  model: string;
  messages: ChatMessage[];
  /** Messages before the last user message, prompts excluded. */
  history: number;
}

export interface FakeLlmControl {
  /** Applies to requests that arrive after the change. */
  delayMs: number;
  /** The last accepted requests (up to 100), oldest first. */
  readonly calls: FakeLlmCall[];
}

export interface FakeLlm {
  handle(request: Request): Promise<Response>;
  readonly control: FakeLlmControl;
}

const ROLES = new Set(["system", "developer", "user", "assistant"]);
const PROMPT_ROLES = new Set(["system", "developer"]);
const CALLS_KEPT = 100;

/** The fake's answer to a conversation, and the history count it reports. */
export function fakeAnswer(messages: readonly ChatMessage[]): { content: string; history: number } {
  const last = messages.findLastIndex((message) => message.role === "user");
  const history = messages
    .slice(0, last)
    .filter((message) => !PROMPT_ROLES.has(message.role)).length;
  return { content: `「${messages[last]!.content}」的回答（收到 ${history} 条历史）`, history };
}

export function createFakeLlm(options: FakeLlmOptions): FakeLlm {
  const path = `${options.basePath ?? "/v1"}/chat/completions`;
  const control: FakeLlmControl = { delayMs: options.delayMs ?? 0, calls: [] };
  let served = 0;

  async function handle(request: Request): Promise<Response> {
    if (new URL(request.url).pathname !== path) {
      return error(404, "invalid_request_error", `Unknown path; this fake serves POST ${path}`);
    }
    if (request.method !== "POST") {
      return error(405, "invalid_request_error", `Use POST for ${path}`);
    }
    if (request.headers.get("authorization") !== `Bearer ${options.apiKey}`) {
      return error(401, "invalid_request_error", "Incorrect API key provided", "invalid_api_key");
    }
    const parsed = parseChatRequest(await request.text());
    if (typeof parsed === "string") return error(400, "invalid_request_error", parsed);
    const { content, history } = fakeAnswer(parsed.messages);
    control.calls.push({ at: Date.now(), ...parsed, history });
    if (control.calls.length > CALLS_KEPT) control.calls.shift();
    if (!(await sleep(control.delayMs, request.signal))) {
      return error(499, "request_cancelled", "The caller went away");
    }
    const prompt = parsed.messages.reduce((sum, message) => sum + message.content.length, 0);
    return Response.json({
      id: `chatcmpl-fake-${++served}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: parsed.model,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content },
          finish_reason: "stop",
          logprobs: null,
        },
      ],
      // Characters, not tokens: the fake has no tokenizer.
      usage: {
        prompt_tokens: prompt,
        completion_tokens: content.length,
        total_tokens: prompt + content.length,
      },
    });
  }

  return { handle, control };
}

/** The request body, or the reason it is refused (worded as the providers word it). */
export function parseChatRequest(
  text: string,
): { model: string; messages: ChatMessage[] } | string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return "We could not parse the JSON body of your request.";
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return "The request body must be a JSON object.";
  }
  const { model, messages, stream } = body as Record<string, unknown>;
  if (typeof model !== "string" || model === "") return "Missing required parameter: 'model'.";
  if (stream === true) return "This fake does not stream; leave 'stream' unset or false.";
  if (!Array.isArray(messages) || messages.length === 0) {
    return "Missing required parameter: 'messages' (a non-empty array).";
  }
  const read: ChatMessage[] = [];
  for (const [index, message] of messages.entries()) {
    const { role, content } = (message ?? {}) as Record<string, unknown>;
    if (typeof role !== "string" || !ROLES.has(role)) {
      return `Invalid value for 'messages[${index}].role': expected system, developer, user or assistant.`;
    }
    const flat = contentText(content);
    if (flat === undefined) {
      return `Invalid type for 'messages[${index}].content': expected a string or text parts.`;
    }
    read.push({ role: role as ChatMessage["role"], content: flat });
  }
  if (!read.some((message) => message.role === "user")) {
    return "'messages' must contain at least one message with role 'user'.";
  }
  return { model, messages: read };
}

/** A string, or the text parts (`[{type: "text", text}]`) the providers also accept, joined. */
function contentText(content: unknown): string | undefined {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return undefined;
  let text = "";
  for (const part of content) {
    const { type, text: partText } = (part ?? {}) as Record<string, unknown>;
    if (type !== "text" || typeof partText !== "string") return undefined;
    text += partText;
  }
  return text;
}

function error(status: number, type: string, message: string, code: string | null = null) {
  return Response.json({ error: { message, type, param: null, code } }, { status });
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (finished: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      resolve(finished);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener("abort", onAbort);
  });
}
