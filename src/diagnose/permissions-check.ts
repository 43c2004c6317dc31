/**
 * What the account may not do, as WeChat's answers taught the Worker (src/token/permissions.ts):
 * each area refused with 48001 or 48004, when, and what it takes, with what the read-only probes
 * just found (permission-probes.ts). WeChat has no API that lists an account's permissions, so
 * an area neither called nor probed is not known either way.
 */
import type { AccountConfig } from "../config";
import { AREA_NEEDS, isoTime, type AccountPermissions, type PermissionArea } from "../token";
import type { ProbeResult } from "./permission-probes";
import { outcome, type CheckOutcome, type Problem } from "./problem";

/**
 * `learnt` is what the authority remembers; `probes` what the read-only probes just found, which
 * wins for their areas (the authority learns it too, after the response).
 */
export function permissionsCheck(
  config: AccountConfig,
  learnt: AccountPermissions,
  probes: Partial<Record<PermissionArea, ProbeResult>> = {},
): CheckOutcome {
  const permissions: AccountPermissions = { ...learnt };
  for (const [area, probe] of Object.entries(probes) as [PermissionArea, ProbeResult][]) {
    if (probe.allowed === true) delete permissions[area];
    else if (probe.allowed === false && !permissions[area]) {
      permissions[area] = {
        allowed: false,
        errcode: probe.errcode,
        learntAt: Date.now(),
        path: probe.path,
      };
    }
  }
  const refused: Record<string, unknown> = {};
  const problems: Problem[] = [];
  for (const [area, refusal] of Object.entries(permissions) as [
    PermissionArea,
    NonNullable<AccountPermissions[PermissionArea]>,
  ][]) {
    if (refusal.allowed !== false) continue;
    const needs = AREA_NEEDS[area];
    refused[area] = {
      errcode: refusal.errcode,
      learnt_at: isoTime(refusal.learntAt),
      ...(refusal.path ? { path: refusal.path } : {}),
    };
    const slowReplies =
      area === "customer-service"
        ? config.slowReply === "customer-service"
          ? " Meanwhile WECHAT_SLOW_REPLY=customer-service cannot deliver late replies: set it to auto or retries."
          : " Meanwhile slow replies are held through WeChat's re-sends instead (WECHAT_SLOW_REPLY)."
        : "";
    problems.push({
      what: `WeChat refuses ${needs.label} to this account (errcode ${refusal.errcode}, learnt ${isoTime(refusal.learntAt)})`,
      why: `This needs ${needs.needs}.`,
      fix: `This needs a verified account (微信认证) or the right account type; check 设置与开发 → 接口权限 in the MP console. The Worker forgets the refusal after the next successful call.${slowReplies}`,
      errcode: refusal.errcode,
    });
  }
  return outcome(
    {
      refused,
      probed: Object.fromEntries(
        Object.entries(probes).map(([area, probe]) => [
          area,
          probe.allowed === true ? "allowed" : probe.allowed === false ? "refused" : "unknown",
        ]),
      ),
      note: "Areas never called are not known either way: WeChat has no API that lists permissions.",
    },
    problems,
  );
}
