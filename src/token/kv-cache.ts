/**
 * Workers KV as the hot read path for the token authority's credentials.
 *
 * KV is eventually consistent (a write can take 60 s or more to reach other locations) and has
 * no compare-and-set, so it is only a cache: the authority writes it after every refresh, the
 * Worker reads it, and a stale or missing entry just means asking the authority. It never decides
 * who refreshes.
 */
import type { CredentialKind, Lease } from "./records";

// KV refuses expirationTtl below 60 s.
const MIN_KV_TTL_SECONDS = 60;

function cacheKey(kind: CredentialKind, appId: string): string {
  return `${kind}:${appId}`;
}

export async function readCachedLease(
  kv: KVNamespace,
  kind: CredentialKind,
  appId: string,
): Promise<Lease | undefined> {
  const entry = await kv.get<Partial<Lease>>(cacheKey(kind, appId), "json");
  if (!entry || typeof entry.value !== "string" || typeof entry.expiresAt !== "number") {
    return undefined;
  }
  return { value: entry.value, expiresAt: entry.expiresAt };
}

export async function writeCachedLease(
  kv: KVNamespace,
  kind: CredentialKind,
  appId: string,
  lease: Lease,
  now: number,
): Promise<void> {
  const ttl = Math.max(MIN_KV_TTL_SECONDS, Math.floor((lease.expiresAt - now) / 1000));
  await kv.put(cacheKey(kind, appId), JSON.stringify(lease), { expirationTtl: ttl });
}

export async function dropCachedLease(kv: KVNamespace, kind: CredentialKind, appId: string) {
  await kv.delete(cacheKey(kind, appId));
}
