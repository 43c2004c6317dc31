/**
 * The assistant's memory of a follower: the last turns of the conversation, kept in
 * `ctx.conversation` as `{ turns: [{ user, assistant }, ...] }`.
 *
 * A conversation holds at most 64 KB of JSON and refuses more, so the history is bounded before
 * it is written: each remembered text is clipped, and the oldest turns go until the JSON fits a
 * budget below that limit. Whatever else is stored there (another bot's value, an older shape)
 * reads as no history rather than an error.
 */
import type { ChatMessage } from "./chat-completions";

export interface Turn {
  user: string;
  assistant: string;
}

export interface ChatHistory {
  turns: Turn[];
}

export const MAX_TURNS = 10;
// Below the conversation's 64 KB, so a history never meets ConversationValueError.
const MAX_HISTORY_BYTES = 48 * 1024;
// JSON escapes a control character as six bytes: at this length even a turn of nothing else
// fits MAX_HISTORY_BYTES on its own, so the newest turn is always kept.
const MAX_REMEMBERED_CHARS = 3000;

/** The turns in a stored value, oldest first; none when it is not a history. */
export function turnsOf(stored: unknown): Turn[] {
  const turns = (stored as Partial<ChatHistory> | null | undefined)?.turns;
  if (!Array.isArray(turns)) return [];
  return turns
    .filter(
      (turn): turn is Turn => typeof turn?.user === "string" && typeof turn?.assistant === "string",
    )
    .slice(-MAX_TURNS);
}

/** The history after `turn`: the last MAX_TURNS turns, clipped, within MAX_HISTORY_BYTES. */
export function withTurn(turns: readonly Turn[], turn: Turn): ChatHistory {
  const kept = [...turns, turn].slice(-MAX_TURNS).map((t) => ({
    user: clip(t.user, MAX_REMEMBERED_CHARS),
    assistant: clip(t.assistant, MAX_REMEMBERED_CHARS),
  }));
  const encoder = new TextEncoder();
  while (
    kept.length > 1 &&
    encoder.encode(JSON.stringify({ turns: kept })).length > MAX_HISTORY_BYTES
  ) {
    kept.shift();
  }
  return { turns: kept };
}

/** The turns as chat messages, oldest first. */
export function historyMessages(turns: readonly Turn[]): ChatMessage[] {
  return turns.flatMap((turn): ChatMessage[] => [
    { role: "user", content: turn.user },
    { role: "assistant", content: turn.assistant },
  ]);
}

/** `text` cut to at most `maxChars` UTF-16 units, ending in "…" when cut, never inside a pair. */
export function clip(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let end = maxChars - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}
