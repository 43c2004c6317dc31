import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { InstalledFakeWeChat } from "../../dev/fake-wechat/install";
import { platformState } from "../../dev/fake-wechat/platform-state";
import { appFetch, CookieJar, installFakeWeChatHosts, ORIGIN } from "../fixtures/platform-app";

const APP = "https://app.example.com";
const withApp = { ALLOWED_ORIGINS: `${APP},*` };

let fake: InstalledFakeWeChat;
beforeEach(() => {
  fake = installFakeWeChatHosts();
  platformState(fake).oauthUser = {
    openid: "oOAuthUser000000000000000001",
    nickname: "小明",
    headimgurl: "https://thirdwx.qlogo.cn/mmopen/abc/132",
    unionid: "uUnion0001",
  };
});
afterEach(() => fake.uninstall());

/** login → the fake's authorize page → back at the callback URL; returns the callback path. */
async function startLogin(jar: CookieJar, query: string, env = withApp) {
  const login = await appFetch(`/oauth/login?${query}`, { headers: jar.header() }, env);
  expect(login.status).toBe(302);
  jar.take(login);
  const authorize = login.headers.get("location")!;
  const page = await fetch(authorize.split("#")[0]!, { redirect: "manual" });
  expect(page.status).toBe(302);
  const back = new URL(page.headers.get("location")!);
  expect(back.origin + back.pathname).toBe(`${ORIGIN}/oauth/callback`);
  return { authorize, callback: back.pathname + back.search };
}

describe("web OAuth end to end", () => {
  it("login → authorize → callback → me, with the profile for snsapi_userinfo", async () => {
    const jar = new CookieJar();
    const redirect = `${APP}/account?tab=1`;
    const { authorize, callback } = await startLogin(
      jar,
      `scope=snsapi_userinfo&redirect=${encodeURIComponent(redirect)}`,
    );

    // WeChat matches the link strictly: documented parameter order, #wechat_redirect at the end.
    const state = new URL(authorize).searchParams.get("state")!;
    expect(authorize).toBe(
      `https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx0123456789abcdef&redirect_uri=${encodeURIComponent(`${ORIGIN}/oauth/callback`)}&response_type=code&scope=snsapi_userinfo&state=${state}#wechat_redirect`,
    );
    expect(state).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(jar.cookies.get("wx_oauth_state")!.attributes).toMatch(/HttpOnly/);

    const done = await appFetch(callback, { headers: jar.header() }, withApp);
    expect(done.status).toBe(302);
    expect(done.headers.get("location")).toBe(redirect);
    jar.take(done);
    expect(jar.cookies.has("wx_oauth_state")).toBe(false);
    const session = jar.cookies.get("wx_session")!;
    expect(session.attributes).toMatch(/HttpOnly/);
    expect(session.attributes).toMatch(/Secure/);
    expect(session.attributes).toMatch(/SameSite=Lax/);
    expect(session.value.length).toBeLessThan(1024);
    // No user-level token travels in the cookie.
    const token = [...platformState(fake).userTokens.keys()][0]!;
    expect(atob(session.value.split(".")[0]!.replace(/-/g, "+").replace(/_/g, "/"))).not.toContain(
      token,
    );

    const me = await appFetch("/oauth/me", { headers: jar.header() }, withApp);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({
      openid: "oOAuthUser000000000000000001",
      scope: "snsapi_userinfo",
      unionid: "uUnion0001",
      profile: { nickname: "小明", headimgurl: "https://thirdwx.qlogo.cn/mmopen/abc/132" },
    });
    expect(fake.count("/sns/userinfo")).toBe(1);
  });

  it("snsapi_base signs in with the openid only, and the redirect defaults to the Worker's root", async () => {
    const jar = new CookieJar();
    const { callback } = await startLogin(jar, "");
    const done = await appFetch(callback, { headers: jar.header() });
    expect(done.headers.get("location")).toBe(`${ORIGIN}/`);
    const me = await appFetch("/oauth/me", { headers: jar.take(done).header() });
    const body = (await me.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ openid: "oOAuthUser000000000000000001", scope: "snsapi_base" });
    expect(body).not.toHaveProperty("profile");
    expect(fake.count("/sns/userinfo")).toBe(0);
  });
});

describe("web OAuth refusals", () => {
  it("refuses a foreign redirect at login with 400, before anyone is sent to WeChat", async () => {
    for (const redirect of [
      "https://evil.example/",
      "//evil.example/x",
      "javascript:alert(1)",
      "https://app.example.com.evil.example/",
    ]) {
      const res = await appFetch(
        `/oauth/login?redirect=${encodeURIComponent(redirect)}`,
        {},
        withApp,
      );
      expect(res.status, redirect).toBe(400);
      expect(res.headers.get("location")).toBeNull();
      expect(((await res.json()) as { error: string }).error).toMatch(/ALLOWED_ORIGINS/);
    }
    expect(fake.count()).toBe(0);
  });

  it("checks the redirect again at the callback", async () => {
    const jar = new CookieJar();
    const { callback } = await startLogin(jar, `redirect=${encodeURIComponent(`${APP}/x`)}`);
    // The origin was removed from ALLOWED_ORIGINS between login and callback.
    const res = await appFetch(
      callback,
      { headers: jar.header() },
      { ALLOWED_ORIGINS: "https://other.example" },
    );
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(fake.count("/sns/oauth2/access_token")).toBe(0);
  });

  it("refuses a state that is not this browser's, and a malformed one", async () => {
    const victim = new CookieJar();
    const attacker = new CookieJar();
    await startLogin(victim, "");
    const { callback } = await startLogin(attacker, "");
    // CSRF: the attacker's callback URL opened in the victim's browser.
    const res = await appFetch(callback, { headers: victim.header() });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/state does not match/);
    const malformed = await appFetch("/oauth/callback?code=x&state=a-b", {
      headers: attacker.header(),
    });
    expect(malformed.status).toBe(400);
    expect(fake.count("/sns/oauth2/access_token")).toBe(0);
  });

  it("refuses a replayed state, and a reused code even with the old state cookie (40163)", async () => {
    const jar = new CookieJar();
    const { callback } = await startLogin(jar, "");
    const stolenCookie = jar.header();
    const first = await appFetch(callback, { headers: jar.header() });
    expect(first.status).toBe(302);
    jar.take(first);
    const replay = await appFetch(callback, { headers: jar.header() });
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { error: string }).error).toMatch(
      /already used|state does not match/,
    );
    const reused = await appFetch(callback, { headers: stolenCookie });
    expect(reused.status).toBe(400);
    expect(((await reused.json()) as { error: string }).error).toMatch(/errcode 40163/);
  });

  it("refuses an expired code (40029) with a clear 400", async () => {
    const jar = new CookieJar();
    const { callback } = await startLogin(jar, "");
    fake.advance(301);
    const res = await appFetch(callback, { headers: jar.header() });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(
      /errcode 40029.*single-use.*5 minutes/,
    );
  });

  it("reports a declined authorisation (no code) and a bad scope", async () => {
    const jar = new CookieJar();
    const { callback } = await startLogin(jar, "scope=snsapi_userinfo");
    const declined = await appFetch(callback.replace(/code=[^&]+&/, ""), { headers: jar.header() });
    expect(declined.status).toBe(400);
    expect(((await declined.json()) as { error: string }).error).toMatch(/declined/);
    expect((await appFetch("/oauth/login?scope=snsapi_login")).status).toBe(400);
  });

  it("/oauth/me is 401 without a session, with a forged one, and after logout", async () => {
    expect((await appFetch("/oauth/me")).status).toBe(401);
    const jar = new CookieJar();
    const { callback } = await startLogin(jar, "");
    jar.take(await appFetch(callback, { headers: jar.header() }));
    const real = jar.cookies.get("wx_session")!.value;
    const [body, mac] = real.split(".");
    const forgedBody = btoa(
      JSON.stringify({ openid: "oAttacker", scope: "snsapi_base", expires_at: 9e9 }),
    )
      .replace(/=+$/, "")
      .replace(/\+/g, "-")
      .replace(/\//g, "_");
    for (const forged of [`${forgedBody}.${mac}`, `${body}.${mac}x`, body!]) {
      expect(
        (await appFetch("/oauth/me", { headers: { cookie: `wx_session=${forged}` } })).status,
      ).toBe(401);
    }
    // A session signed under another key (SESSION_SECRET set) is not accepted either.
    const otherKey = await appFetch(
      "/oauth/me",
      { headers: jar.header() },
      { SESSION_SECRET: "x".repeat(40) },
    );
    expect(otherKey.status).toBe(401);
    jar.take(await appFetch("/oauth/logout", { method: "POST", headers: jar.header() }));
    expect((await appFetch("/oauth/me", { headers: jar.header() })).status).toBe(401);
  });
});

describe("OAuth hosts", () => {
  it("never follows WECHAT_API_BASE, and honours WECHAT_OPEN_BASE", async () => {
    const viaProxy = await appFetch(
      "/oauth/login",
      {},
      { WECHAT_API_BASE: "https://proxy.example.com/wx" },
    );
    expect(viaProxy.headers.get("location")).toMatch(
      /^https:\/\/open\.weixin\.qq\.com\/connect\/oauth2\/authorize\?/,
    );
    const custom = await appFetch(
      "/oauth/login",
      {},
      { WECHAT_OPEN_BASE: "http://127.0.0.1:8788/" },
    );
    expect(custom.headers.get("location")).toMatch(
      /^http:\/\/127\.0\.0\.1:8788\/connect\/oauth2\/authorize\?/,
    );
    const bad = await appFetch("/oauth/login", {}, { WECHAT_OPEN_BASE: "ftp://x" });
    expect(bad.status).toBe(503);
    expect(((await bad.json()) as { error: string }).error).toMatch(/WECHAT_OPEN_BASE/);
  });
});
