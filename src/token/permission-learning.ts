/**
 * Learns what the account may do from every call the Worker's API client makes
 * (src/token/permissions.ts): a 48001 or 48004 is noted with the token authority, a later success
 * of the same area forgets it.
 *
 * Off the caller's path: the transport reports each exchange synchronously, and the authority is
 * told after the response (`waitUntil`). Each isolate remembers what it has learnt, so the
 * authority is asked only when a fact is new to the isolate (it writes only when the fact is new
 * to the account), and read at most once a minute, when a success might clear a refusal.
 */
import { waitUntil } from "cloudflare:workers";
import type { Env } from "../env";
import { describeError, log } from "../log";
import type { ApiCallRecord } from "../wechat/api/transport";
import { tokenAuthority } from "./authority-client";
import { isPermissionRefusal, permissionAreaOf, type PermissionArea } from "./permissions";

const REFRESH_MS = 60_000;

interface Known {
  refused: Set<PermissionArea>;
  checkedAt: number;
}

const knownByAccount = new Map<string, Known>();

/** Forgets what this isolate learnt (tests that reset an account's storage). */
export function forgetLearntPermissions(): void {
  knownByAccount.clear();
}

function later(work: () => Promise<unknown>): void {
  const promise = work().catch((error) =>
    log.error("account.permission_unrecorded", { error: describeError(error) }),
  );
  try {
    waitUntil(promise);
  } catch {
    // Outside a request (no waitUntil to join): the promise runs on its own.
  }
}

/** The transport's `observe` hook that learns permissions for `appId`. */
export function learnPermissions(
  env: Pick<Env, "TOKEN_AUTHORITY">,
  appId: string,
): (record: ApiCallRecord) => void {
  return (record) => {
    const area = permissionAreaOf(record.path);
    if (!area) return;
    if (isPermissionRefusal(record.errcode)) {
      refused(env, appId, area, record.errcode!, record.path);
    } else if (record.errcode === undefined && record.failure === undefined) {
      succeeded(env, appId, area);
    }
  };
}

function fresh(appId: string): Known | undefined {
  const known = knownByAccount.get(appId);
  return known && Date.now() - known.checkedAt < REFRESH_MS ? known : undefined;
}

function refused(
  env: Pick<Env, "TOKEN_AUTHORITY">,
  appId: string,
  area: PermissionArea,
  errcode: number,
  path: string,
): void {
  const known = fresh(appId);
  if (known?.refused.has(area)) return;
  if (known) known.refused.add(area);
  // Counted as a fresh read: another refusal within the minute needs no second word to the authority.
  else knownByAccount.set(appId, { refused: new Set([area]), checkedAt: Date.now() });
  later(() => tokenAuthority(env, appId).noteRefusal(area, errcode, path));
}

function succeeded(env: Pick<Env, "TOKEN_AUTHORITY">, appId: string, area: PermissionArea): void {
  const known = fresh(appId);
  if (known) {
    if (!known.refused.delete(area)) return;
    later(() => tokenAuthority(env, appId).noteAllowed(area));
    return;
  }
  // Not known here (or known too long ago): one read tells whether there is a refusal to forget.
  const loading: Known = { refused: new Set(), checkedAt: Date.now() };
  knownByAccount.set(appId, loading);
  later(async () => {
    const authority = tokenAuthority(env, appId);
    const permissions = await authority.accountPermissions();
    for (const [name, refusal] of Object.entries(permissions)) {
      if (refusal?.allowed === false) loading.refused.add(name as PermissionArea);
    }
    if (loading.refused.delete(area)) await authority.noteAllowed(area);
  });
}
