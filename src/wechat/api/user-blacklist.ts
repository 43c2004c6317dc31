/**
 * The blacklist (黑名单管理): list it, block and unblock followers. A blocked follower can no
 * longer message the account. 20 openids per block or unblock call (40032 beyond); the list comes
 * 10,000 openids a page from `begin_openid`.
 */
import type { WeChatApiClient } from "./client";
import { refuse } from "./input-error";
import { openidListProblem } from "./user-tag";

export const BLACKLIST_BATCH = 20;

export interface BlacklistPage {
  total: number;
  count: number;
  openids: string[];
  /** Give as `beginOpenid` for the next page; "" when there is none. */
  next_openid: string;
}

/** `tags/members/getblacklist`: one page of blocked openids from `beginOpenid`. */
export async function getBlacklist(
  client: WeChatApiClient,
  beginOpenid = "",
): Promise<BlacklistPage> {
  const body = await client.post<{
    total?: number;
    count?: number;
    data?: { openid?: string[] };
    next_openid?: string;
  }>("/cgi-bin/tags/members/getblacklist", { begin_openid: beginOpenid });
  return {
    total: body.total ?? 0,
    count: body.count ?? 0,
    openids: body.data?.openid ?? [],
    next_openid: body.next_openid ?? "",
  };
}

/** `tags/members/batchblacklist`: blocks 1 to 20 followers. */
export async function batchBlacklist(client: WeChatApiClient, openids: string[]): Promise<void> {
  refuse(openidListProblem(openids, BLACKLIST_BATCH));
  await client.post("/cgi-bin/tags/members/batchblacklist", { openid_list: openids });
}

/** `tags/members/batchunblacklist`: unblocks 1 to 20 followers. */
export async function batchUnblacklist(client: WeChatApiClient, openids: string[]): Promise<void> {
  refuse(openidListProblem(openids, BLACKLIST_BATCH));
  await client.post("/cgi-bin/tags/members/batchunblacklist", { openid_list: openids });
}
