/**
 * Authorisation: /component/authorize → WeChat's page → /component/callback registers the
 * authoriser (its refresh token sealed, in no response); a forged or replayed callback is
 * refused; signed links work until they expire; WeChat's authorized push registers too.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  componentAuthorizationPush,
  componentState,
  FAKE_COMPONENT,
  simulateAuthorization,
} from "../../dev/fake-wechat/endpoints/component";
import type { InstalledFakeWeChat } from "../../dev/fake-wechat/install";
import { signAuthorizeLink } from "../../src/component/authorize-link";
import { findAuthorizer } from "../../src/component";
import { loadComponentSettings } from "../../src/component/settings";
import { appFetch, CookieJar } from "../fixtures/platform-app";
import {
  ADMIN,
  AUTHORIZER,
  authorizeThroughBrowser,
  authorizerStub,
  BEARER,
  deliver,
  pushTicket,
  startClean,
} from "./helpers";

const QUERY_AUTH = "/cgi-bin/component/api_query_auth";

function settings() {
  const loaded = loadComponentSettings(env);
  if (loaded.kind !== "on") throw new Error("the component project's env lacks the settings");
  return loaded.settings;
}

let fake: InstalledFakeWeChat;
beforeEach(async () => {
  fake = await startClean();
  await pushTicket(fake);
});
afterEach(() => fake.uninstall());

describe("GET /component/authorize", () => {
  it("redirects to WeChat's authorisation page with a pre_auth_code and a callback on this origin", async () => {
    const response = await appFetch("/component/authorize", { headers: BEARER }, ADMIN);
    expect(response.status).toBe(302);
    const page = new URL(response.headers.get("location")!);
    expect(`${page.origin}${page.pathname}`).toBe(
      "https://mp.weixin.qq.com/cgi-bin/componentloginpage",
    );
    expect(page.searchParams.get("component_appid")).toBe(FAKE_COMPONENT.appid);
    expect(componentState(fake).preAuthCodes.has(page.searchParams.get("pre_auth_code")!)).toBe(
      true,
    );
    expect(page.searchParams.get("auth_type")).toBe("1");
    const callback = new URL(page.searchParams.get("redirect_uri")!);
    expect(`${callback.origin}${callback.pathname}`).toBe("https://worker.test/component/callback");
    const state = callback.searchParams.get("state")!;
    expect(response.headers.get("set-cookie")).toMatch(
      new RegExp(
        `^__Host-wechat-edge-component=${state}; Path=/; Max-Age=\\d+; HttpOnly; Secure; SameSite=Lax$`,
      ),
    );
  });

  it("needs the admin key or a signed link", async () => {
    expect((await appFetch("/component/authorize", {}, ADMIN)).status).toBe(401);
    const wrong = await appFetch(
      "/component/authorize",
      { headers: { authorization: "Bearer wrong-key-wrong-key-wrong-key-wrong" } },
      ADMIN,
    );
    expect(wrong.status).toBe(401);
  });
});

describe("signed authorisation links", () => {
  it("are minted by the admin and open the authorisation without the key", async () => {
    expect((await appFetch("/component/authorize-link", { method: "POST" }, ADMIN)).status).toBe(
      401,
    );
    const minted = await appFetch(
      "/component/authorize-link",
      { method: "POST", headers: BEARER, body: JSON.stringify({ ttlSeconds: 3600 }) },
      ADMIN,
    );
    expect(minted.status).toBe(200);
    const { url, expiresAt } = (await minted.json()) as { url: string; expiresAt: number };
    expect(url.startsWith("https://worker.test/component/authorize?")).toBe(true);
    expect(Math.abs(expiresAt - (Date.now() + 3_600_000))).toBeLessThan(5_000);
    expect((await appFetch(url)).status).toBe(302);
  });

  it("refuse a tampered signature (401) and an expired link (403)", async () => {
    const fresh = await signAuthorizeLink(settings(), Math.floor(Date.now() / 1000) + 600);
    const tampered = fresh.replace(
      /sig=([0-9a-f])/,
      (_, c: string) => `sig=${c === "0" ? "1" : "0"}`,
    );
    expect((await appFetch(`/component/authorize?${tampered}`)).status).toBe(401);
    const longer = fresh.replace(/expires=(\d+)/, (_, n: string) => `expires=${Number(n) + 1}`);
    expect((await appFetch(`/component/authorize?${longer}`)).status).toBe(401);

    const expired = await signAuthorizeLink(settings(), Math.floor(Date.now() / 1000) - 1);
    const response = await appFetch(`/component/authorize?${expired}`);
    expect(response.status).toBe(403);
    expect(await response.text()).toMatch(/expired/);
    expect(fake.count("/cgi-bin/component/api_create_preauthcode")).toBe(0);
  });
});

describe("GET /component/callback", () => {
  it("registers the authoriser; its refresh token is in no response and sealed in storage", async () => {
    const { done } = await authorizeThroughBrowser(fake);
    expect(done.status).toBe(200);
    const page = await done.text();
    expect(page).toContain(AUTHORIZER);
    const refreshToken = componentState(fake).authorizers.get(AUTHORIZER)!.refreshToken;
    expect(page).not.toContain(refreshToken);

    const found = await findAuthorizer(env, AUTHORIZER);
    expect(found).toMatchObject({
      appid: AUTHORIZER,
      active: true,
      permissions: [1, 2, 3, 4, 7, 11, 15],
    });
    expect(found!.tokenExpiresAt).toBeGreaterThan(Date.now());

    const list = await appFetch("/admin/component/authorizers", { headers: BEARER }, ADMIN);
    const listed = await list.text();
    expect(JSON.parse(listed)).toMatchObject({
      authorizers: [{ appid: AUTHORIZER, active: true, permissions: [1, 2, 3, 4, 7, 11, 15] }],
    });
    expect(listed).not.toContain(refreshToken);
    expect(listed).not.toMatch(/refresh_?token|access_?token"/i);

    const stored = await runInDurableObject(authorizerStub(), async (_, state) =>
      JSON.stringify([...(await state.storage.list()).entries()]),
    );
    expect(stored).not.toContain(refreshToken);
    expect(stored).toMatch(/"sealedRefreshToken":"v1\./);
  });

  it("refuses a callback this browser did not start, and a replayed one", async () => {
    const { callback, jar } = await authorizeThroughBrowser(fake);
    const calls = fake.count(QUERY_AUTH);
    // Replayed: the one-time record is consumed.
    expect((await appFetch(callback.toString(), { headers: jar.header() })).status).toBe(403);

    // Another browser (no cookie) with a fresh flow's callback URL, and a forged state.
    const start = await appFetch("/component/authorize", { headers: BEARER }, ADMIN);
    const redirect = new URL(
      new URL(start.headers.get("location")!).searchParams.get("redirect_uri")!,
    );
    const { authCode } = simulateAuthorization(fake, "wx00000000000a0002");
    redirect.searchParams.set("auth_code", authCode);
    expect((await appFetch(redirect.toString())).status).toBe(403);
    const forgedCookie = { cookie: `__Host-wechat-edge-component=${"A".repeat(32)}` };
    expect((await appFetch(redirect.toString(), { headers: forgedCookie })).status).toBe(403);
    const forgedBoth = new URL(redirect);
    forgedBoth.searchParams.set("state", "A".repeat(32));
    expect((await appFetch(forgedBoth.toString(), { headers: forgedCookie })).status).toBe(403);

    // The right browser still completes it.
    const owner = new CookieJar().take(start);
    expect((await appFetch(redirect.toString(), { headers: owner.header() })).status).toBe(200);
    expect(fake.count(QUERY_AUTH)).toBe(calls + 1);
    await startClean(["wx00000000000a0002"]);
  });
});

describe("the fake's authorisation page", () => {
  it("sends the browser back with an auth_code for biz_appid, once per pre_auth_code", async () => {
    const start = await appFetch(
      "/component/authorize?biz_appid=wx00000000000a0001",
      { headers: BEARER },
      ADMIN,
    );
    const jar = new CookieJar().take(start);
    const page = start.headers
      .get("location")!
      .replace("https://mp.weixin.qq.com", "https://api.weixin.qq.com");
    expect(new URL(page).searchParams.get("biz_appid")).toBe(AUTHORIZER);
    const agreed = await fake.fetch(new Request(page));
    expect(agreed.status).toBe(302);
    const back = agreed.headers.get("location")!;
    expect(new URL(back).searchParams.get("auth_code")).toMatch(/^queryauthcode@@@/);
    expect((await appFetch(back, { headers: jar.header() })).status).toBe(200);
    expect(await findAuthorizer(env, AUTHORIZER)).toMatchObject({ active: true });
    expect((await fake.fetch(new Request(page))).status).toBe(400);
  });
});

describe("authorisation pushes", () => {
  it("authorized registers the account; unauthorized marks it inactive and stops its token", async () => {
    const { authCode } = simulateAuthorization(fake, AUTHORIZER);
    expect(
      await (
        await deliver(await componentAuthorizationPush(fake, "authorized", AUTHORIZER, authCode))
      ).text(),
    ).toBe("success");
    expect(await findAuthorizer(env, AUTHORIZER)).toMatchObject({ active: true });

    const unauthorized = await componentAuthorizationPush(fake, "unauthorized", AUTHORIZER);
    expect(await (await deliver(unauthorized)).text()).toBe("success");
    const found = await findAuthorizer(env, AUTHORIZER);
    expect(found).toMatchObject({ active: false, inactiveReason: "unauthorized event" });
    expect(found!.tokenExpiresAt).toBeUndefined();
    const refused = await authorizerStub().getAccessToken();
    expect(refused.ok ? "" : refused.reason).toMatch(/revoked/);
    expect(fake.count("/cgi-bin/component/api_authorizer_token")).toBe(0);
    expect(
      await runInDurableObject(authorizerStub(), (_, state) => state.storage.getAlarm()),
    ).toBeNull();

    const list = await appFetch("/admin/component/authorizers", { headers: BEARER }, ADMIN);
    expect(await list.json()).toMatchObject({
      authorizers: [{ appid: AUTHORIZER, active: false, inactiveReason: "unauthorized event" }],
    });
  });

  it("findAuthorizer is undefined for an appid that never authorised", async () => {
    expect(await findAuthorizer(env, "wx00000000000a0009")).toBeUndefined();
    expect(await findAuthorizer(env, "not-an-appid")).toBeUndefined();
  });
});
