/**
 * `ctx.conversation`: the handle a bot uses on its follower's memory (ConversationMemory).
 * Nothing is asked of the Durable Object until the handler calls it, so handlers that never use
 * it cost nothing.
 */
import type { Env } from "../env";
import { MAX_CONVERSATION_BYTES, type ConversationMemory } from "./conversation-memory";

/** A value too large (or not JSON) for a conversation; the handler decides what to keep instead. */
export class ConversationValueError extends Error {
  override readonly name = "ConversationValueError";
}

export interface Conversation {
  /** The value last set for this follower, or undefined (never set, cleared or expired). */
  get<T = unknown>(): Promise<T | undefined>;
  /** Keeps `value` (JSON, at most 64 KB) until WECHAT_CONVERSATION_TTL_DAYS after this write. */
  set(value: unknown): Promise<void>;
  clear(): Promise<void>;
}

export function conversationFor(
  env: Pick<Env, "CONVERSATION_MEMORY">,
  appId: string,
  openid: string,
  ttlDays: number,
): Conversation {
  const stub = () => {
    if (!env.CONVERSATION_MEMORY) {
      throw new ConversationValueError(
        "the CONVERSATION_MEMORY binding is missing: add it to wrangler.toml",
      );
    }
    const namespace = env.CONVERSATION_MEMORY as DurableObjectNamespace<ConversationMemory>;
    return namespace.get(namespace.idFromName(`${appId}:${openid}`));
  };
  return {
    async get<T>() {
      const stored = await stub().read();
      return stored ? (JSON.parse(stored.value) as T) : undefined;
    },
    async set(value) {
      let json: string | undefined;
      try {
        json = JSON.stringify(value);
      } catch {
        throw new ConversationValueError("a conversation value must be JSON");
      }
      if (json === undefined) throw new ConversationValueError("a conversation value must be JSON");
      const bytes = new TextEncoder().encode(json).length;
      if (bytes > MAX_CONVERSATION_BYTES) {
        throw new ConversationValueError(
          `a conversation value is at most ${MAX_CONVERSATION_BYTES} bytes of JSON (this one is ${bytes})`,
        );
      }
      await stub().write(json, ttlDays * 86_400_000);
    },
    async clear() {
      await stub().clear();
    },
  };
}
