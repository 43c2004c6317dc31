/**
 * Read-only calls whose answer tells whether the account has an area's permission, so a fresh
 * deployment learns it without waiting for a real send to be refused: getkflist (客服帐号管理)
 * answers 48001 to an account without customer service, get_all_private_template to one without
 * template messages. They go through the Worker's client, so what they teach is also remembered
 * (src/token/permission-learning.ts); each costs one call of a read-only API.
 */
import type { PermissionArea } from "../token";
import type { WeChatApiClient } from "../wechat/api/client";
import { WeChatApiError } from "../wechat/api/errors";

const PROBES: readonly { area: PermissionArea; path: string }[] = [
  { area: "customer-service", path: "/cgi-bin/customservice/getkflist" },
  { area: "template", path: "/cgi-bin/template/get_all_private_template" },
];

const REFUSED = new Set([48001, 48004]);

export type ProbeResult =
  | { allowed: true; path: string }
  | { allowed: false; errcode: number; path: string }
  /** The probe could not tell (another error, no answer). */
  | { allowed: "unknown"; path: string };

export async function probePermissions(
  client: WeChatApiClient,
): Promise<Partial<Record<PermissionArea, ProbeResult>>> {
  const results = await Promise.all(
    PROBES.map(async ({ area, path }): Promise<[PermissionArea, ProbeResult]> => {
      try {
        await client.get(path);
        return [area, { allowed: true, path }];
      } catch (error) {
        if (error instanceof WeChatApiError && REFUSED.has(error.errcode)) {
          return [area, { allowed: false, errcode: error.errcode, path }];
        }
        return [area, { allowed: "unknown", path }];
      }
    }),
  );
  return Object.fromEntries(results);
}
