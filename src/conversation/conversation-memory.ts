/**
 * ConversationMemory: one follower's durable memory (`ctx.conversation`), one SQLite-backed
 * Durable Object per (appid, openid).
 *
 * Why a Durable Object per follower: the memory must be strongly consistent for that follower
 * across isolates (a model's history written by one push is read by the next, wherever it lands),
 * KV is eventually consistent, and a follower's pushes come one at a time, so one small object
 * each never queues and is never woken for anyone else. A follower who never uses it never
 * creates one. The price: a cold start on the first use after a long pause.
 *
 * Storage schema (one row, or none):
 *   memory(id INTEGER PRIMARY KEY CHECK (id = 1), value TEXT NOT NULL, updated_at INTEGER NOT NULL)
 * `value` is the JSON the handler set (at most MAX_CONVERSATION_BYTES of UTF-8). An alarm at
 * `updated_at` + the TTL deletes everything, so a follower who stays away costs no storage.
 */
import { DurableObject } from "cloudflare:workers";

/** The largest value a handler may keep, in bytes of its JSON in UTF-8. */
export const MAX_CONVERSATION_BYTES = 64 * 1024;

export type StoredConversation = { value: string; updatedAt: number } | undefined;

export class ConversationMemory extends DurableObject {
  readonly #sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    this.#sql = ctx.storage.sql;
    this.#createTable();
  }

  #createTable(): void {
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS memory (
      id INTEGER PRIMARY KEY CHECK (id = 1), value TEXT NOT NULL, updated_at INTEGER NOT NULL)`);
  }

  /** Everything gone (the object then holds no storage), and ready for a next write. */
  async #forget(): Promise<void> {
    await this.ctx.storage.deleteAll();
    this.#createTable();
  }

  async read(): Promise<StoredConversation> {
    const row = this.#sql
      .exec<{ value: string; updated_at: number }>("SELECT value, updated_at FROM memory")
      .toArray()[0];
    return row ? { value: row.value, updatedAt: row.updated_at } : undefined;
  }

  /** Stores `json` (already checked by the caller, checked again here) for `ttlMs` from now. */
  async write(json: string, ttlMs: number): Promise<void> {
    if (new TextEncoder().encode(json).length > MAX_CONVERSATION_BYTES) {
      throw new RangeError(`a conversation is at most ${MAX_CONVERSATION_BYTES} bytes of JSON`);
    }
    const now = Date.now();
    this.#sql.exec(
      "INSERT OR REPLACE INTO memory (id, value, updated_at) VALUES (1, ?, ?)",
      json,
      now,
    );
    await this.ctx.storage.setAlarm(now + ttlMs);
  }

  async clear(): Promise<void> {
    await this.#forget();
  }

  override async alarm(): Promise<void> {
    await this.#forget();
  }
}
