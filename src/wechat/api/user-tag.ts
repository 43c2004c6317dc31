/**
 * Follower tags (用户标签管理): create, list, rename and delete tags; tag and untag followers in
 * batches; a follower's tags; the followers under a tag.
 *
 * WeChat's rules, checked before the call: a tag name is 1 to 30 bytes (45158) and unique
 * (45157, WeChat's to check); an account has at most 100 tags (45056); tags 0, 1 and 2 are
 * reserved by the system and cannot be renamed or deleted (45058); a batch names 1 to 50
 * openids (40032); a follower carries at most 20 tags (45059, WeChat's to check); a tag with
 * more than 100,000 followers cannot be deleted until they are untagged (45057).
 */
import type { WeChatApiClient } from "./client";
import { refuse } from "./input-error";

export interface FollowerTag {
  id: number;
  name: string;
  /** Followers carrying it (tags/get only). */
  count?: number;
}

export const TAG_LIMITS = {
  nameBytes: 30,
  batchOpenids: 50,
  tagsPerFollower: 20,
  tagsPerAccount: 100,
  /** 0 (none), 1 (blacklist) and 2 (星标组) belong to WeChat. */
  reserved: [0, 1, 2],
} as const;

const bytes = (text: string) => new TextEncoder().encode(text).length;

/** A reason a tag name breaks WeChat's rules, or undefined. */
export function tagNameProblem(name: unknown): string | undefined {
  if (typeof name !== "string" || name.trim() === "") return "name (the tag's name) is required";
  if (bytes(name) > TAG_LIMITS.nameBytes) {
    return `name is ${bytes(name)} UTF-8 bytes, at most ${TAG_LIMITS.nameBytes} allowed`;
  }
  return undefined;
}

/** A reason `id` is not a tag id that may be changed (renamed, deleted), or undefined. */
export function editableTagIdProblem(id: unknown): string | undefined {
  const problem = tagIdProblem(id);
  if (problem) return problem;
  return (TAG_LIMITS.reserved as readonly number[]).includes(id as number)
    ? `tag ${String(id)} is reserved by WeChat and cannot be changed`
    : undefined;
}

/** A reason `id` is not a tag id at all, or undefined. */
export function tagIdProblem(id: unknown): string | undefined {
  return typeof id === "number" && Number.isInteger(id) && id >= 0
    ? undefined
    : "tagid must be a tag's numeric id";
}

/** A reason an openid list breaks the 1..`max` rule, or undefined. */
export function openidListProblem(list: unknown, max: number): string | undefined {
  if (!Array.isArray(list) || list.length < 1 || list.length > max) {
    return `openid_list must name 1 to ${max} openids`;
  }
  const bad = list.findIndex((openid) => typeof openid !== "string" || openid === "");
  return bad < 0 ? undefined : `openid_list[${bad}] must be an openid`;
}

/** `tags/create`: resolves with WeChat's id for the new tag. */
export async function createTag(client: WeChatApiClient, name: string): Promise<FollowerTag> {
  refuse(tagNameProblem(name));
  const body = await client.post<{ tag: FollowerTag }>("/cgi-bin/tags/create", { tag: { name } });
  return { id: body.tag.id, name: body.tag.name };
}

/** `tags/get`: every tag of the account with its follower count. */
export async function getTags(client: WeChatApiClient): Promise<FollowerTag[]> {
  const body = await client.get<{ tags?: FollowerTag[] }>("/cgi-bin/tags/get");
  return body.tags ?? [];
}

/** `tags/update`: renames a tag. */
export async function updateTag(client: WeChatApiClient, id: number, name: string): Promise<void> {
  refuse(editableTagIdProblem(id) ?? tagNameProblem(name));
  await client.post("/cgi-bin/tags/update", { tag: { id, name } });
}

/** `tags/delete`: removes the tag from every follower too. */
export async function deleteTag(client: WeChatApiClient, id: number): Promise<void> {
  refuse(editableTagIdProblem(id));
  await client.post("/cgi-bin/tags/delete", { tag: { id } });
}

/** `tags/members/batchtagging`: tags 1 to 50 followers. */
export async function batchTagging(
  client: WeChatApiClient,
  openids: string[],
  tagid: number,
): Promise<void> {
  refuse(openidListProblem(openids, TAG_LIMITS.batchOpenids) ?? tagIdProblem(tagid));
  await client.post("/cgi-bin/tags/members/batchtagging", { openid_list: openids, tagid });
}

/** `tags/members/batchuntagging`: untags 1 to 50 followers. */
export async function batchUntagging(
  client: WeChatApiClient,
  openids: string[],
  tagid: number,
): Promise<void> {
  refuse(openidListProblem(openids, TAG_LIMITS.batchOpenids) ?? tagIdProblem(tagid));
  await client.post("/cgi-bin/tags/members/batchuntagging", { openid_list: openids, tagid });
}

/** `tags/getidlist`: the ids of a follower's tags. */
export async function getFollowerTagIds(
  client: WeChatApiClient,
  openid: string,
): Promise<number[]> {
  refuse(typeof openid === "string" && openid !== "" ? undefined : "openid is required");
  const body = await client.post<{ tagid_list?: number[] }>("/cgi-bin/tags/getidlist", { openid });
  return body.tagid_list ?? [];
}

export interface TagFollowerPage {
  count: number;
  openids: string[];
  /** Pass back to get the next page; "" when there is none. */
  next_openid: string;
}

/** `user/tag/get`: up to 10,000 followers under a tag, from `nextOpenid` (exclusive). */
export async function getTagFollowers(
  client: WeChatApiClient,
  tagid: number,
  nextOpenid = "",
): Promise<TagFollowerPage> {
  refuse(tagIdProblem(tagid));
  const body = await client.post<{
    count?: number;
    data?: { openid?: string[] };
    next_openid?: string;
  }>("/cgi-bin/user/tag/get", { tagid, next_openid: nextOpenid });
  return {
    count: body.count ?? 0,
    openids: body.data?.openid ?? [],
    next_openid: body.next_openid ?? "",
  };
}
