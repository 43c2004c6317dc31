/**
 * Followers for operators (Bearer ADMIN_KEY, mounted under /admin): tags, remarks, blacklist.
 *
 * GET    /admin/tags                          tags/get
 * POST   /admin/tags              { name }    tags/create → { id, name }
 * PUT    /admin/tags/:id          { name }    tags/update
 * DELETE /admin/tags/:id                      tags/delete
 * POST   /admin/tags/:id/members  { openid_list }   batchtagging (1 to 50)
 * DELETE /admin/tags/:id/members  { openid_list }   batchuntagging (1 to 50)
 * GET    /admin/tags/:id/followers?next_openid=     user/tag/get
 * GET    /admin/followers/:openid/tags        tags/getidlist → { tagid_list }
 * PUT    /admin/followers/:openid/remark { remark }  user/info/updateremark
 * GET    /admin/blacklist?begin_openid=       tags/members/getblacklist
 * POST   /admin/blacklist         { openid_list }   batchblacklist (1 to 20)
 * DELETE /admin/blacklist         { openid_list }   batchunblacklist (1 to 20)
 *
 * Input WeChat would refuse is 400 naming the field, before any call.
 */
import { Hono } from "hono/tiny";
import type { AppEnv } from "../app-env";
import { batchBlacklist, batchUnblacklist, getBlacklist } from "../wechat/api/user-blacklist";
import { updateRemark } from "../wechat/api/user";
import {
  batchTagging,
  batchUntagging,
  createTag,
  deleteTag,
  getFollowerTagIds,
  getTagFollowers,
  getTags,
  updateTag,
} from "../wechat/api/user-tag";
import { field, jsonBody, withClient } from "./call-wechat";

/** A path's tag id as a number (NaN when it is not digits: the module names the problem). */
const tagIdOf = (raw: string) => (/^\d{1,10}$/.test(raw) ? Number(raw) : Number.NaN);

export function followerAdminRoutes() {
  const app = new Hono<AppEnv>();

  app.get("/tags", (c) => withClient(c, async (client) => ({ tags: await getTags(client) })));

  app.post("/tags", async (c) => {
    const body = await jsonBody(c);
    if (!body.ok) return body.response;
    return withClient(c, (client) => createTag(client, field(body.value, "name") as string));
  });

  app.put("/tags/:id", async (c) => {
    const body = await jsonBody(c);
    if (!body.ok) return body.response;
    return withClient(c, async (client) => {
      await updateTag(client, tagIdOf(c.req.param("id")), field(body.value, "name") as string);
      return { ok: true };
    });
  });

  app.delete("/tags/:id", (c) =>
    withClient(c, async (client) => {
      await deleteTag(client, tagIdOf(c.req.param("id")));
      return { ok: true };
    }),
  );

  for (const [method, call] of [
    ["post", batchTagging],
    ["delete", batchUntagging],
  ] as const) {
    app[method]("/tags/:id/members", async (c) => {
      const body = await jsonBody(c);
      if (!body.ok) return body.response;
      return withClient(c, async (client) => {
        const openids = field(body.value, "openid_list") as string[];
        await call(client, openids, tagIdOf(c.req.param("id")));
        return { ok: true };
      });
    });
  }

  app.get("/tags/:id/followers", (c) =>
    withClient(c, (client) =>
      getTagFollowers(client, tagIdOf(c.req.param("id")), c.req.query("next_openid") ?? ""),
    ),
  );

  app.get("/followers/:openid/tags", (c) =>
    withClient(c, async (client) => ({
      tagid_list: await getFollowerTagIds(client, c.req.param("openid")),
    })),
  );

  app.put("/followers/:openid/remark", async (c) => {
    const body = await jsonBody(c);
    if (!body.ok) return body.response;
    return withClient(c, async (client) => {
      await updateRemark(client, c.req.param("openid"), field(body.value, "remark") as string);
      return { ok: true };
    });
  });

  app.get("/blacklist", (c) =>
    withClient(c, (client) => getBlacklist(client, c.req.query("begin_openid") ?? "")),
  );

  for (const [method, call] of [
    ["post", batchBlacklist],
    ["delete", batchUnblacklist],
  ] as const) {
    app[method]("/blacklist", async (c) => {
      const body = await jsonBody(c);
      if (!body.ok) return body.response;
      return withClient(c, async (client) => {
        await call(client, field(body.value, "openid_list") as string[]);
        return { ok: true };
      });
    });
  }

  return app;
}
