/**
 * The guard of every component route: the surface exists only with WECHAT_COMPONENT_APPID (404
 * otherwise, like any unknown path), a malformed or missing component setting answers 503 naming
 * it, and so does a missing binding (src/bindings.ts). Never a value.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { missingBinding, missingBindingResponse, SURFACE_BINDINGS } from "../bindings";
import { loadComponentSettings, type ComponentSettings } from "./settings";

const NO_STORE = { "cache-control": "no-store" };

export function componentSurface(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const loaded = loadComponentSettings(c.env);
    if (loaded.kind === "off") return c.json({ error: "not found" }, 404);
    if (loaded.kind === "invalid") return c.json({ error: loaded.reason }, 503, NO_STORE);
    const missing = missingBinding(c.env, SURFACE_BINDINGS.component);
    if (missing) return missingBindingResponse(missing);
    await next();
  };
}

/** The settings, for a handler behind `componentSurface()` (which has checked them). */
export function settingsOf(c: Context<AppEnv>): ComponentSettings {
  const loaded = loadComponentSettings(c.env);
  if (loaded.kind !== "on") throw new Error("component route outside componentSurface()");
  return loaded.settings;
}
