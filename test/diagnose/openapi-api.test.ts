/**
 * The pure openapi module against the fake WeChat (no Worker): request shapes, WeChat's errcodes,
 * and the redaction of what rid/get records.
 */
import { describe, expect, it } from "vitest";
import { setCallbackCheck } from "../../dev/fake-wechat/endpoints/openapi";
import { WeChatApiError } from "../../src/wechat/api/errors";
import {
  checkCallback,
  clearQuotaWithAppSecret,
  getApiQuota,
  getCallbackIps,
  getRidInfo,
  isRid,
  redactRidRequest,
} from "../../src/wechat/api/openapi";
import { fakeApi } from "../fixtures/fake-api";

const transportOf = (fake: Awaited<ReturnType<typeof fakeApi>>["fake"]) => ({
  apiBase: "https://api.weixin.qq.com",
  fetch: ((input: RequestInfo | URL, init?: RequestInit) =>
    fake.fetch(new Request(input, init))) as typeof fetch,
});

async function errcodeOf(promise: Promise<unknown>): Promise<number | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    if (error instanceof WeChatApiError) return error.errcode;
    throw error;
  }
}

describe("openapi/quota/get", () => {
  it("reports the calls made today on a path, the query itself included when it asks about itself", async () => {
    const { fake, client } = await fakeApi();
    await client.getApiDomainIp();
    await client.getApiDomainIp();
    expect((await getApiQuota(client, "/cgi-bin/get_api_domain_ip")).quota).toMatchObject({
      used: 2,
    });
    const self = await getApiQuota(client, "/cgi-bin/openapi/quota/get");
    expect(self.quota.used).toBe(2);
    expect(self.quota.remain).toBe(self.quota.daily_limit - 2);
    expect(fake.count("/cgi-bin/openapi/quota/get")).toBe(2);
  });

  it("refuses a URL or a path without / before calling; WeChat's 76021 and 76022 come back typed", async () => {
    const { fake, client } = await fakeApi();
    await expect(getApiQuota(client, "https://api.weixin.qq.com/cgi-bin/token")).rejects.toThrow(
      RangeError,
    );
    await expect(getApiQuota(client, "cgi-bin/token")).rejects.toThrow(RangeError);
    expect(fake.count("/cgi-bin/openapi/quota/get")).toBe(0);
    expect(await errcodeOf(getApiQuota(client, "/cgi-bin/no/such/api"))).toBe(76021);
    expect(await errcodeOf(getApiQuota(client, "/sns/oauth2/access_token"))).toBe(76022);
  });
});

describe("clear_quota/v2", () => {
  it("takes the AppSecret in the body (no token), resets the counters, and allows 10 a month", async () => {
    const { fake, client, account } = await fakeApi();
    await client.getApiDomainIp();
    const transport = transportOf(fake);
    await clearQuotaWithAppSecret(transport, account);
    expect((await getApiQuota(client, "/cgi-bin/get_api_domain_ip")).quota.used).toBe(0);
    const cleared = fake.requests.filter((r) => r.path === "/cgi-bin/clear_quota/v2");
    expect(cleared).toHaveLength(1);
    for (let i = 1; i < 10; i++) await clearQuotaWithAppSecret(transport, account);
    expect(await errcodeOf(clearQuotaWithAppSecret(transport, account))).toBe(48006);
    expect(
      await errcodeOf(
        clearQuotaWithAppSecret(transport, { ...account, appSecret: "0".repeat(32) }),
      ),
    ).toBe(40125);
  });
});

describe("openapi/rid/get", () => {
  it("finds the request behind a rid and redacts its access_token and secrets", async () => {
    const { fake, client } = await fakeApi();
    const failed = await client
      .post("/cgi-bin/message/custom/send", { touser: "", msgtype: "text" })
      .catch((error: WeChatApiError) => error);
    expect(failed).toBeInstanceOf(WeChatApiError);
    const rid = (failed as WeChatApiError).errmsg.split("rid: ")[1]!;
    expect(isRid(rid)).toBe(true);
    const request = await getRidInfo(client, rid);
    expect(request.request_url).toBe("access_token=[redacted]");
    expect(request.request_body).toContain('"msgtype":"text"');
    expect(request.client_ip).toBe(fake.clientIp);
    expect(await errcodeOf(getRidInfo(client, "00000000-00000000-00000000"))).toBe(76001);
    await expect(getRidInfo(client, "not-a-rid")).rejects.toThrow(RangeError);
  });

  it("redaction covers query strings and JSON bodies", () => {
    const redacted = redactRidRequest({
      invoke_time: 1,
      cost_in_ms: 1,
      request_url: "grant_type=client_credential&appid=wx1&secret=abc123&access_token=90_x",
      request_body: '{"appid":"wx1","appsecret":"abc123","secret": "s3"}',
      response_body: '{"access_token":"90_y","expires_in":7200}',
      client_ip: "203.0.113.7",
    });
    expect(redacted.request_url).toBe(
      "grant_type=client_credential&appid=wx1&secret=[redacted]&access_token=[redacted]",
    );
    expect(redacted.request_body).toBe(
      '{"appid":"wx1","appsecret":"[redacted]","secret": "[redacted]"}',
    );
    expect(redacted.response_body).toBe('{"access_token":"[redacted]","expires_in":7200}');
  });
});

describe("callback/check and the IP lists", () => {
  it("sends action and check_operator; dns-only answers carry no pings", async () => {
    const { fake, client } = await fakeApi();
    const all = await checkCallback(client);
    expect(all.dns).toHaveLength(1);
    expect(all.ping).toHaveLength(1);
    expect((await checkCallback(client, "dns", "UNICOM")).ping).toEqual([]);
    setCallbackCheck(fake, { errcode: 40201, errmsg: "invalid url" });
    expect(await errcodeOf(checkCallback(client))).toBe(40201);
    expect(await errcodeOf(client.post("/cgi-bin/callback/check", { action: "all" }))).toBe(40203);
    expect(
      await errcodeOf(
        client.post("/cgi-bin/callback/check", { action: "trace", check_operator: "CAP" }),
      ),
    ).toBe(40202);
  });

  it("getcallbackip lists WeChat's push servers", async () => {
    const { client } = await fakeApi();
    expect(await getCallbackIps(client)).toContain("101.226.103.0/25");
  });
});
