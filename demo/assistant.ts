/**
 * The AI assistant demo bot: text (and recognised voice) answered by a chat model, with the last
 * turns of each follower's conversation sent along so it can follow up. Written against the
 * public router the way a user would write theirs; `WECHAT_DEMO_BOT=assistant` selects it.
 *
 * The model is Workers AI when an `AI` binding exists, otherwise an OpenAI-compatible
 * `/chat/completions` (LLM_API_BASE, LLM_API_KEY, LLM_MODEL; see assistant-settings.ts).
 * `/reset` (or `/clear`) forgets the conversation.
 *
 * The handler never throws: a thrown handler is answered `success`, which tells the follower
 * nothing, so every failure of the model or of the memory ends in a short line instead. A slow
 * model needs nothing here: past WeChat's window the framework's slow-reply strategy delivers
 * the answer (customer service, or WeChat's re-sends of the push on accounts without it).
 */
import { ConversationValueError, WeChatRouter, type BotContext } from "../src/index";
import { assistantSettings, type AssistantEnv, type AssistantSettings } from "./assistant-settings";
import {
  askChatCompletions,
  askWorkersAi,
  type ChatMessage,
  type ModelAnswer,
} from "./chat-completions";
import { clip, historyMessages, turnsOf, withTurn, type Turn } from "./chat-history";

export type { AssistantEnv } from "./assistant-settings";

type Context = BotContext<AssistantEnv>;

const WELCOME = "欢迎关注！I am an AI assistant: ask me anything. Send /reset to start over.";
const APOLOGY = "抱歉，我暂时无法回答。Sorry, I could not answer just now; please try again.";
const NO_VOICE_TEXT = "Sorry, I could not recognise that voice message. Please type it.";
// WeChat shows a long answer in parts (the framework splits it); past this, nobody reads on.
const MAX_ANSWER_CHARS = 20_000;

async function answer(text: string, ctx: Context): Promise<string> {
  const loaded = assistantSettings(ctx.env);
  if (!loaded.ok) {
    logLine("warn", "assistant.not_configured", { reason: loaded.problem });
    return loaded.problem;
  }
  const { settings } = loaded;
  const turns = await recall(ctx);
  const messages: ChatMessage[] = [
    ...(settings.systemPrompt ? [{ role: "system" as const, content: settings.systemPrompt }] : []),
    ...historyMessages(turns),
    { role: "user", content: text },
  ];
  const result = await ask(settings, messages);
  if (!result.ok) {
    logLine("warn", "assistant.model_failed", { status: result.status, reason: result.reason });
    return APOLOGY;
  }
  const content = clip(result.content, MAX_ANSWER_CHARS);
  await remember(ctx, turns, { user: text, assistant: content });
  return content;
}

function ask(settings: AssistantSettings, messages: ChatMessage[]): Promise<ModelAnswer> {
  const { source, timeoutMs } = settings;
  return source.kind === "workers-ai"
    ? askWorkersAi(source.ai, source.model, messages, timeoutMs)
    : askChatCompletions(source.endpoint, messages, timeoutMs);
}

// Memory is a help, not a condition: without it the assistant answers without history.
async function recall(ctx: Context): Promise<Turn[]> {
  try {
    return turnsOf(await ctx.conversation.get());
  } catch (error) {
    logLine("warn", "assistant.memory_failed", { step: "get", reason: memoryReason(error) });
    return [];
  }
}

async function remember(ctx: Context, turns: Turn[], turn: Turn): Promise<void> {
  try {
    await ctx.conversation.set(withTurn(turns, turn));
  } catch (error) {
    logLine("warn", "assistant.memory_failed", { step: "set", reason: memoryReason(error) });
  }
}

async function forget(ctx: Context): Promise<string> {
  try {
    await ctx.conversation.clear();
    return "对话已清空。The conversation is forgotten; ask me anything.";
  } catch (error) {
    logLine("warn", "assistant.memory_failed", { step: "clear", reason: memoryReason(error) });
    return "Sorry, I could not forget the conversation just now; please try again.";
  }
}

/** One JSON line, as the framework's own log lines are: facts only, never a text or a secret. */
function logLine(
  level: "warn" | "error",
  event: string,
  fields: Record<string, string | number | undefined>,
): void {
  console[level](JSON.stringify({ ...fields, level, event }));
}

// The library's own reasons (a missing binding, a value too large) carry no text and say what to
// do; any other error's message might, so only its name is logged.
function memoryReason(error: unknown): string {
  if (error instanceof ConversationValueError) return error.message;
  return error instanceof Error ? error.name : typeof error;
}

export const assistant = new WeChatRouter<Context>()
  .text(/^\/(?:reset|clear)\s*$/i, (_message, ctx) => forget(ctx))
  .on("text", (message, ctx) => answer(message.content, ctx))
  .on("voice", (message, ctx) =>
    message.recognition?.trim() ? answer(message.recognition, ctx) : NO_VOICE_TEXT,
  )
  .event("subscribe", () => WELCOME)
  // Other events (unfollows, menu clicks, location reports) need no answer.
  .fallback((message) =>
    message.msgType === "event" ? undefined : "I read text and voice messages only.",
  );
