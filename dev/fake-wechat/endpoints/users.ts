/**
 * /cgi-bin/user/info, /cgi-bin/user/info/batchget (at most 100, 40032 beyond) and /cgi-bin/user/get
 * (10,000 per page, next_openid exclusive). Followers are added by recordInteraction/addFollower.
 * An unknown openid is 40003; a non-follower answers `subscribe: 0` with almost nothing else.
 */
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

export const userEndpoints: Endpoint[] = [info, batchget, list];
