/**
 * The rules of a conditional menu (个性化菜单): its buttons follow the default menu's rules
 * (menu-validation.ts), and its `matchrule` says who sees it.
 *
 * WeChat dropped matching on personal data: a matchrule naming `sex`, `country`, `province`,
 * `city` or `language` is refused with 65320 (the 创建个性化菜单 page's privacy note), so only
 * `tag_id` (a follower tag) and `client_platform_type` (1 iOS, 2 Android, 3 others) are left,
 * and at least one must be set (65304 "match rule empty"). The old `group_id` is gone too.
 */
import { validateMenu, type Menu, type MenuProblem } from "./menu-validation";

export interface MatchRule {
  /** A follower tag's id, as a string of digits (WeChat's examples quote it). */
  tag_id?: string;
  /** "1" iOS, "2" Android, "3" others. */
  client_platform_type?: "1" | "2" | "3";
}

export interface ConditionalMenu extends Menu {
  matchrule: MatchRule;
}

export type ConditionalMenuCheck =
  { ok: true; menu: ConditionalMenu } | { ok: false; problems: MenuProblem[] };

/** Fields WeChat refuses since it stopped matching on personal data (65320). */
export const PRIVATE_MATCH_FIELDS = ["sex", "country", "province", "city", "language"] as const;

const KNOWN = new Set(["tag_id", "client_platform_type", ...PRIVATE_MATCH_FIELDS, "group_id"]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function matchRuleProblems(rule: unknown): MenuProblem[] {
  if (!isRecord(rule)) {
    return [{ path: "matchrule", reason: "a conditional menu needs a matchrule object" }];
  }
  const problems: MenuProblem[] = [];
  for (const field of Object.keys(rule)) {
    if ((PRIVATE_MATCH_FIELDS as readonly string[]).includes(field)) {
      problems.push({
        path: `matchrule.${field}`,
        reason: `WeChat no longer matches on ${field} (personal data; errcode 65320): use tag_id`,
      });
    } else if (field === "group_id") {
      problems.push({ path: "matchrule.group_id", reason: "group_id is gone: use tag_id" });
    } else if (!KNOWN.has(field)) {
      problems.push({ path: `matchrule.${field}`, reason: "not a matchrule field" });
    }
  }
  const tag = rule.tag_id;
  const platform = rule.client_platform_type;
  const given = (value: unknown) => value !== undefined && value !== "";
  if (given(tag) && !(typeof tag === "string" && /^\d{1,10}$/.test(tag))) {
    problems.push({
      path: "matchrule.tag_id",
      reason: "tag_id is a tag's id as a string of digits",
    });
  }
  if (given(platform) && !["1", "2", "3"].includes(platform as string)) {
    problems.push({
      path: "matchrule.client_platform_type",
      reason: 'client_platform_type is "1" (iOS), "2" (Android) or "3" (others)',
    });
  }
  if (!given(tag) && !given(platform)) {
    problems.push({
      path: "matchrule",
      reason: "set tag_id or client_platform_type (an empty matchrule is errcode 65304)",
    });
  }
  return problems;
}

/** Checks a conditional menu's buttons and matchrule; every problem is reported. */
export function validateConditionalMenu(input: unknown): ConditionalMenuCheck {
  const buttons = validateMenu(input);
  const problems = [
    ...(buttons.ok ? [] : buttons.problems),
    ...matchRuleProblems(isRecord(input) ? input.matchrule : undefined),
  ];
  return problems.length === 0
    ? { ok: true, menu: input as ConditionalMenu }
    : { ok: false, problems };
}
