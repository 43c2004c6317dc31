/**
 * /cgi-bin/menu/{create,get,delete}, checked the way WeChat checks them, with WeChat's errcodes:
 * 40016 button count, 40017 button type, 40018 name size, 40019 key size, 40020 url size,
 * 40023 sub-button count, 40024 sub-button type, 40025 sub-button name size, 40026 sub-button key
 * size, 40027 sub-button url size, 40007 missing media_id/article_id, 40165 missing pagepath,
 * 46003 no menu. Written independently of src/wechat/api/menu-validation.ts on purpose: a rule
 * both got wrong the same way would otherwise pass unnoticed.
 */
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

const create: Endpoint = {
  method: "POST",
  path: "/cgi-bin/menu/create",
  auth: true,
  handle({ body, fake }) {
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
    return { menu: { button: menu.button.map(echo), menuid: 208396938 } };
  },
};

const remove: Endpoint = {
  method: "GET",
  path: "/cgi-bin/menu/delete",
  auth: true,
  handle({ fake }) {
    platformState(fake).menu = undefined;
    return { errcode: 0, errmsg: "ok" };
  },
};

export const menuEndpoints: Endpoint[] = [create, get, remove];
