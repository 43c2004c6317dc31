/**
 * What the account may not do, as WeChat's answers taught the Worker (src/token/permissions.ts):
 * each area refused with 48001 or 48004, when, and what it takes. WeChat has no API that lists an
 * account's permissions, so an area never called is not known either way.
 */
import type { AccountConfig } from "../config";
import { AREA_NEEDS, isoTime, type AccountPermissions, type PermissionArea } from "../token";
import { outcome, type CheckOutcome, type Problem } from "./problem";

export function permissionsCheck(
  config: AccountConfig,
  permissions: AccountPermissions,
): CheckOutcome {
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
      note: "Areas never called are not known either way: WeChat has no API that lists permissions.",
    },
    problems,
  );
}
