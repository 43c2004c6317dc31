/**
 * Which PushLedger instance holds what: one instance per account holds all of that account's
 * ledger (the replay guard's pairs, claims and answers, kept replies), so that the one call a
 * push must make (the replay guard's check, which has to answer before the push does) carries
 * the rest along: the answers of earlier pushes and which followers are owed a kept reply
 * (ledger-exchange.ts). Claims and kept replies are rare next to checks, and checks and answers
 * come in batches, so one instance serves a large account (npm run bench measures it).
 */
import type { AccountSource } from "../config";
import type { Env } from "../env";
import { accountLedgerName } from "./ledger-names";
import type { PushLedger } from "./push-ledger";

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

/**
 * A follower's id in the ledger (claims, kept replies): the openid within the partition. Each
 * account has its own instance now; the prefix stays so that ids kept before (all accounts in
 * one instance) still match.
 */
export function followerIdIn(partition: string | undefined, openid: string): string {
  return partition === undefined ? openid : `${partition}:${openid}`;
}

/** The one place the namespace gets its class: every stub of the ledger comes from here. */
export function ledgerNamed(
  env: Pick<Env, "PUSH_LEDGER">,
  name: string,
): DurableObjectStub<PushLedger> {
  const namespace = env.PUSH_LEDGER as DurableObjectNamespace<PushLedger>;
  return namespace.get(namespace.idFromName(name));
}

/** The account's instance; `partition` as ledgerPartition gives it. */
export function accountLedger(env: Pick<Env, "PUSH_LEDGER">, partition: string | undefined) {
  return ledgerNamed(env, accountLedgerName(partition));
}
