/**
 * Which PushLedger instance holds what: a fixed set of instances, chosen by a hash.
 *
 * One instance per follower would create a Durable Object, and its SQLite database, for every
 * new follower, and cost a cold start on their first message; a fixed set stays warm and still
 * spreads the load (a single instance handles several hundred pushes a second, so 32 cover the
 * largest accounts). Claims and kept replies go by openid, so a follower's retries and owed
 * replies meet in one place; signatures go by (timestamp, nonce), which a forged body cannot
 * change.
 */
import type { Env } from "../env";
import type { PushLedger } from "./push-ledger";

export const LEDGER_SHARDS = 32;

/** FNV-1a over UTF-16 code units: cheap, stable, and well spread for short ids. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function shard(env: Pick<Env, "PUSH_LEDGER">, key: string): DurableObjectStub<PushLedger> {
  return env.PUSH_LEDGER.get(env.PUSH_LEDGER.idFromName(`ledger:${hash(key) % LEDGER_SHARDS}`));
}

/** The instance that claims a follower's pushes and keeps replies owed to them. */
export function followerLedger(env: Pick<Env, "PUSH_LEDGER">, openid: string) {
  return shard(env, `follower:${openid}`);
}

/** The instance that remembers which body a (timestamp, nonce) pair carried. */
export function signatureLedger(env: Pick<Env, "PUSH_LEDGER">, timestamp: string, nonce: string) {
  return shard(env, `signature:${timestamp}:${nonce}`);
}
