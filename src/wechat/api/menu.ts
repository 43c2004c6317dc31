/**
 * The custom menu (自定义菜单): create, get, delete; conditional menus (个性化菜单: add, delete,
 * trymatch); and get_current_selfmenu_info, the menu in use however it was set. `createMenu` and
 * `addConditionalMenu` validate first (menu-validation.ts, menu-matchrule.ts) and throw
 * `MenuInvalidError` without calling WeChat. Clients pick up a new menu when a follower opens the
 * chat and the last pull was more than 5 minutes ago.
 *
 * Conditional menus are matched newest first; the default menu must exist before one is added
 * (65303), deleting the default menu deletes them all, and they cannot be edited: delete and add
 * again. Only verified accounts may use them.
 */
import type { WeChatApiClient } from "./client";
import { WeChatApiError } from "./errors";
import { refuse } from "./input-error";
import { validateConditionalMenu, type ConditionalMenu } from "./menu-matchrule";
import { describeMenuProblems, validateMenu, type Menu, type MenuProblem } from "./menu-validation";

export type { Menu, MenuButton } from "./menu-validation";

export class MenuInvalidError extends Error {
  override readonly name = "MenuInvalidError";
  constructor(readonly problems: MenuProblem[]) {
    super(`the menu breaks WeChat's rules:\n${describeMenuProblems(problems)}`);
  }
}

/** `POST /cgi-bin/menu/create`; replaces the whole default menu. */
export async function createMenu(client: WeChatApiClient, menu: unknown): Promise<void> {
  const check = validateMenu(menu);
  if (!check.ok) throw new MenuInvalidError(check.problems);
  await client.post("/cgi-bin/menu/create", check.menu);
}

export interface MenuInfo {
  /** Undefined when the account has no menu (WeChat answers 46003 "menu no exist"). */
  menu?: Menu & { menuid?: number };
  conditionalmenu?: (ConditionalMenu & { menuid?: number })[];
}

/** `GET /cgi-bin/menu/get`: the menu created through the API (46003 becomes `{}`). */
export async function getMenu(client: WeChatApiClient): Promise<MenuInfo> {
  try {
    return await client.get<MenuInfo>("/cgi-bin/menu/get");
  } catch (error) {
    if (error instanceof WeChatApiError && error.errcode === 46003) return {};
    throw error;
  }
}

/** `GET /cgi-bin/menu/delete`: deletes the default menu and every conditional menu. */
export async function deleteMenu(client: WeChatApiClient): Promise<void> {
  await client.get("/cgi-bin/menu/delete");
}

/** `POST /cgi-bin/menu/addconditional`: resolves with the new menu's id (as a string). */
export async function addConditionalMenu(
  client: WeChatApiClient,
  menu: unknown,
): Promise<{ menuid: string }> {
  const check = validateConditionalMenu(menu);
  if (!check.ok) throw new MenuInvalidError(check.problems);
  const body = await client.post<{ menuid: unknown }>("/cgi-bin/menu/addconditional", check.menu);
  return { menuid: String(body.menuid) };
}

/** A reason `menuid` is not a conditional menu's id, or undefined. */
export function menuIdProblem(menuid: unknown): string | undefined {
  return (typeof menuid === "string" && /^\d{1,20}$/.test(menuid)) ||
    (typeof menuid === "number" && Number.isSafeInteger(menuid) && menuid >= 0)
    ? undefined
    : "menuid must be the id addconditional answered";
}

/** `POST /cgi-bin/menu/delconditional`. */
export async function deleteConditionalMenu(
  client: WeChatApiClient,
  menuid: string,
): Promise<void> {
  refuse(menuIdProblem(menuid));
  await client.post("/cgi-bin/menu/delconditional", { menuid: String(menuid) });
}

/**
 * `POST /cgi-bin/menu/trymatch`: the menu `userId` (an openid or a WeChat ID) would see, the
 * conditional menus' rules applied.
 */
export async function tryMatchMenu(
  client: WeChatApiClient,
  userId: string,
): Promise<{ button: Menu["button"] }> {
  refuse(
    typeof userId === "string" && userId !== ""
      ? undefined
      : "user_id (an openid or WeChat ID) is required",
  );
  const body = await client.post<{ button?: Menu["button"] }>("/cgi-bin/menu/trymatch", {
    user_id: userId,
  });
  return { button: body.button ?? [] };
}

/** One button as get_current_selfmenu_info describes it (sub-menus under `sub_button.list`). */
export interface SelfMenuButton {
  type?: string;
  name: string;
  key?: string;
  url?: string;
  /** For menus set on the MP website: text, a media_id or a video link, by type. */
  value?: string;
  news_info?: { list: Record<string, unknown>[] };
  sub_button?: { list: SelfMenuButton[] };
}

export interface SelfMenuInfo {
  /** 1 when the account's menu is on. */
  is_menu_open: 0 | 1;
  selfmenu_info?: { button: SelfMenuButton[] };
}

/**
 * `GET /cgi-bin/get_current_selfmenu_info`: the menu in use, whether it was set through the API
 * or on the MP website (menu/get sees only API menus). Every account type may call it.
 */
export async function getCurrentSelfMenuInfo(client: WeChatApiClient): Promise<SelfMenuInfo> {
  const body = await client.get<SelfMenuInfo>("/cgi-bin/get_current_selfmenu_info");
  return {
    is_menu_open: body.is_menu_open === 1 ? 1 : 0,
    ...(body.selfmenu_info ? { selfmenu_info: body.selfmenu_info } : {}),
  };
}
