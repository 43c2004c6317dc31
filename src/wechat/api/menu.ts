/**
 * The custom menu (自定义菜单): create, get, delete. `createMenu` validates first (see
 * menu-validation.ts) and throws `MenuInvalidError` without calling WeChat. Clients pick up a new
 * menu when a follower opens the chat and the last pull was more than 5 minutes ago.
 */
import type { WeChatApiClient } from "./client";
import { WeChatApiError } from "./errors";
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
  conditionalmenu?: unknown[];
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
