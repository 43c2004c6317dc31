/**
 * Which PushLedger instance holds what: a fixed set of instances, chosen by a hash.
 *
 * One instance per follower would create a Durable Object, and its SQLite database, for every
 * new follower, and cost a cold start on their first message; a fixed set stays warm and still
 * spreads the load (32 instances cover the largest accounts; npm run bench measures what one
 * instance handles). Claims go by openid, so a follower's retries meet in one place. Signatures
 * (checked in batches) and kept replies live in one instance each: kept replies are rare (late
 * replies customer service refused), and an isolate learns with one call which followers are
 * owed one.
 */
import type { AccountSource } from "../config";
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

const shardName = (key: string) => `ledger:${hash(key) % LEDGER_SHARDS}`;

/**
 * The account's partition of the ledger: undefined for the single account, which keeps the
 * ledger's original names (unchanged for existing deployments); every other account's appid, so
 * that two accounts' signatures, claims and kept replies never meet.
 */
export function ledgerPartition(account: {
  accountSource: AccountSource;
  appId?: string | undefined;
}): string | undefined {
  return account.accountSource === "single" ? undefined : account.appId;
}

/** A follower's id in the ledger (claims, kept replies): the openid within the partition. */
export function followerIdIn(partition: string | undefined, openid: string): string {
  return partition === undefined ? openid : `${partition}:${openid}`;
}

/** The one place the namespace gets its class: every stub of the ledger comes from here. */
function ledgerNamed(env: Pick<Env, "PUSH_LEDGER">, name: string): DurableObjectStub<PushLedger> {
  const namespace = env.PUSH_LEDGER as DurableObjectNamespace<PushLedger>;
  return namespace.get(namespace.idFromName(name));
}

function shard(env: Pick<Env, "PUSH_LEDGER">, key: string): DurableObjectStub<PushLedger> {
  return ledgerNamed(env, shardName(key));
}

/** The name of the instance that claims a follower's pushes (to batch calls per instance). */
export function followerShardOf(openid: string): string {
  return shardName(`follower:${openid}`);
}

/** The instance that claims a follower's pushes. */
export function followerLedger(env: Pick<Env, "PUSH_LEDGER">, openid: string) {
  return shard(env, `follower:${openid}`);
}

/** An instance by the name followerShardOf gave. */
export function ledgerByName(env: Pick<Env, "PUSH_LEDGER">, name: string) {
  return ledgerNamed(env, name);
}

/** The instance that keeps replies owed to followers. */
export function keptLedger(env: Pick<Env, "PUSH_LEDGER">) {
  return ledgerNamed(env, "ledger:kept");
}

/**
 * The instance that remembers which body each (timestamp, nonce) pair carried. One instance per
 * account, so that an isolate's checks go out together (replay-guard.ts batches them): in a batch,
 * a check costs the instance one lookup and one row, not a call. The single account keeps the
 * original name; every other account has its own instance, named by its appid (`partition`), so
 * that two accounts' identical (timestamp, nonce) pairs never meet.
 */
export function signatureLedger(env: Pick<Env, "PUSH_LEDGER">, partition?: string) {
  return ledgerNamed(
    env,
    partition === undefined ? "ledger:signatures" : `ledger:signatures:${partition}`,
  );
}
