/**
 * /cgi-bin/user/info, /cgi-bin/user/info/batchget (at most 100, 40032 beyond) and /cgi-bin/user/get
 * (10,000 per page, next_openid exclusive). Followers are added by recordInteraction/addFollower.
 * An unknown openid is 40003; a non-follower answers `subscribe: 0` with almost nothing else.
 *
 * Remarks (user/info/updateremark): 40003 for an unknown openid; a remark over 30 characters is
 * 40097 "invalid args" (our choice: the page names the limit but no errcode for it).
 * The blacklist (tags/members/getblacklist, batchblacklist, batchunblacklist): 40032 for a list
 * empty or over 20, 49003 for an openid that is not this account's follower, 40003 for a
 * begin_openid not on the list; pages of 10,000.
 */
import type { FakeWeChat } from "../fake.ts";
import { platformState } from "../platform-state.ts";
import { requireString, WeChatFault, type Endpoint } from "./types.ts";

const PAGE = 10_000;

function infoOf(followers: Map<string, Record<string, unknown>>, openid: string) {
  const info = followers.get(openid);
  if (!info) throw new WeChatFault(40003, "invalid openid");
  return info.subscribe === 1 ? info : { subscribe: 0, openid, tagid_list: [] };
}

const info: Endpoint = {
  method: "GET",
  path: "/cgi-bin/user/info",
  auth: true,
  handle({ query, fake }) {
    const openid = requireString(query.get("openid"), 40003, "invalid openid");
    return infoOf(platformState(fake).followers, openid);
  },
};

const batchget: Endpoint = {
  method: "POST",
  path: "/cgi-bin/user/info/batchget",
  auth: true,
  handle({ body, fake }) {
    const list = (body as { user_list?: unknown } | null)?.user_list;
    if (!Array.isArray(list) || list.length === 0 || list.length > 100) {
      throw new WeChatFault(40032, "invalid openid list size");
    }
    const followers = platformState(fake).followers;
    return {
      user_info_list: list.map((entry) =>
        infoOf(
          followers,
          requireString((entry as { openid?: unknown })?.openid, 40003, "invalid openid"),
        ),
      ),
    };
  },
};

const list: Endpoint = {
  method: "GET",
  path: "/cgi-bin/user/get",
  auth: true,
  handle({ query, fake }) {
    const openids = [...platformState(fake).followers.values()]
      .filter((follower) => follower.subscribe === 1)
      .map((follower) => String(follower.openid));
    const next = query.get("next_openid") ?? "";
    const start = next === "" ? 0 : openids.indexOf(next) + 1;
    if (next !== "" && start === 0) throw new WeChatFault(40003, "invalid next_openid");
    const page = openids.slice(start, start + PAGE);
    return {
      total: openids.length,
      count: page.length,
      ...(page.length > 0 ? { data: { openid: page } } : {}),
      next_openid: page.length > 0 ? page[page.length - 1]! : "",
    };
  },
};

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new WeChatFault(47001, "data format error");
  }
  return body as Record<string, unknown>;
}

const updateremark: Endpoint = {
  method: "POST",
  path: "/cgi-bin/user/info/updateremark",
  auth: true,
  handle({ body, fake }) {
    const b = objectBody(body);
    const openid = requireString(b.openid, 40003, "invalid openid");
    const follower = platformState(fake).followers.get(openid);
    if (!follower) throw new WeChatFault(40003, "invalid openid");
    if (typeof b.remark !== "string" || [...b.remark].length > 30) {
      throw new WeChatFault(40097, "invalid args: remark");
    }
    follower.remark = b.remark;
    return { errcode: 0, errmsg: "ok" };
  },
};

const blacklists = new WeakMap<FakeWeChat, Set<string>>();

/** The account's blocked openids, in the order they were blocked. */
export function blacklistOf(fake: FakeWeChat): Set<string> {
  let list = blacklists.get(fake);
  if (!list) blacklists.set(fake, (list = new Set()));
  return list;
}

const getblacklist: Endpoint = {
  method: "POST",
  path: "/cgi-bin/tags/members/getblacklist",
  auth: true,
  handle({ body, fake }) {
    const begin = objectBody(body).begin_openid;
    const all = [...blacklistOf(fake)];
    const start = typeof begin === "string" && begin !== "" ? all.indexOf(begin) : 0;
    if (start < 0) throw new WeChatFault(40003, "invalid openid");
    const page = all.slice(start, start + PAGE);
    return {
      total: all.length,
      count: page.length,
      ...(page.length > 0 ? { data: { openid: page } } : {}),
      next_openid: page.length > 0 ? page[page.length - 1]! : "",
    };
  },
};

function blacklisting(kind: "batchblacklist" | "batchunblacklist"): Endpoint {
  return {
    method: "POST",
    path: `/cgi-bin/tags/members/${kind}`,
    auth: true,
    handle({ body, fake }) {
      const list = objectBody(body).openid_list;
      if (!Array.isArray(list) || list.length === 0 || list.length > 20) {
        throw new WeChatFault(40032, "invalid openid list size");
      }
      const followers = platformState(fake).followers;
      for (const openid of list) {
        if (typeof openid !== "string" || openid === "")
          throw new WeChatFault(40003, "invalid openid");
        if (!followers.has(openid)) {
          throw new WeChatFault(49003, "not inside the openid list of this appid");
        }
      }
      const blocked = blacklistOf(fake);
      for (const openid of list as string[]) {
        if (kind === "batchblacklist") blocked.add(openid);
        else blocked.delete(openid);
      }
      return { errcode: 0, errmsg: "ok" };
    },
  };
}

export const userEndpoints: Endpoint[] = [
  info,
  batchget,
  list,
  updateremark,
  getblacklist,
  blacklisting("batchblacklist"),
  blacklisting("batchunblacklist"),
];
