/**
 * /cgi-bin/menu/{create,get,delete}, checked the way WeChat checks them, with WeChat's errcodes:
 * 40016 button count, 40017 button type, 40018 name size, 40019 key size, 40020 url size,
 * 40023 sub-button count, 40024 sub-button type, 40025 sub-button name size, 40026 sub-button key
 * size, 40027 sub-button url size, 40007 missing media_id/article_id, 40165 missing pagepath,
 * 46003 no menu. Written independently of src/wechat/api/menu-validation.ts on purpose: a rule
 * both got wrong the same way would otherwise pass unnoticed.
 *
 * Conditional menus (menu/addconditional, delconditional, trymatch): 65303 without a default
 * menu, 65304 an empty matchrule, 65320 a matchrule on personal data (sex, country, province,
 * city, language: refused since WeChat's privacy change), 65301 an unknown menuid, 65302 a
 * trymatch user that is not a follower. Matching is newest first; a tag rule matches the tag a
 * follower was given last, as the 个性化菜单 page says. menu/delete removes them all;
 * get_current_selfmenu_info describes the menu in use (is_menu_open 0 without one).
 */
import type { FakeWeChat } from "../fake.ts";
import { platformState } from "../platform-state.ts";
import { WeChatFault, type Endpoint } from "./types.ts";

const KEYED = [
  "click",
  "scancode_push",
  "scancode_waitmsg",
  "pic_sysphoto",
  "pic_photo_or_album",
  "pic_weixin",
  "location_select",
];
const TYPES = [
  ...KEYED,
  "view",
  "miniprogram",
  "media_id",
  "view_limited",
  "article_id",
  "article_view_limited",
];
const size = (value: unknown) =>
  typeof value === "string" ? new TextEncoder().encode(value).length : 0;

function checkButton(button: Record<string, unknown>, sub: boolean) {
  const codes = sub
    ? { type: 40024, name: 40025, key: 40026, url: 40027 }
    : { type: 40017, name: 40018, key: 40019, url: 40020 };
  const name = button.name;
  if (size(name) === 0 || size(name) > (sub ? 60 : 16)) {
    throw new WeChatFault(
      codes.name,
      sub ? "invalid sub button name size" : "invalid button name size",
    );
  }
  const type = button.type;
  if (typeof type !== "string" || !TYPES.includes(type)) {
    throw new WeChatFault(codes.type, sub ? "invalid sub button type" : "invalid button type");
  }
  if (KEYED.includes(type) && (size(button.key) === 0 || size(button.key) > 128)) {
    throw new WeChatFault(
      codes.key,
      sub ? "invalid sub button key size" : "invalid button key size",
    );
  }
  if (
    (type === "view" || type === "miniprogram") &&
    (size(button.url) === 0 || size(button.url) > 1024)
  ) {
    throw new WeChatFault(
      codes.url,
      sub ? "invalid sub button url size" : "invalid button url size",
    );
  }
  if (type === "miniprogram") {
    if (size(button.appid) === 0) throw new WeChatFault(40013, "invalid appid");
    if (size(button.pagepath) === 0) throw new WeChatFault(40165, "invalid weapp pagepath");
  }
  if ((type === "media_id" || type === "view_limited") && size(button.media_id) === 0) {
    throw new WeChatFault(40007, "invalid media_id");
  }
  if ((type === "article_id" || type === "article_view_limited") && size(button.article_id) === 0) {
    throw new WeChatFault(40007, "invalid article_id");
  }
}

function checkButtons(body: unknown) {
  const buttons = (body as { button?: unknown } | null)?.button;
  if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > 3) {
    throw new WeChatFault(40016, "invalid button size");
  }
  for (const button of buttons as Record<string, unknown>[]) {
    const subs = button.sub_button;
    if (Array.isArray(subs) && subs.length > 0) {
      if (size(button.name) === 0 || size(button.name) > 16)
        throw new WeChatFault(40018, "invalid button name size");
      if (subs.length > 5) throw new WeChatFault(40023, "invalid sub button size");
      for (const sub of subs as Record<string, unknown>[]) checkButton(sub, true);
    } else {
      checkButton(button, false);
    }
  }
}

const create: Endpoint = {
  method: "POST",
  path: "/cgi-bin/menu/create",
  auth: true,
  handle({ body, fake }) {
    checkButtons(body);
    platformState(fake).menu = body;
    return { errcode: 0, errmsg: "ok" };
  },
};

// menu/get echoes every button with "sub_button": [] added to leaves, and a menuid.
function echo(button: Record<string, unknown>): Record<string, unknown> {
  const subs = Array.isArray(button.sub_button)
    ? (button.sub_button as Record<string, unknown>[])
    : [];
  return { ...button, sub_button: subs.map(echo) };
}

const get: Endpoint = {
  method: "GET",
  path: "/cgi-bin/menu/get",
  auth: true,
  handle({ fake }) {
    const menu = platformState(fake).menu as { button: Record<string, unknown>[] } | undefined;
    if (!menu) throw new WeChatFault(46003, "menu no exist");
    const conditional = conditionalMenus(fake);
    return {
      menu: { button: menu.button.map(echo), menuid: 208396938 },
      ...(conditional.length > 0
        ? {
            conditionalmenu: conditional.map((entry) => ({
              button: entry.button.map(echo),
              matchrule: entry.matchrule,
              menuid: entry.menuid,
            })),
          }
        : {}),
    };
  },
};

const remove: Endpoint = {
  method: "GET",
  path: "/cgi-bin/menu/delete",
  auth: true,
  handle({ fake }) {
    platformState(fake).menu = undefined;
    conditionalMenus(fake).length = 0;
    return { errcode: 0, errmsg: "ok" };
  },
};

interface ConditionalEntry {
  menuid: number;
  button: Record<string, unknown>[];
  matchrule: Record<string, unknown>;
}

const conditionals = new WeakMap<FakeWeChat, ConditionalEntry[]>();

/** The account's conditional menus, oldest first. */
export function conditionalMenus(fake: FakeWeChat): ConditionalEntry[] {
  let list = conditionals.get(fake);
  if (!list) conditionals.set(fake, (list = []));
  return list;
}

const PRIVATE = ["sex", "country", "province", "city", "language"];
const given = (value: unknown) => value !== undefined && value !== null && value !== "";

const addconditional: Endpoint = {
  method: "POST",
  path: "/cgi-bin/menu/addconditional",
  auth: true,
  handle({ body, fake }) {
    if (!platformState(fake).menu) throw new WeChatFault(65303, "there is no selfmenu");
    checkButtons(body);
    const rule = (body as { matchrule?: unknown }).matchrule as Record<string, unknown> | undefined;
    if (!rule || typeof rule !== "object") throw new WeChatFault(65304, "match rule empty");
    if (PRIVATE.some((field) => given(rule[field]))) {
      throw new WeChatFault(65320, "matchrule contains privacy info");
    }
    if (!given(rule.tag_id) && !given(rule.client_platform_type)) {
      throw new WeChatFault(65304, "match rule empty");
    }
    const list = conditionalMenus(fake);
    const menuid = 208_379_533 + list.length + 1;
    list.push({
      menuid,
      button: (body as { button: Record<string, unknown>[] }).button,
      matchrule: rule,
    });
    return { menuid: String(menuid) };
  },
};

const delconditional: Endpoint = {
  method: "POST",
  path: "/cgi-bin/menu/delconditional",
  auth: true,
  handle({ body, fake }) {
    const id = Number((body as { menuid?: unknown } | null)?.menuid);
    const list = conditionalMenus(fake);
    const index = list.findIndex((entry) => entry.menuid === id);
    if (index < 0) throw new WeChatFault(65301, "menuid not exist");
    list.splice(index, 1);
    return { errcode: 0, errmsg: "ok" };
  },
};

function matches(rule: Record<string, unknown>, follower: Record<string, unknown>): boolean {
  const tags = Array.isArray(follower.tagid_list) ? (follower.tagid_list as number[]) : [];
  if (given(rule.tag_id) && String(tags[tags.length - 1]) !== String(rule.tag_id)) return false;
  if (
    given(rule.client_platform_type) &&
    String(follower.client_platform_type) !== String(rule.client_platform_type)
  ) {
    return false;
  }
  return true;
}

const trymatch: Endpoint = {
  method: "POST",
  path: "/cgi-bin/menu/trymatch",
  auth: true,
  handle({ body, fake }) {
    const userId = (body as { user_id?: unknown } | null)?.user_id;
    const follower =
      typeof userId === "string" ? platformState(fake).followers.get(userId) : undefined;
    if (!follower || follower.subscribe !== 1) throw new WeChatFault(65302, "no such user");
    const menu = platformState(fake).menu as { button: Record<string, unknown>[] } | undefined;
    if (!menu) throw new WeChatFault(46003, "menu no exist");
    const hit = [...conditionalMenus(fake)]
      .reverse()
      .find((entry) => matches(entry.matchrule, follower));
    return { button: (hit?.button ?? menu.button).map(echo) };
  },
};

// get_current_selfmenu_info nests sub-menus as sub_button.list.
function selfmenu(button: Record<string, unknown>): Record<string, unknown> {
  const { sub_button: subs, ...rest } = button;
  return Array.isArray(subs) && subs.length > 0
    ? { name: rest.name, sub_button: { list: (subs as Record<string, unknown>[]).map(selfmenu) } }
    : rest;
}

const selfmenuInfo: Endpoint = {
  method: "GET",
  path: "/cgi-bin/get_current_selfmenu_info",
  auth: true,
  handle({ fake }) {
    const menu = platformState(fake).menu as { button: Record<string, unknown>[] } | undefined;
    if (!menu) return { is_menu_open: 0 };
    return { is_menu_open: 1, selfmenu_info: { button: menu.button.map(selfmenu) } };
  },
};

export const menuEndpoints: Endpoint[] = [
  create,
  get,
  remove,
  addconditional,
  delconditional,
  trymatch,
  selfmenuInfo,
];
