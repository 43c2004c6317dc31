/**
 * `/admin/component/*`: the operator's view of the 第三方平台, mounted under /admin behind its
 * Bearer ADMIN_KEY check (src/app.ts). No answer carries a token: only states and times.
 *
 * GET    /admin/component                          ticket and component_access_token state
 * GET    /admin/component/authorizers[?after=&limit=]  authorisers: appid, active, permissions, token expiry
 * POST   /admin/component/authorizers/:appid/refresh   a new authorizer_access_token now
 * DELETE /admin/component/authorizers/:appid           forget the authoriser (its refresh token too)
 */
import { Hono } from "hono/tiny";
import type { AppEnv } from "../app-env";
import { authorizerAuthority } from "./authorizer-stub";
import { forgetAuthorizer } from "./authorizers";
import { componentAuthority } from "./component-stub";
import { componentSurface, settingsOf } from "./surface";

const APPID = /^wx[0-9a-f]{16}$/;
const DEFAULT_PAGE = 100;
const MAX_PAGE = 500;

export function componentAdminRoutes() {
  const routes = new Hono<AppEnv>();
  routes.use("/component", componentSurface());
  routes.use("/component/*", componentSurface());

  routes.get("/component", async (c) => {
    const settings = settingsOf(c);
    const status = await componentAuthority(c.env, settings.componentAppId).status();
    return c.json({ componentAppId: settings.componentAppId, ...status });
  });

  routes.get("/component/authorizers", async (c) => {
    const settings = settingsOf(c);
    const after = c.req.query("after") ?? "";
    const limitText = c.req.query("limit");
    const limit = limitText === undefined ? DEFAULT_PAGE : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
      return c.json({ error: `limit must be a whole number from 1 to ${MAX_PAGE}` }, 400);
    }
    const entries = await componentAuthority(c.env, settings.componentAppId).listAuthorizers(
      after,
      limit,
    );
    // Each authoriser's token state lives in its own object: one call each, for this page only.
    const authorizers = await Promise.all(
      entries.map(async (entry) => {
        const view = await authorizerAuthority(c.env, entry.appid).describe();
        return {
          ...entry,
          ...(view?.tokenExpiresAt ? { tokenExpiresAt: view.tokenExpiresAt } : {}),
          ...(view?.lastFailure ? { lastFailure: view.lastFailure } : {}),
        };
      }),
    );
    const next = entries.length === limit ? entries.at(-1)!.appid : undefined;
    return c.json({ authorizers, ...(next ? { next } : {}) });
  });

  routes.post("/component/authorizers/:appid/refresh", async (c) => {
    const appid = c.req.param("appid");
    if (!APPID.test(appid)) return c.json({ error: "appid must be wx + 16 hex digits" }, 400);
    const authority = authorizerAuthority(c.env, appid);
    if (!(await authority.describe())) return c.json({ error: "no such authoriser" }, 404);
    const result = await authority.forceRefresh();
    forgetAuthorizer(appid);
    if (!result.ok) return c.json(result, 503);
    return c.json(result);
  });

  routes.delete("/component/authorizers/:appid", async (c) => {
    const settings = settingsOf(c);
    const appid = c.req.param("appid");
    if (!APPID.test(appid)) return c.json({ error: "appid must be wx + 16 hex digits" }, 400);
    const known = await componentAuthority(c.env, settings.componentAppId).removeAuthorizer(appid);
    const authority = authorizerAuthority(c.env, appid);
    const had = (await authority.describe()) !== undefined;
    await authority.remove();
    forgetAuthorizer(appid);
    if (!known && !had) return c.json({ error: "no such authoriser" }, 404);
    return c.json({ removed: appid });
  });

  return routes;
}
