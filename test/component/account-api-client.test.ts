/**
 * accountApiClient: the API client of one account for code outside a push. An authoriser's calls
 * carry its own authorizer_access_token; an appid this Worker does not serve is refused before
 * any call, with a reason that names no value.
 */
import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { InstalledFakeWeChat } from "../../dev/fake-wechat/install";
import { accountApiClient } from "../../src/index";
import { AUTHORIZER, authorizeThroughBrowser, pushTicket, startClean } from "./helpers";

let fake: InstalledFakeWeChat;

beforeEach(async () => {
  fake = await startClean([AUTHORIZER]);
  await pushTicket(fake);
});
afterEach(() => fake.uninstall());

const domainIpCalls = () =>
  fake.requests.filter((record) => record.path === "/cgi-bin/get_api_domain_ip");

describe("accountApiClient", () => {
  it("calls WeChat for an authoriser with the authoriser's own token", async () => {
    await authorizeThroughBrowser(fake, AUTHORIZER);
    const client = await accountApiClient(env, AUTHORIZER);
    await client.get("/cgi-bin/get_api_domain_ip");
    expect(domainIpCalls()).toHaveLength(1);
    expect(domainIpCalls()[0]).toMatchObject({ appid: AUTHORIZER, errcode: 0 });
  });

  it("calls WeChat for the single account without an appid", async () => {
    const client = await accountApiClient(env);
    await client.get("/cgi-bin/get_api_domain_ip");
    expect(domainIpCalls()[0]).toMatchObject({ appid: env.WECHAT_APPID, errcode: 0 });
  });

  it("refuses an appid that never authorised, before any call", async () => {
    await expect(accountApiClient(env, "wx00000000000a0099")).rejects.toThrow(
      "no account with this appid is configured here",
    );
    await expect(accountApiClient(env, "not-an-appid")).rejects.toThrow(
      "no account with this appid is configured here",
    );
    expect(domainIpCalls()).toHaveLength(0);
  });
});
