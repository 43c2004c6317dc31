/**
 * Messages for 第三方平台 authorisers at /wechat/<authoriser appid>: verified and opened with the
 * component's token and key (the receive-id inside is the component's appid), answered sealed the
 * same way, routed to the bot with the authoriser in ctx.account, and API calls made with the
 * authoriser's own access_token. WeChat's 全网发布 test accounts get the release-test answers.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FAKE_COMPONENT } from "../../dev/fake-wechat/endpoints/component";
import type { InstalledFakeWeChat } from "../../dev/fake-wechat/install";
import { signPush, textPushXml, type Account } from "../../dev/fake-wechat/sign-push";
import { renderXml, textOf, parseXml } from "../../src/wechat/xml";
import { createApp } from "../../src/app";
import type { BotContext } from "../../src/bot/context";
import { MessageCrypt } from "../../src/wechat/message-crypt";
import { WeChatRouter } from "../../src/wechat/router";
import { ORIGIN } from "../fixtures/platform-app";
import { ADMIN, AUTHORIZER, authorizeThroughBrowser, pushTicket, startClean } from "./helpers";

const RELEASE_TEST_APPID = "wx570bc396a51b8ff8";
const COMPONENT: Account & { encodingAESKey: string } = {
  token: FAKE_COMPONENT.token,
  appId: FAKE_COMPONENT.appid,
  encodingAESKey: FAKE_COMPONENT.encodingAESKey,
};

const seen: { appid: string | undefined; domainIps?: unknown }[] = [];
const bot = new WeChatRouter<BotContext>()
  .text(/^api$/, async (message, ctx) => {
    const answer = await ctx.api.get("/cgi-bin/get_api_domain_ip");
    seen.push({ appid: ctx.account.appid, domainIps: answer });
    return `api ok for ${ctx.account.appid}`;
  })
  .fallback((message, ctx) => {
    seen.push({ appid: ctx.account.appid });
    return `hello from ${ctx.account.appid}`;
  });
const app = createApp(bot);

async function post(path: string, body: string) {
  const ctx = createExecutionContext();
  const response = await app.fetch(
    new Request(`${ORIGIN}${path}`, { method: "POST", body }),
    { ...env, ...ADMIN },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

async function openReply(response: Response): Promise<string> {
  const outer = parseXml(await response.text());
  if (!outer.ok) throw new Error("the reply is not XML");
  const encrypt = textOf(outer.root, "Encrypt");
  if (!encrypt) throw new Error("the reply is not encrypted");
  const opened = await new MessageCrypt(COMPONENT.encodingAESKey, COMPONENT.appId).decrypt(encrypt);
  expect(opened.appId).toBe(COMPONENT.appId);
  const inner = parseXml(opened.message);
  if (!inner.ok) throw new Error("the sealed reply is not XML");
  return textOf(inner.root, "Content") ?? "";
}

function pushTo(appid: string, content: string, account = COMPONENT) {
  return signPush(account, textPushXml(content, { to: "gh_authoriser0001" }), {
    mode: "safe",
    path: `/wechat/${appid}`,
  });
}

let fake: InstalledFakeWeChat;

beforeEach(async () => {
  seen.length = 0;
  fake = await startClean([AUTHORIZER, RELEASE_TEST_APPID]);
  await pushTicket(fake);
});
afterEach(() => fake.uninstall());

describe("/wechat/<authoriser appid>", () => {
  it("answers an authorised account's push, sealed with the component key, to the bot with the authoriser as ctx.account", async () => {
    await authorizeThroughBrowser(fake, AUTHORIZER);
    const push = await pushTo(AUTHORIZER, "hi");
    const response = await post(push.path, push.body);
    expect(response.status).toBe(200);
    expect(await openReply(response)).toBe(`hello from ${AUTHORIZER}`);
    expect(seen).toEqual([{ appid: AUTHORIZER }]);
  });

  it("calls WeChat's API from a handler with the authoriser's own token", async () => {
    await authorizeThroughBrowser(fake, AUTHORIZER);
    const push = await pushTo(AUTHORIZER, "api");
    const response = await post(push.path, push.body);
    expect(await openReply(response)).toBe(`api ok for ${AUTHORIZER}`);
    const calls = fake.requests.filter((record) => record.path === "/cgi-bin/get_api_domain_ip");
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ appid: AUTHORIZER, errcode: 0 });
  });

  it("refuses a push sealed with the authoriser's appid as receive-id, or signed with another token", async () => {
    await authorizeThroughBrowser(fake, AUTHORIZER);
    const wrongReceiver = await pushTo(AUTHORIZER, "hi", { ...COMPONENT, appId: AUTHORIZER });
    // Every ciphertext that fails to open gets the same answer (no decryption oracle).
    const refused = await post(wrongReceiver.path, wrongReceiver.body);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toBe("cannot decrypt the push");
    const wrongToken = await pushTo(AUTHORIZER, "hi", { ...COMPONENT, token: "someothertoken1" });
    expect((await post(wrongToken.path, wrongToken.body)).status).toBe(404);
    expect(seen).toEqual([]);
  });

  it("answers 404 for an appid that never authorised the platform, and no handler runs", async () => {
    const push = await pushTo("wx00000000000a0099", "hi");
    const response = await post(push.path, push.body);
    expect(response.status).toBe(404);
    expect(seen).toEqual([]);
  });
});

describe("全网发布: WeChat's release test accounts", () => {
  beforeEach(() => authorizeThroughBrowser(fake, RELEASE_TEST_APPID).then(() => undefined));

  it("answers TESTCOMPONENT_MSG_TYPE_TEXT with TESTCOMPONENT_MSG_TYPE_TEXT_callback", async () => {
    const push = await pushTo(RELEASE_TEST_APPID, "TESTCOMPONENT_MSG_TYPE_TEXT");
    expect(await openReply(await post(push.path, push.body))).toBe(
      "TESTCOMPONENT_MSG_TYPE_TEXT_callback",
    );
    expect(seen).toEqual([]);
  });

  it("answers an event with <Event>from_callback", async () => {
    const xml = renderXml({
      ToUserName: "gh_3c884a361561",
      FromUserName: "oReleaseTester0000000000000",
      CreateTime: Math.floor(Date.now() / 1000),
      MsgType: "event",
      Event: "LOCATION",
      Latitude: "23.1",
      Longitude: "113.3",
      Precision: "100",
    });
    const push = await signPush(COMPONENT, xml, {
      mode: "safe",
      path: `/wechat/${RELEASE_TEST_APPID}`,
    });
    expect(await openReply(await post(push.path, push.body))).toBe("LOCATIONfrom_callback");
  });

  it("answers QUERY_AUTH_CODE empty, then sends <code>_from_api by customer service", async () => {
    const { simulateAuthorization } = await import("../../dev/fake-wechat/endpoints/component");
    const { recordInteraction } = await import("../../dev/fake-wechat/platform-state");
    const { authCode } = simulateAuthorization(fake, RELEASE_TEST_APPID);
    // WeChat's tester wrote to the account, which opens customer service's 48-hour window.
    recordInteraction(fake, "oFollower000000000000000000");
    const push = await pushTo(RELEASE_TEST_APPID, `QUERY_AUTH_CODE:${authCode}`);
    const response = await post(push.path, push.body);
    expect(await response.text()).toBe("success");
    const sends = fake.requests.filter((record) => record.path === "/cgi-bin/message/custom/send");
    expect(sends).toHaveLength(1);
    expect(sends[0]).toMatchObject({ appid: RELEASE_TEST_APPID, errcode: 0 });
    const { platformState } = await import("../../dev/fake-wechat/platform-state");
    const sent = platformState(fake).outbox.at(-1) as unknown as Record<string, unknown>;
    expect(JSON.stringify(sent)).toContain(`${authCode}_from_api`);
  });

  it("leaves a release-test text to an account that is not a test account to the bot", async () => {
    await authorizeThroughBrowser(fake, AUTHORIZER);
    const push = await pushTo(AUTHORIZER, "TESTCOMPONENT_MSG_TYPE_TEXT");
    expect(await openReply(await post(push.path, push.body))).toBe(`hello from ${AUTHORIZER}`);
  });
});
