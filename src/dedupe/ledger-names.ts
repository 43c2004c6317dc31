/**
 * The names of PushLedger instances, apart from their stubs so that the ledger itself can read
 * its own name (`ctx.id.name`) without importing the module that builds stubs of it.
 *
 * Each account has one instance: the single account's keeps the name it had when it held only
 * the replay guard's pairs, so an upgraded deployment keeps them; every other account's is
 * named by its appid (its partition).
 */
const SINGLE_ACCOUNT = "ledger:signatures";
const PREFIX = `${SINGLE_ACCOUNT}:`;

/**
 * Where replies kept for followers lived, for every account at once, before they moved to each
 * account's instance. An account's instance takes its own over from there once (push-ledger.ts).
 */
export const LEGACY_KEPT_LEDGER = "ledger:kept";

/** The name of the account's instance; `partition` is undefined for the single account. */
export function accountLedgerName(partition: string | undefined): string {
  return partition === undefined ? SINGLE_ACCOUNT : `${PREFIX}${partition}`;
}

/**
 * Which account an instance named `name` belongs to: `{ partition: undefined }` for the single
 * account's, `{ partition }` for another's, undefined for a name that is no account's.
 */
export function accountOfLedgerName(
  name: string | undefined,
): { partition: string | undefined } | undefined {
  if (name === SINGLE_ACCOUNT) return { partition: undefined };
  if (name?.startsWith(PREFIX)) return { partition: name.slice(PREFIX.length) };
  return undefined;
}
