/**
 * Conditional menus (个性化菜单), the menu in use, and short keys, for operators (Bearer
 * ADMIN_KEY, mounted under /admin; the default menu's routes are in platform-routes.ts):
 *
 * POST   /admin/menu/conditional            { button, matchrule } → addconditional → { menuid }
 * DELETE /admin/menu/conditional/:menuid    delconditional
 * POST   /admin/menu/trymatch               { user_id } → the menu that follower sees
 * GET    /admin/menu/current                get_current_selfmenu_info (API or MP-website menus)
 * POST   /admin/shorten                     { long_data, expire_seconds? } → { short_key }
 * GET    /admin/shorten/:short_key          shorten/fetch
 *
 * A conditional menu is validated first: 400 with every problem (the buttons' and the
 * matchrule's, e.g. a `sex` rule WeChat now refuses) before any call.
 */
import { Hono } from "hono/tiny";
import type { AppEnv } from "../app-env";
import {
  addConditionalMenu,
  deleteConditionalMenu,
  getCurrentSelfMenuInfo,
  tryMatchMenu,
} from "../wechat/api/menu";
import { fetchShortKey, genShortKey } from "../wechat/api/shorten";
import { field, jsonBody, withClient } from "./call-wechat";

export function menuAdminRoutes() {
  const app = new Hono<AppEnv>();

  app.post("/menu/conditional", async (c) => {
    const body = await jsonBody(c);
    if (!body.ok) return body.response;
    return withClient(c, (client) => addConditionalMenu(client, body.value));
  });

  app.delete("/menu/conditional/:menuid", (c) =>
    withClient(c, async (client) => {
      await deleteConditionalMenu(client, c.req.param("menuid"));
      return { ok: true };
    }),
  );

  app.post("/menu/trymatch", async (c) => {
    const body = await jsonBody(c);
    if (!body.ok) return body.response;
    return withClient(c, (client) => tryMatchMenu(client, field(body.value, "user_id") as string));
  });

  app.get("/menu/current", (c) => withClient(c, (client) => getCurrentSelfMenuInfo(client)));

  app.post("/shorten", async (c) => {
    const body = await jsonBody(c);
    if (!body.ok) return body.response;
    const expire = field(body.value, "expire_seconds");
    return withClient(c, (client) =>
      genShortKey(
        client,
        field(body.value, "long_data") as string,
        expire === undefined ? undefined : (expire as number),
      ),
    );
  });

  app.get("/shorten/:short_key", (c) =>
    withClient(c, (client) => fetchShortKey(client, c.req.param("short_key"))),
  );

  return app;
}
