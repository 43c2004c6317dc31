/**
 * The custom menu (自定义菜单) rules, checked before `menu/create` so a mistake is reported with
 * the button it is in, not as a bare errcode after the call (and without spending one of the
 * 1000 daily menu/create calls).
 *
 * From WeChat's 创建接口 table: 1..3 top-level buttons, each with 1..5 sub-buttons or none; `name`
 * at most 16 bytes at the top level and 60 bytes in a sub-menu (UTF-8 bytes: 5 Chinese characters
 * at the top, 20 below); `key` at most 128 bytes for click, scancode_*, pic_* and location_select;
 * `url` at most 1024 bytes for view and miniprogram (the fallback for old clients); miniprogram
 * also needs `appid` and `pagepath`; media_id/view_limited need a permanent `media_id`;
 * article_id/article_view_limited need an `article_id`. A button with `sub_button` is a parent:
 * it carries only its name (clicking a parent emits nothing).
 */

/** Types whose button needs a `key` (its EventKey in the click/scan/picture/location event). */
const KEYED_BUTTON_TYPES = [
  "click",
  "scancode_push",
  "scancode_waitmsg",
  "pic_sysphoto",
  "pic_photo_or_album",
  "pic_weixin",
  "location_select",
] as const;

export const BUTTON_TYPES = [
  ...KEYED_BUTTON_TYPES,
  "view",
  "media_id",
  "view_limited",
  "article_id",
  "article_view_limited",
  "miniprogram",
] as const;

export type ButtonType = (typeof BUTTON_TYPES)[number];

export interface MenuButton {
  type?: ButtonType;
  name: string;
  key?: string;
  url?: string;
  media_id?: string;
  article_id?: string;
  appid?: string;
  pagepath?: string;
  sub_button?: MenuButton[];
}

export interface Menu {
  button: MenuButton[];
}

export const MENU_LIMITS = {
  topButtons: 3,
  subButtons: 5,
  topNameBytes: 16,
  subNameBytes: 60,
  keyBytes: 128,
  urlBytes: 1024,
} as const;

const KEY_TYPES = new Set<string>(KEYED_BUTTON_TYPES);

/** One thing wrong with a menu: where (`button[1].sub_button[0].url`) and why. */
export interface MenuProblem {
  path: string;
  reason: string;
}

export type MenuCheck = { ok: true; menu: Menu } | { ok: false; problems: MenuProblem[] };

const bytes = (text: string) => new TextEncoder().encode(text).length;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function requireText(
  button: Record<string, unknown>,
  field: string,
  maxBytes: number | undefined,
  at: string,
  problems: MenuProblem[],
  why: string,
) {
  const value = button[field];
  if (typeof value !== "string" || value === "") {
    problems.push({ path: `${at}.${field}`, reason: `${why} needs ${field}` });
  } else if (maxBytes !== undefined && bytes(value) > maxBytes) {
    problems.push({
      path: `${at}.${field}`,
      reason: `${field} is ${bytes(value)} bytes, at most ${maxBytes} allowed`,
    });
  }
}

function checkUrl(value: unknown, at: string, problems: MenuProblem[]) {
  if (typeof value !== "string" || value === "") return;
  try {
    const url = new URL(value);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error();
  } catch {
    problems.push({ path: at, reason: "url must be an http:// or https:// link" });
  }
}

function checkLeaf(button: Record<string, unknown>, at: string, problems: MenuProblem[]) {
  const type = button.type;
  if (typeof type !== "string" || !(BUTTON_TYPES as readonly string[]).includes(type)) {
    problems.push({
      path: `${at}.type`,
      reason:
        type === undefined
          ? "a button without sub_button needs a type"
          : `unknown type ${JSON.stringify(type)}; one of ${BUTTON_TYPES.join(", ")}`,
    });
    return;
  }
  const why = `type ${type}`;
  if (KEY_TYPES.has(type)) requireText(button, "key", MENU_LIMITS.keyBytes, at, problems, why);
  if (type === "view" || type === "miniprogram") {
    requireText(button, "url", MENU_LIMITS.urlBytes, at, problems, why);
    checkUrl(button.url, `${at}.url`, problems);
  }
  if (type === "miniprogram") {
    requireText(button, "appid", undefined, at, problems, why);
    requireText(button, "pagepath", undefined, at, problems, why);
  }
  if (type === "media_id" || type === "view_limited") {
    requireText(button, "media_id", undefined, at, problems, why);
  }
  if (type === "article_id" || type === "article_view_limited") {
    requireText(button, "article_id", undefined, at, problems, why);
  }
}

function checkName(
  button: Record<string, unknown>,
  maxBytes: number,
  at: string,
  problems: MenuProblem[],
) {
  const name = button.name;
  if (typeof name !== "string" || name.trim() === "") {
    problems.push({ path: `${at}.name`, reason: "every button needs a name" });
  } else if (bytes(name) > maxBytes) {
    problems.push({
      path: `${at}.name`,
      reason: `name is ${bytes(name)} UTF-8 bytes, at most ${maxBytes} allowed here`,
    });
  }
}

/** Checks a menu against WeChat's rules; every problem is reported, not just the first. */
export function validateMenu(input: unknown): MenuCheck {
  const problems: MenuProblem[] = [];
  if (!isRecord(input) || !Array.isArray(input.button)) {
    return { ok: false, problems: [{ path: "button", reason: 'a menu is {"button": [...]}' }] };
  }
  const top = input.button;
  if (top.length < 1 || top.length > MENU_LIMITS.topButtons) {
    problems.push({
      path: "button",
      reason: `1 to ${MENU_LIMITS.topButtons} top-level buttons, got ${top.length}`,
    });
  }
  top.forEach((button, i) => {
    const at = `button[${i}]`;
    if (!isRecord(button)) {
      problems.push({ path: at, reason: "a button is an object" });
      return;
    }
    checkName(button, MENU_LIMITS.topNameBytes, at, problems);
    // menu/get answers leaves with "sub_button": [], so a fetched menu can be pushed back as is.
    const emptySubs = Array.isArray(button.sub_button) && button.sub_button.length === 0;
    if (button.sub_button === undefined || (emptySubs && button.type !== undefined)) {
      checkLeaf(button, at, problems);
      return;
    }
    const subs = button.sub_button;
    if (!Array.isArray(subs) || subs.length < 1 || subs.length > MENU_LIMITS.subButtons) {
      problems.push({
        path: `${at}.sub_button`,
        reason: `1 to ${MENU_LIMITS.subButtons} sub-buttons, got ${Array.isArray(subs) ? subs.length : "no list"}`,
      });
      return;
    }
    if (button.type !== undefined) {
      problems.push({
        path: `${at}.type`,
        reason: "a button with sub_button has no type of its own",
      });
    }
    subs.forEach((sub, j) => {
      const subAt = `${at}.sub_button[${j}]`;
      if (!isRecord(sub)) {
        problems.push({ path: subAt, reason: "a button is an object" });
        return;
      }
      checkName(sub, MENU_LIMITS.subNameBytes, subAt, problems);
      if (
        sub.sub_button !== undefined &&
        !(Array.isArray(sub.sub_button) && sub.sub_button.length === 0)
      ) {
        problems.push({ path: `${subAt}.sub_button`, reason: "menus have two levels at most" });
      }
      checkLeaf(sub, subAt, problems);
    });
  });
  return problems.length === 0
    ? { ok: true, menu: input as unknown as Menu }
    : { ok: false, problems };
}

/** Problems as lines for people: `button[0].key: key is 130 bytes, at most 128 allowed`. */
export function describeMenuProblems(problems: MenuProblem[]): string {
  return problems.map((problem) => `${problem.path}: ${problem.reason}`).join("\n");
}
