/**
 * Follower tags: /cgi-bin/tags/{create,get,update,delete,getidlist},
 * /cgi-bin/tags/members/{batchtagging,batchuntagging} and /cgi-bin/user/tag/get, with the
 * errcodes of WeChat's 用户标签管理 pages: 45157 a name empty or already used, 45158 a name over
 * 30 bytes, 45056 a 101st tag, 45058 renaming or deleting the reserved tags 0, 1 and 2, 45159 an
 * unknown tag id, 40032 an openid list empty or over 50, 40003 an openid that is not a string,
 * 49003 an openid that is not this account's follower, 45059 a follower's 21st tag.
 * A follower's tags live in its `tagid_list` (platform-state.ts), so user/info shows them.
 */
import type { FakeWeChat } from "../fake.ts";
import { platformState } from "../platform-state.ts";
import { WeChatFault, type Endpoint } from "./types.ts";

interface TagState {
  tags: Map<number, string>;
  nextId: number;
}

const states = new WeakMap<FakeWeChat, TagState>();

/** The account's tags; 2 (星标组) is WeChat's own and always there. */
export function tagState(fake: FakeWeChat): TagState {
  let state = states.get(fake);
  if (!state) states.set(fake, (state = { tags: new Map([[2, "星标组"]]), nextId: 100 }));
  return state;
}

const RESERVED = [0, 1, 2];
const bytes = (text: string) => new TextEncoder().encode(text).length;

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new WeChatFault(47001, "data format error");
  }
  return body as Record<string, unknown>;
}

function tagOf(body: unknown): Record<string, unknown> {
  const tag = objectBody(body).tag;
  if (typeof tag !== "object" || tag === null) throw new WeChatFault(47001, "data format error");
  return tag as Record<string, unknown>;
}

function checkName(state: TagState, name: unknown, except?: number): string {
  if (typeof name !== "string" || name === "") throw new WeChatFault(45157, "invalid tag name");
  if (bytes(name) > 30) throw new WeChatFault(45158, "tag name too long");
  for (const [id, existing] of state.tags) {
    if (existing === name && id !== except) throw new WeChatFault(45157, "invalid tag name");
  }
  return name;
}

function knownTag(state: TagState, id: unknown): number {
  if (typeof id !== "number" || !state.tags.has(id)) throw new WeChatFault(45159, "invalid tag id");
  return id;
}

function tagList(follower: Record<string, unknown>): number[] {
  if (!Array.isArray(follower.tagid_list)) follower.tagid_list = [];
  return follower.tagid_list as number[];
}

const followersUnder = (fake: FakeWeChat, id: number) =>
  [...platformState(fake).followers.values()].filter(
    (follower) => follower.subscribe === 1 && tagList(follower).includes(id),
  );

const create: Endpoint = {
  method: "POST",
  path: "/cgi-bin/tags/create",
  auth: true,
  handle({ body, fake }) {
    const state = tagState(fake);
    const name = checkName(state, tagOf(body).name);
    if (state.tags.size >= 100) throw new WeChatFault(45056, "too many tags");
    const id = state.nextId++;
    state.tags.set(id, name);
    return { tag: { id, name } };
  },
};

const get: Endpoint = {
  method: "GET",
  path: "/cgi-bin/tags/get",
  auth: true,
  handle({ fake }) {
    return {
      tags: [...tagState(fake).tags].map(([id, name]) => ({
        id,
        name,
        count: followersUnder(fake, id).length,
      })),
    };
  },
};

const update: Endpoint = {
  method: "POST",
  path: "/cgi-bin/tags/update",
  auth: true,
  handle({ body, fake }) {
    const tag = tagOf(body);
    if (RESERVED.includes(tag.id as number)) throw new WeChatFault(45058, "can't modify sys tag");
    const state = tagState(fake);
    const id = knownTag(state, tag.id);
    state.tags.set(id, checkName(state, tag.name, id));
    return { errcode: 0, errmsg: "ok" };
  },
};

const remove: Endpoint = {
  method: "POST",
  path: "/cgi-bin/tags/delete",
  auth: true,
  handle({ body, fake }) {
    const tag = tagOf(body);
    if (RESERVED.includes(tag.id as number)) throw new WeChatFault(45058, "can't modify sys tag");
    const state = tagState(fake);
    const id = knownTag(state, tag.id);
    if (followersUnder(fake, id).length > 100_000) {
      throw new WeChatFault(45057, "can't delete the tag that has too many fans");
    }
    state.tags.delete(id);
    for (const follower of platformState(fake).followers.values()) {
      follower.tagid_list = tagList(follower).filter((tagid) => tagid !== id);
    }
    return { errcode: 0, errmsg: "ok" };
  },
};

/** The followers an openid_list names (40032, 40003, 49003 as WeChat answers). */
function membersOf(fake: FakeWeChat, list: unknown) {
  if (!Array.isArray(list) || list.length === 0 || list.length > 50) {
    throw new WeChatFault(40032, "invalid openid list size");
  }
  return list.map((openid) => {
    if (typeof openid !== "string" || openid === "") throw new WeChatFault(40003, "invalid openid");
    const follower = platformState(fake).followers.get(openid);
    if (!follower || follower.subscribe !== 1) {
      throw new WeChatFault(49003, "not inside the openid list of this appid");
    }
    return follower;
  });
}

function tagging(kind: "batchtagging" | "batchuntagging"): Endpoint {
  return {
    method: "POST",
    path: `/cgi-bin/tags/members/${kind}`,
    auth: true,
    handle({ body, fake }) {
      const b = objectBody(body);
      const id = knownTag(tagState(fake), b.tagid);
      const members = membersOf(fake, b.openid_list);
      if (kind === "batchtagging") {
        const full = members.find((f) => !tagList(f).includes(id) && tagList(f).length >= 20);
        if (full) throw new WeChatFault(45059, "fans tag count out of limit");
        for (const follower of members) {
          follower.tagid_list = [...tagList(follower).filter((tagid) => tagid !== id), id];
        }
      } else {
        for (const follower of members) {
          follower.tagid_list = tagList(follower).filter((tagid) => tagid !== id);
        }
      }
      return { errcode: 0, errmsg: "ok" };
    },
  };
}

const getidlist: Endpoint = {
  method: "POST",
  path: "/cgi-bin/tags/getidlist",
  auth: true,
  handle({ body, fake }) {
    const openid = objectBody(body).openid;
    const follower =
      typeof openid === "string" ? platformState(fake).followers.get(openid) : undefined;
    if (!follower) throw new WeChatFault(40003, "invalid openid");
    return { tagid_list: [...tagList(follower)] };
  },
};

const PAGE = 10_000;

const tagFollowers: Endpoint = {
  method: "POST",
  path: "/cgi-bin/user/tag/get",
  auth: true,
  handle({ body, fake }) {
    const b = objectBody(body);
    const id = knownTag(tagState(fake), b.tagid);
    const openids = followersUnder(fake, id).map((follower) => String(follower.openid));
    const next = typeof b.next_openid === "string" ? b.next_openid : "";
    const start = next === "" ? 0 : openids.indexOf(next) + 1;
    if (next !== "" && start === 0) throw new WeChatFault(40003, "invalid next_openid");
    const page = openids.slice(start, start + PAGE);
    return {
      count: page.length,
      ...(page.length > 0 ? { data: { openid: page } } : {}),
      next_openid: page.length > 0 ? page[page.length - 1]! : "",
    };
  },
};

export const tagEndpoints: Endpoint[] = [
  create,
  get,
  update,
  remove,
  tagging("batchtagging"),
  tagging("batchuntagging"),
  getidlist,
  tagFollowers,
];
