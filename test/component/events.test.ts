/**
 * The 授权事件接收URL (POST /component/events) and the component_access_token: the ticket is
 * stored, a storm of callers costs one api_component_token, no ticket is a clear 503, a rejected
 * token is replaced once (compare-and-expire).
 */
import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  componentState,
  componentTicketPush,
  FAKE_COMPONENT,
  signComponentPush,
} from "../../dev/fake-wechat/endpoints/component";
import type { InstalledFakeWeChat } from "../../dev/fake-wechat/install";
import type { StoredTicket } from "../../src/component/component-authority";
import { MessageCrypt } from "../../src/wechat/message-crypt";
import { computeMsgSignature, computeSignature } from "../../src/wechat/signature";
import { renderXml } from "../../src/wechat/xml";
import { appFetch } from "../fixtures/platform-app";
import { ADMIN, BEARER, componentStub, deliver, pushTicket, startClean } from "./helpers";

const TOKEN_PATH = "/cgi-bin/component/api_component_token";

let fake: InstalledFakeWeChat;
beforeEach(async () => {
  fake = await startClean();
});
afterEach(() => fake.uninstall());

async function storedTicket(): Promise<StoredTicket | undefined> {
  return runInDurableObject(componentStub(), (_, state) =>
    state.storage.get<StoredTicket>("ticket"),
  );
}

describe("POST /component/events", () => {
  it("stores a pushed component_verify_ticket and answers success", async () => {
    const push = await componentTicketPush(fake);
    const response = await deliver(push);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("success");
    expect((await storedTicket())?.value).toBe(push.ticket);
  });

  it("takes a re-send of the same push, refuses its (timestamp, nonce) on another body (replay)", async () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const nonce = "4242424242";
    const first = await signComponentPush(
      fake,
      { InfoType: "component_verify_ticket", ComponentVerifyTicket: "ticket@@@first" },
      { timestamp, nonce },
    );
    expect(await (await deliver(first)).text()).toBe("success");
    expect(await (await deliver(first)).text()).toBe("success");
    // Signed correctly (msg_signature over its own Encrypt), but the pair was used already.
    const second = await signComponentPush(
      fake,
      { InfoType: "component_verify_ticket", ComponentVerifyTicket: "ticket@@@second" },
      { timestamp, nonce },
    );
    const replayed = await deliver(second);
    expect(replayed.status).toBe(401);
    expect(await replayed.text()).toMatch(/replay/);
    expect((await storedTicket())?.value).toBe("ticket@@@first");
  });

  it("refuses a bad signature, a plaintext push, and a push for another component", async () => {
    const push = await componentTicketPush(fake);
    const forged = push.path.replace(/signature=[0-9a-f]{40}/, `signature=${"0".repeat(40)}`);
    expect((await deliver({ path: forged, body: push.body })).status).toBe(401);

    const plaintext = push.path.replace("encrypt_type=aes", "encrypt_type=raw");
    const refused = await deliver({ path: plaintext, body: push.body });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/encrypted/);

    // Signed with the component's token, encrypted with its key, but for another receive-id.
    const inner = renderXml({ AppId: "wx1111111111111111", InfoType: "component_verify_ticket" });
    const encrypt = await new MessageCrypt(
      FAKE_COMPONENT.encodingAESKey,
      "wx1111111111111111",
    ).encrypt(inner);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = "12345";
    const query = new URLSearchParams({
      signature: await computeSignature(FAKE_COMPONENT.token, timestamp, nonce),
      timestamp,
      nonce,
      encrypt_type: "aes",
      msg_signature: await computeMsgSignature(FAKE_COMPONENT.token, timestamp, nonce, encrypt),
    });
    const other = await deliver({
      path: `/component/events?${query}`,
      body: renderXml({ AppId: "wx1111111111111111", Encrypt: encrypt }),
    });
    expect(other.status).toBe(400);
    expect(await other.text()).toBe("cannot decrypt the push");
    expect(await storedTicket()).toBeUndefined();
  });

  it("acknowledges an InfoType it does not act on", async () => {
    const push = await signComponentPush(fake, { InfoType: "notify_third_fasteregister" });
    expect(await (await deliver(push)).text()).toBe("success");
  });
});

describe("the component surface", () => {
  it("does not exist without WECHAT_COMPONENT_APPID", async () => {
    const push = await componentTicketPush(fake);
    const response = await deliver(push, { WECHAT_COMPONENT_APPID: "" });
    expect(response.status).toBe(404);
    expect(
      (
        await appFetch(
          "/admin/component",
          { headers: BEARER },
          { ...ADMIN, WECHAT_COMPONENT_APPID: "" },
        )
      ).status,
    ).toBe(404);
  });

  it("answers 503 naming a malformed setting or a missing binding, never a value", async () => {
    const bad = await appFetch(
      "/component/authorize",
      {},
      { WECHAT_COMPONENT_APPSECRET: "not-a-secret-value" },
    );
    expect(bad.status).toBe(503);
    const text = await bad.text();
    expect(text).toContain("WECHAT_COMPONENT_APPSECRET");
    expect(text).not.toContain("not-a-secret-value");

    const unbound = await appFetch("/component/authorize", {}, { AUTHORIZER_AUTHORITY: undefined });
    expect(unbound.status).toBe(503);
    expect(await unbound.text()).toContain("AUTHORIZER_AUTHORITY");
  });
});

describe("component_access_token", () => {
  it("is a 503 with the reason while no ticket has arrived, without calling WeChat", async () => {
    const response = await appFetch("/component/authorize", { headers: BEARER }, ADMIN);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: string }).error).toMatch(
      /no component_verify_ticket has arrived yet/,
    );
    expect(fake.count(TOKEN_PATH)).toBe(0);
  });

  it("is fetched once for 50 concurrent callers", async () => {
    await pushTicket(fake);
    const results = await Promise.all(
      Array.from({ length: 50 }, () => componentStub().getComponentAccessToken()),
    );
    expect(results.every((result) => result.ok)).toBe(true);
    const values = new Set(results.map((result) => (result.ok ? result.lease.value : "")));
    expect(values.size).toBe(1);
    expect(fake.count(TOKEN_PATH)).toBe(1);
  });

  it("is refreshed ahead of expiry by the authority's own alarm", async () => {
    await pushTicket(fake);
    const first = await componentStub().getComponentAccessToken();
    if (!first.ok) throw new Error(first.reason);
    const alarm = await runInDurableObject(componentStub(), (_, state) => state.storage.getAlarm());
    expect(alarm).toBe(first.lease.expiresAt - 300_000);
    // Most of its life later: the alarm refreshes it without any caller.
    await runInDurableObject(componentStub(), async (_, state) => {
      const key = "record:component_access_token";
      const record = await state.storage.get<{ expiresAt: number }>(key);
      await state.storage.put(key, {
        ...record,
        expiresAt: Date.now() + 60_000,
        refreshedAt: Date.now() - 7_000_000,
      });
    });
    await abortAllDurableObjects();
    expect(await runDurableObjectAlarm(componentStub())).toBe(true);
    expect(fake.count(TOKEN_PATH)).toBe(2);
    const second = await componentStub().getComponentAccessToken();
    expect(second.ok && second.lease.value).not.toBe(first.lease.value);
  });

  it("answers WeChat's errcode for a stale ticket and backs off", async () => {
    const ticket = await pushTicket(fake);
    fake.advance(13 * 3600);
    const first = await componentStub().getComponentAccessToken();
    expect(first.ok).toBe(false);
    expect(first.ok ? undefined : first.upstream?.errcode).toBe(61005);
    const second = await componentStub().getComponentAccessToken();
    expect(second.ok ? "" : second.reason).toMatch(/next attempt in/);
    expect(fake.count(TOKEN_PATH)).toBe(1);
    expect(componentState(fake).tickets.has(ticket)).toBe(true);
  });

  it("compare-and-expire: a stale rejection is ignored, a burst for the current token costs one fetch", async () => {
    await pushTicket(fake);
    const first = await componentStub().getComponentAccessToken();
    if (!first.ok) throw new Error(first.reason);
    const stale = await componentStub().replaceRejectedComponentToken("some-older-token");
    expect(stale.ok && stale.lease.value).toBe(first.lease.value);
    expect(fake.count(TOKEN_PATH)).toBe(1);

    const replaced = await Promise.all(
      Array.from({ length: 10 }, () =>
        componentStub().replaceRejectedComponentToken(first.lease.value),
      ),
    );
    const values = new Set(replaced.map((result) => (result.ok ? result.lease.value : "")));
    expect(values.size).toBe(1);
    expect(values.has(first.lease.value)).toBe(false);
    expect(fake.count(TOKEN_PATH)).toBe(2);
  });

  it("a call WeChat refuses for the token (40001) replaces it once and succeeds", async () => {
    await pushTicket(fake);
    const first = await componentStub().getComponentAccessToken();
    if (!first.ok) throw new Error(first.reason);
    // WeChat invalidates it (another process fetched one, say).
    componentState(fake).tokens.get(first.lease.value)!.invalidFrom = fake.now();
    const response = await appFetch("/component/authorize", { headers: BEARER }, ADMIN);
    expect(response.status).toBe(302);
    expect(fake.count(TOKEN_PATH)).toBe(2);
    expect(fake.count("/cgi-bin/component/api_create_preauthcode")).toBe(2);
  });
});
