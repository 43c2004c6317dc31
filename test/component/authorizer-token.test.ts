/**
 * An authoriser's authorizer_access_token: accepted by WeChat's other APIs for that account,
 * refreshed from the sealed refresh token (a rotated one is stored), one fetch for a storm of
 * callers, 61003 marks the authoriser inactive, the admin can force a refresh or remove it, and
 * its alarm is set ahead of expiry only while the token is in use.
 */
import {
  abortAllDurableObjects,
  env,
  runDurableObjectAlarm,
  runInDurableObject,
} from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  componentState,
  rotateRefreshToken,
  simulateAuthorization,
  simulateUnauthorization,
} from "../../dev/fake-wechat/endpoints/component";
import type { InstalledFakeWeChat } from "../../dev/fake-wechat/install";
import { recordInteraction, outboxSince } from "../../dev/fake-wechat/platform-state";
import {
  authorizerTokenSource,
  findAuthorizer,
  registerAuthorizationCode,
} from "../../src/component";
import { openRefreshToken, sealRefreshToken } from "../../src/component/sealed-token";
import { loadComponentSettings } from "../../src/component/settings";
import { WeChatApiClient } from "../../src/wechat/api/client";
import { appFetch } from "../fixtures/platform-app";
import {
  ADMIN,
  AUTHORIZER,
  authorizeThroughBrowser,
  authorizerStub,
  BEARER,
  pushTicket,
  startClean,
} from "./helpers";

const AUTHORIZER_TOKEN = "/cgi-bin/component/api_authorizer_token";

let fake: InstalledFakeWeChat;
beforeEach(async () => {
  fake = await startClean();
  await pushTicket(fake);
  const { done } = await authorizeThroughBrowser(fake);
  if (done.status !== 200) throw new Error(`callback answered ${done.status}`);
});
afterEach(() => fake.uninstall());

function settings() {
  const loaded = loadComponentSettings(env);
  if (loaded.kind !== "on") throw new Error("no component settings");
  return loaded.settings;
}

async function storedRefreshToken(): Promise<string | undefined> {
  const sealed = await runInDurableObject(
    authorizerStub(),
    async (_, state) =>
      (await state.storage.get<{ sealedRefreshToken: string }>("authorizer"))?.sealedRefreshToken,
  );
  return sealed ? openRefreshToken(settings(), AUTHORIZER, sealed) : undefined;
}

/** Makes the stored token look nearly expired, as after most of its life. */
async function ageToken() {
  await runInDurableObject(authorizerStub(), async (_, state) => {
    const key = "record:authorizer_access_token";
    const record = await state.storage.get<{ expiresAt: number; refreshedAt: number }>(key);
    await state.storage.put(key, {
      ...record,
      expiresAt: Date.now() + 5_000,
      refreshedAt: Date.now() - 7_000_000,
    });
  });
  await abortAllDurableObjects();
}

describe("authorizer_access_token", () => {
  it("is the token api_query_auth handed out, and WeChat's other APIs accept it for that account", async () => {
    const client = new WeChatApiClient({
      apiBase: "https://api.weixin.qq.com",
      tokens: authorizerTokenSource(env, AUTHORIZER),
    });
    recordInteraction(fake, "oFollowerOfAuthorizer0000001");
    await client.post("/cgi-bin/message/custom/send", {
      touser: "oFollowerOfAuthorizer0000001",
      msgtype: "text",
      text: { content: "hello from the component" },
    });
    const sent = outboxSince(fake).at(-1)!;
    expect(sent.appid).toBe(AUTHORIZER);
    expect(fake.count(AUTHORIZER_TOKEN)).toBe(0);
  });

  it("an auth_code handed in a message (全网发布's QUERY_AUTH_CODE) registers the account and its token sends", async () => {
    const testAccount = "wx00000000000a0003";
    const { authCode } = simulateAuthorization(fake, testAccount);
    const view = await registerAuthorizationCode(env, authCode);
    expect(view).toMatchObject({ appid: testAccount, active: true });
    await expect(registerAuthorizationCode(env, authCode)).rejects.toMatchObject({
      errcode: 61009,
    });
    const client = new WeChatApiClient({
      apiBase: "https://api.weixin.qq.com",
      tokens: authorizerTokenSource(env, testAccount),
    });
    recordInteraction(fake, "oReleaseTester000000000000001");
    await client.post("/cgi-bin/message/custom/send", {
      touser: "oReleaseTester000000000000001",
      msgtype: "text",
      text: { content: `${authCode}_from_api` },
    });
    expect(outboxSince(fake).at(-1)).toMatchObject({ appid: testAccount });
  });

  it("is refreshed once for 50 concurrent callers when it runs out", async () => {
    await ageToken();
    const results = await Promise.all(
      Array.from({ length: 50 }, () => authorizerStub().getAccessToken()),
    );
    expect(results.every((result) => result.ok)).toBe(true);
    expect(new Set(results.map((r) => (r.ok ? r.lease.value : ""))).size).toBe(1);
    expect(fake.count(AUTHORIZER_TOKEN)).toBe(1);
  });

  it("stores a rotated refresh token, and refreshes with it afterwards", async () => {
    const before = componentState(fake).authorizers.get(AUTHORIZER)!.refreshToken;
    expect(await storedRefreshToken()).toBe(before);
    rotateRefreshToken(fake, AUTHORIZER);
    const forced = await appFetch(
      `/admin/component/authorizers/${AUTHORIZER}/refresh`,
      { method: "POST", headers: BEARER },
      ADMIN,
    );
    expect(forced.status).toBe(200);
    const body = await forced.text();
    expect(JSON.parse(body)).toMatchObject({ ok: true });
    const after = componentState(fake).authorizers.get(AUTHORIZER)!.refreshToken;
    expect(after).not.toBe(before);
    expect(body).not.toContain(after);
    expect(await storedRefreshToken()).toBe(after);
    // The old one is refused now (61023); the stored one works.
    const again = await authorizerStub().forceRefresh();
    expect(again.ok).toBe(true);
    expect(fake.count(AUTHORIZER_TOKEN)).toBe(2);
  });

  it("a sealed refresh token that no longer opens (secrets rotated) is fetched again and resealed", async () => {
    const refreshToken = componentState(fake).authorizers.get(AUTHORIZER)!.refreshToken;
    // As if sealed under other secrets: it does not open with the current key.
    const foreign = await sealRefreshToken(
      { ...settings(), componentAppSecret: "f".repeat(32) },
      AUTHORIZER,
      refreshToken,
    );
    await runInDurableObject(authorizerStub(), async (_, state) => {
      const record = await state.storage.get<Record<string, unknown>>("authorizer");
      await state.storage.put("authorizer", { ...record, sealedRefreshToken: foreign });
    });
    await abortAllDurableObjects();
    expect(await storedRefreshToken()).toBeUndefined();
    const forced = await authorizerStub().forceRefresh();
    expect(forced.ok).toBe(true);
    expect(fake.count("/cgi-bin/component/api_get_authorizer_info")).toBe(1);
    expect(await storedRefreshToken()).toBe(refreshToken);
  });

  it("61003 from WeChat marks the authoriser inactive and stops its refreshes", async () => {
    simulateUnauthorization(fake, AUTHORIZER);
    await ageToken();
    const refused = await authorizerStub().getAccessToken();
    expect(refused.ok ? "" : refused.reason).toMatch(/61003/);
    expect(await findAuthorizer(env, AUTHORIZER)).toMatchObject({ active: false });
    const list = await appFetch("/admin/component/authorizers", { headers: BEARER }, ADMIN);
    expect(await list.json()).toMatchObject({
      authorizers: [{ appid: AUTHORIZER, active: false }],
    });
    const calls = fake.count(AUTHORIZER_TOKEN);
    expect((await authorizerStub().getAccessToken()).ok).toBe(false);
    expect(fake.count(AUTHORIZER_TOKEN)).toBe(calls);
    expect(
      await runInDurableObject(authorizerStub(), (_, state) => state.storage.getAlarm()),
    ).toBeNull();
  });

  it("sets its alarm ahead of expiry, refreshes there only a token in use", async () => {
    const view = (await findAuthorizer(env, AUTHORIZER))!;
    const alarm = await runInDurableObject(authorizerStub(), (_, state) =>
      state.storage.getAlarm(),
    );
    expect(alarm).not.toBeNull();
    expect(alarm!).toBeLessThanOrEqual(view.tokenExpiresAt! - 300_000);
    expect(alarm!).toBeGreaterThan(view.tokenExpiresAt! - 300_000 - 600_000 - 1);

    // Unused since it was issued: the alarm lets it lapse and sets no other.
    await ageToken();
    expect(await runDurableObjectAlarm(authorizerStub())).toBe(true);
    expect(fake.count(AUTHORIZER_TOKEN)).toBe(0);
    expect(
      await runInDurableObject(authorizerStub(), (_, state) => state.storage.getAlarm()),
    ).toBeNull();

    // In use: the next caller fetches one, which sets the alarm again, and that alarm refreshes.
    expect((await authorizerStub().getAccessToken()).ok).toBe(true);
    expect(fake.count(AUTHORIZER_TOKEN)).toBe(1);
    expect(
      await runInDurableObject(authorizerStub(), (_, state) => state.storage.getAlarm()),
    ).not.toBeNull();
    await ageToken();
    expect(await runDurableObjectAlarm(authorizerStub())).toBe(true);
    expect(fake.count(AUTHORIZER_TOKEN)).toBe(2);
  });

  it("the admin removes an authoriser: gone from the registry and its authority", async () => {
    const removed = await appFetch(
      `/admin/component/authorizers/${AUTHORIZER}`,
      { method: "DELETE", headers: BEARER },
      ADMIN,
    );
    expect(removed.status).toBe(200);
    expect(await findAuthorizer(env, AUTHORIZER)).toBeUndefined();
    const list = await appFetch("/admin/component/authorizers", { headers: BEARER }, ADMIN);
    expect(await list.json()).toEqual({ authorizers: [] });
    const again = await appFetch(
      `/admin/component/authorizers/${AUTHORIZER}`,
      { method: "DELETE", headers: BEARER },
      ADMIN,
    );
    expect(again.status).toBe(404);
  });
});
