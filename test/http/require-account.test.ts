/**
 * Every endpoint that calls WeChat's API has the same guard (src/http/require-account.ts): with
 * WECHAT_APPID or WECHAT_APPSECRET unset it answers 503 naming the first one missing, uncached,
 * and calls nothing upstream.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { parrot } from "../../demo/parrot";
import { createApp } from "../../src/app";
import type { Env } from "../../src/env";

const app = createApp(parrot);
const ADMIN_KEY = "account-guard-key-0123456789abcdef";
const PAGE = encodeURIComponent("https://app.example.com/");

const GUARDED = [
  { method: "GET", path: "/admin/token" },
  { method: "GET", path: "/admin/check", extra: { ok: false } },
  { method: "GET", path: "/admin/menu" },
  { method: "GET", path: "/admin/mass/status?msg_id=1" },
  { method: "GET", path: `/jssdk/config?url=${PAGE}` },
  { method: "GET", path: "/oauth/login" },
  { method: "GET", path: "/oauth/callback?state=x&code=y" },
  { method: "GET", path: "/qr?scene=guard" },
] as const;

async function call(method: string, path: string, bindings: Env) {
  const ctx = createExecutionContext();
  const response = await app.fetch(
    new Request(`https://worker.test${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "cf-connecting-ip": "203.0.113.90" },
    }),
    bindings,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

describe("the account guard", () => {
  it.each([
    ["WECHAT_APPID", { WECHAT_APPID: undefined }],
    ["WECHAT_APPSECRET", { WECHAT_APPSECRET: undefined }],
  ] as const)("answers 503 naming %s on every endpoint that calls WeChat", async (name, unset) => {
    const bindings = { ...env, ...unset, ADMIN_KEY, ALLOWED_ORIGINS: "https://app.example.com" };
    for (const { method, path, ...rest } of GUARDED) {
      const response = await call(method, path, bindings);
      expect(response.status, path).toBe(503);
      expect(response.headers.get("cache-control"), path).toBe("no-store");
      const extra = "extra" in rest ? rest.extra : {};
      expect(await response.json(), path).toEqual({ ...extra, error: `${name} is not set` });
    }
  });
});
