/**
 * Followers (用户管理): user info, batch info, the follower list and remarks (备注名).
 *
 * Since 2021-12-27 WeChat no longer returns nickname or headimgurl here, and a follower who
 * unfollowed (`subscribe: 0`) comes back with little more than the openid.
 */
import type { WeChatApiClient } from "./client";
import { refuse } from "./input-error";

export interface FollowerInfo {
  /** 0 when the user does not follow the account; then most fields are absent. */
  subscribe: 0 | 1;
  openid: string;
  language?: string;
  subscribe_time?: number;
  /** Only when the account is bound to an Open Platform account. */
  unionid?: string;
  remark?: string;
  groupid?: number;
  tagid_list?: number[];
  /** How they followed: ADD_SCENE_SEARCH, ADD_SCENE_QR_CODE, ... */
  subscribe_scene?: string;
  qr_scene?: number;
  qr_scene_str?: string;
}

export type Lang = "zh_CN" | "zh_TW" | "en";

/** Up to 100 openids per batchget call (WeChat answers 40032 beyond). */
export const MAX_BATCHGET = 100;

/** `GET /cgi-bin/user/info`. */
export function getFollowerInfo(client: WeChatApiClient, openid: string, lang: Lang = "zh_CN") {
  return client.get<FollowerInfo>("/cgi-bin/user/info", { openid, lang });
}

/** `POST /cgi-bin/user/info/batchget`; throws RangeError for more than 100 openids before calling. */
export async function batchGetFollowerInfo(
  client: WeChatApiClient,
  openids: string[],
  lang: Lang = "zh_CN",
): Promise<FollowerInfo[]> {
  if (openids.length === 0) return [];
  if (openids.length > MAX_BATCHGET) {
    throw new RangeError(`batchget takes at most ${MAX_BATCHGET} openids, got ${openids.length}`);
  }
  const body = await client.post<{ user_info_list?: FollowerInfo[] }>(
    "/cgi-bin/user/info/batchget",
    {
      user_list: openids.map((openid) => ({ openid, lang })),
    },
  );
  return body.user_info_list ?? [];
}

export interface FollowerPage {
  total: number;
  count: number;
  openids: string[];
  /** Pass to the next call; the last page repeats the last openid, and an empty page follows it. */
  next_openid: string;
}

/** `GET /cgi-bin/user/get`: one page of up to 10,000 openids, from `nextOpenid` (exclusive). */
export async function getFollowers(
  client: WeChatApiClient,
  nextOpenid?: string,
): Promise<FollowerPage> {
  const body = await client.get<{
    total: number;
    count: number;
    data?: { openid?: string[] };
    next_openid?: string;
  }>("/cgi-bin/user/get", nextOpenid ? { next_openid: nextOpenid } : {});
  return {
    total: body.total,
    count: body.count,
    openids: body.data?.openid ?? [],
    next_openid: body.next_openid ?? "",
  };
}

/** Every follower's openid, page by page (one call per 10,000; the daily quota is 500 calls). */
export async function* allFollowers(client: WeChatApiClient): AsyncGenerator<string> {
  let next: string | undefined;
  for (;;) {
    const page = await getFollowers(client, next);
    yield* page.openids;
    if (page.count === 0 || page.next_openid === "" || page.next_openid === next) return;
    next = page.next_openid;
  }
}

/** A remark (备注名) is at most 30 characters (user/info/updateremark). */
export const MAX_REMARK_CHARS = 30;

/** A reason a remark update is malformed, or undefined ("" clears the remark). */
export function remarkProblem(openid: unknown, remark: unknown): string | undefined {
  if (typeof openid !== "string" || openid === "") return "openid is required";
  if (typeof remark !== "string") return "remark must be a string (empty clears it)";
  const length = [...remark].length;
  return length > MAX_REMARK_CHARS
    ? `remark is ${length} characters, at most ${MAX_REMARK_CHARS} allowed`
    : undefined;
}

/** `POST /cgi-bin/user/info/updateremark`: sets the follower's remark (服务号 and verified accounts). */
export async function updateRemark(
  client: WeChatApiClient,
  openid: string,
  remark: string,
): Promise<void> {
  refuse(remarkProblem(openid, remark));
  await client.post("/cgi-bin/user/info/updateremark", { openid, remark });
}
