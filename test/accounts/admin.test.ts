/**
 * Admin and visitor endpoints pick the account with ?appid= (src/http/require-account.ts):
 * without one they mean the single account (or the only listed one), several listed → 400, an
 * appid no account has → 404, an account without its AppSecret → 503 naming it.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { InstalledFakeWeChat } from "../../dev/fake-wechat/install";
import { FAKE_APPID } from "../../dev/fake-wechat/fake";
import type { Env } from "../../src/env";
import { PLAIN, SAFE } from "./accounts";
import { accountsWorker, LISTED_ONLY } from "./drive";
import { ownerOf, startClean } from "./tokens";

const ADMIN_KEY = "several-accounts-admin-key-0123456789";
const ORIGINS = "https://app.example.com";
const PAGE = encodeURIComponent("https://app.example.com/page");

let fake: InstalledFakeWeChat;
afterEach(() => fake?.uninstall());

async function call(path: string, overrides: Partial<Env> = {}) {
  const { fetch } = accountsWorker();
  const response = await fetch(
    path,
    { headers: { authorization: `Bearer ${ADMIN_KEY}`, "cf-connecting-ip": "203.0.113.200" } },
    { ADMIN_KEY, ALLOWED_ORIGINS: ORIGINS, ...overrides },
  );
  const text = await response.text();
  return {
    status: response.status,
    body: JSON.parse(text) as Record<string, unknown>,
    cacheControl: response.headers.get("cache-control"),
  };
}

/** Every endpoint that works for one account (a path without its ?appid=). */
const GUARDED = [
  "/admin/token",
  "/admin/check",
  "/admin/menu",
  "/qr?scene=several",
  "/qr/stats",
  `/jssdk/config?url=${PAGE}`,
  "/oauth/login",
];
const withAppid = (path: string, appid: string) =>
  `${path}${path.includes("?") ? "&" : "?"}appid=${appid}`;

describe("?appid= selects the account", () => {
  it("/admin/token hands out each account's own token; without ?appid= the single account's", async () => {
    fake = await startClean();
    const owners: Record<string, string | undefined> = {};
    for (const path of [
      "/admin/token",
      `/admin/token?appid=${SAFE.appid}`,
      `/admin/token?appid=${PLAIN.appid}`,
      `/admin/token?appid=${FAKE_APPID}`,
    ]) {
      const answer = await call(path);
      expect(answer.status, path).toBe(200);
      owners[path] = ownerOf(fake, String(answer.body.access_token));
    }
    expect(Object.values(owners)).toEqual([FAKE_APPID, SAFE.appid, PLAIN.appid, FAKE_APPID]);
    expect(fake.tokenFetches()).toBe(3);
  });

  it("an appid no account has is 404 on every endpoint, and calls nothing", async () => {
    fake = await startClean();
    for (const appid of ["wx9999999999999999", "WX1000000000000001", "not-an-appid", ""]) {
      for (const path of GUARDED) {
        const answer = await call(withAppid(path, appid));
        expect(answer.status, `${path} ${appid}`).toBe(404);
        expect(answer.body).toMatchObject({
          error: "no account with this appid is configured here",
        });
        expect(answer.cacheControl).toBe("no-store");
      }
    }
    expect(fake.count()).toBe(0);
  });

  it("several listed and no single account: 400 without ?appid=, the account with it", async () => {
    fake = await startClean();
    for (const path of GUARDED) {
      const answer = await call(path, LISTED_ONLY);
      expect(answer.status, path).toBe(400);
      expect(answer.body).toMatchObject({ error: "several accounts are configured: add ?appid=" });
    }
    expect(fake.count()).toBe(0);
    const token = await call(`/admin/token?appid=${PLAIN.appid}`, LISTED_ONLY);
    expect(token.status).toBe(200);
    expect(ownerOf(fake, String(token.body.access_token))).toBe(PLAIN.appid);
    const check = await call(`/admin/check?appid=${SAFE.appid}`, LISTED_ONLY);
    expect([check.status, check.body.ok]).toEqual([200, true]);
  });

  it("one listed account and no single one: it is the account meant without ?appid=", async () => {
    fake = await startClean();
    const only = { ...LISTED_ONLY, WECHAT_ACCOUNTS: JSON.stringify([PLAIN]) };
    const answer = await call("/admin/token", only);
    expect(answer.status).toBe(200);
    expect(ownerOf(fake, String(answer.body.access_token))).toBe(PLAIN.appid);
  });

  it("a listed account without its AppSecret: 503 naming it, never a value", async () => {
    fake = await startClean();
    const accounts = JSON.stringify([{ appid: SAFE.appid, token: SAFE.token }, PLAIN]);
    for (const path of GUARDED) {
      const answer = await call(withAppid(path, SAFE.appid), { WECHAT_ACCOUNTS: accounts });
      expect(answer.status, path).toBe(503);
      expect(answer.body).toMatchObject({
        error: `WECHAT_ACCOUNTS: the account ${SAFE.appid} has no appsecret`,
      });
    }
    expect(fake.count()).toBe(0);
  });

  it("QR tickets and stats are each account's own", async () => {
    fake = await startClean();
    const safe = await call(`/qr?scene=shared&format=json&appid=${SAFE.appid}`);
    const plain = await call(`/qr?scene=shared&format=json&appid=${PLAIN.appid}`);
    expect([safe.status, plain.status]).toEqual([200, 200]);
    // One scene, two accounts: two tickets, each created with its account's token.
    expect(fake.count("/cgi-bin/qrcode/create")).toBe(2);
    expect(safe.body.ticket).not.toBe(plain.body.ticket);
    const again = await call(`/qr?scene=shared&format=json&appid=${SAFE.appid}`);
    expect(again.body.ticket).toBe(safe.body.ticket);
    expect(fake.count("/cgi-bin/qrcode/create")).toBe(2);
    for (const appid of [SAFE.appid, PLAIN.appid]) {
      const stats = await call(`/qr/stats?appid=${appid}`);
      expect(stats.status).toBe(200);
    }
  });
});
