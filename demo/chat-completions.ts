/**
 * The assistant's model: one POST to an OpenAI-compatible `/chat/completions`, or a Workers AI
 * binding's `run`. No SDK: the request is a few lines of JSON and the answer one field of it.
 *
 * Every call ends within its timeout and never throws: a model that hangs, errs, answers
 * something that is not the expected JSON, or streams without end is a `ModelFailure` with a
 * one-line reason. Reasons are our own words plus a status or an error's name, never the request
 * (which carries the key, the system prompt and the follower's text) nor the model's output.
 */

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export type ModelAnswer =
  { ok: true; content: string } | { ok: false; reason: string; status?: number };

/** An OpenAI-compatible endpoint: `base` like https://api.openai.com/v1, without a trailing slash. */
export interface ChatCompletionsEndpoint {
  base: string;
  apiKey: string;
  model: string;
}

/** What the assistant needs of a Workers AI binding (`[ai] binding = "AI"` in wrangler.toml). */
export interface WorkersAiBinding {
  run(model: string, inputs: { messages: ChatMessage[] }): Promise<unknown>;
}

// Far above any real chat answer; past it the body is not read on, so a runaway upstream cannot
// fill the isolate's memory.
const MAX_BODY_BYTES = 1024 * 1024;

const TIMED_OUT = Symbol("timed out");

export async function askChatCompletions(
  endpoint: ChatCompletionsEndpoint,
  messages: ChatMessage[],
  timeoutMs: number,
): Promise<ModelAnswer> {
  try {
    const result = await withTimeout(timeoutMs, async (signal) => {
      const response = await fetch(`${endpoint.base}/chat/completions`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${endpoint.apiKey}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({ model: endpoint.model, messages }),
        signal,
      });
      return { status: response.status, ok: response.ok, body: await readBounded(response) };
    });
    if (result === TIMED_OUT) return timedOut(timeoutMs);
    const { status, body } = result;
    if (body === undefined) return { ok: false, status, reason: "answer too large" };
    const json = parseJson(body);
    if (!result.ok) return { ok: false, status, reason: `HTTP ${status}${errorCode(json)}` };
    if (json === undefined) return { ok: false, status, reason: "answer is not JSON" };
    const content = (json as { choices?: { message?: { content?: unknown } }[] }).choices?.[0]
      ?.message?.content;
    return usable(content) ? { ok: true, content } : { ok: false, status, reason: "no content" };
  } catch (error) {
    return { ok: false, reason: `request failed (${errorName(error)})` };
  }
}

export async function askWorkersAi(
  ai: WorkersAiBinding,
  model: string,
  messages: ChatMessage[],
  timeoutMs: number,
): Promise<ModelAnswer> {
  try {
    // run() takes no signal: the race below stops waiting, the call itself runs out on its own.
    const result = await withTimeout(timeoutMs, () => ai.run(model, { messages }));
    if (result === TIMED_OUT) return timedOut(timeoutMs);
    const content = (result as { response?: unknown } | null)?.response;
    return usable(content) ? { ok: true, content } : { ok: false, reason: "no content" };
  } catch (error) {
    return { ok: false, reason: `Workers AI failed (${errorName(error)})` };
  }
}

/**
 * Races `run` against the timeout, aborting its signal when time is up. The race, not the signal
 * alone, is the bound: a body that stalls after its headers, or a binding that takes no signal,
 * still ends on time.
 */
async function withTimeout<T>(
  ms: number,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T | typeof TIMED_OUT> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve(TIMED_OUT);
    }, ms);
  });
  try {
    return await Promise.race([run(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** The body as text, or undefined when it exceeds MAX_BODY_BYTES. */
async function readBounded(response: Response): Promise<string | undefined> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The machine-readable code of an OpenAI-style error body (`invalid_api_key`,
 * `model_not_found`): what a person needs to act on a 4xx. Only a short identifier is taken,
 * never the error's message, which may quote the request.
 */
function errorCode(json: unknown): string {
  const error = (json as { error?: { code?: unknown; type?: unknown } } | undefined)?.error;
  const code = typeof error?.code === "string" ? error.code : error?.type;
  return typeof code === "string" && /^[\w.-]{1,64}$/.test(code) ? ` (${code})` : "";
}

function usable(content: unknown): content is string {
  return typeof content === "string" && content.trim() !== "";
}

function timedOut(ms: number): ModelAnswer {
  return { ok: false, reason: `no answer within ${ms} ms` };
}

// Only the name: an error's message may carry the URL or what the upstream echoed back.
function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
