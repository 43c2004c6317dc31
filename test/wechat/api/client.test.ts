import { afterEach, describe, expect, it } from "vitest";
import { FAKE_APPID, FAKE_APPSECRET } from "../../../dev/fake-wechat/fake";
import { installFakeWeChat, type InstalledFakeWeChat } from "../../../dev/fake-wechat/install";
import { bigId } from "../../../dev/fake-wechat/endpoints/types";
import { WeChatApiClient, type AccessTokenSource } from "../../../src/wechat/api/client";
import { fetchAccessToken } from "../../../src/wechat/api/credentials";
import { WeChatApiError, WeChatTransportError } from "../../../src/wechat/api/errors";
import { PROXY_SECRET_HEADER, type ApiCallRecord } from "../../../src/wechat/api/transport";

const BASE = "https://fake.api.test";
const account = { appId: FAKE_APPID, appSecret: FAKE_APPSECRET };
let fake: InstalledFakeWeChat;
afterEach(() => fake?.uninstall());

/** A token source that fetches a classic token when asked; enough to drive the client alone. */
function classicSource(): AccessTokenSource & { replaced: string[] } {
  let current: string | undefined;
  const replaced: string[] = [];
  return {
    replaced,
    async accessToken() {
      current ??= (await fetchAccessToken({ apiBase: BASE }, account, "classic")).value;
      return current;
    },
    async replaceRejected(rejected) {
      replaced.push(rejected);
      current = (await fetchAccessToken({ apiBase: BASE }, account, "classic")).value;
      return current;
    },
  };
}

describe("WeChatApiClient", () => {
  it("injects the token, parses JSON and retries once after a rejected token", async () => {
    fake = installFakeWeChat({ base: BASE });
    const tokens = classicSource();
    const client = new WeChatApiClient({ apiBase: BASE, tokens });
    expect((await client.getApiDomainIp()).ip_list.length).toBeGreaterThan(0);
    fake.revoke();
    await client.getApiDomainIp();
    expect(tokens.replaced).toHaveLength(1);
    expect(fake.count("/cgi-bin/get_api_domain_ip")).toBe(3);
  });

  it("throws the second rejection instead of looping", async () => {
    fake = installFakeWeChat({ base: BASE });
    const client = new WeChatApiClient({
      apiBase: BASE,
      tokens: {
        accessToken: async () => "90_" + "x".repeat(120),
        replaceRejected: async () => "bad",
      },
    });
    const error = await client.getApiDomainIp().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeChatApiError);
    expect((error as WeChatApiError).errcode).toBe(40014);
    expect(fake.count()).toBe(2);
  });

  it("keeps 64-bit ids from an endpoint as strings", async () => {
    fake = installFakeWeChat({ base: BASE });
    fake.register({
      method: "POST",
      path: "/cgi-bin/message/mass/sendall",
      auth: true,
      handle: () => ({
        errcode: 0,
        errmsg: "send job submission success",
        msg_id: bigId("3147483649123456789"),
        msg_data_id: bigId("2247483647"),
      }),
    });
    const client = new WeChatApiClient({ apiBase: BASE, tokens: classicSource() });
    const answer = await client.post<{ msg_id: string; msg_data_id: string }>(
      "/cgi-bin/message/mass/sendall",
      {},
    );
    expect(answer.msg_id).toBe("3147483649123456789");
    expect(answer.msg_data_id).toBe("2247483647");
  });

  it("sends the proxy secret header on every request when configured", async () => {
    fake = installFakeWeChat({ base: BASE, requireProxySecret: "s3cr3t-proxy-key-123" });
    const tokens = classicSource();
    const without = new WeChatApiClient({ apiBase: BASE, tokens });
    const refused = await without.getApiDomainIp().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WeChatTransportError);
    expect((refused as WeChatTransportError).hint).toMatch(/WECHAT_PROXY_SECRET/);
    const transport = { apiBase: BASE, proxySecret: "s3cr3t-proxy-key-123" };
    const token = await fetchAccessToken(transport, account, "stable");
    const client = new WeChatApiClient({
      ...transport,
      tokens: { accessToken: async () => token.value, replaceRejected: async () => token.value },
    });
    await client.getApiDomainIp();
    expect(fake.requests.slice(-2).every((r) => r.hadProxySecret && r.status === 200)).toBe(true);
    expect(PROXY_SECRET_HEADER).toBe("X-WeChat-Proxy-Secret");
  });

  it("maps HTTP errors, malformed bodies and timeouts to transport errors, and reports them", async () => {
    fake = installFakeWeChat({ base: BASE });
    const records: ApiCallRecord[] = [];
    const options = {
      apiBase: BASE,
      timeoutMs: 50,
      observe: (r: ApiCallRecord) => records.push(r),
    };
    fake.inject("http500", { times: 1 });
    const http = await fetchAccessToken(options, account, "stable").catch((e: unknown) => e);
    expect(http).toMatchObject({ kind: "http", status: 500 });
    fake.inject("hang", { times: 1 });
    const timeout = await fetchAccessToken(options, account, "stable").catch((e: unknown) => e);
    expect(timeout).toMatchObject({ kind: "timeout" });
    fake.inject({ errcode: 0, errmsg: "ok" }, { times: 1 });
    const malformed = await fetchAccessToken(options, account, "stable").catch((e: unknown) => e);
    expect(malformed).toMatchObject({ kind: "malformed" });
    expect(records.map((r) => r.failure ?? r.errcode)).toEqual(["http", "timeout", undefined]);
    expect(records.every((r) => r.path === "/cgi-bin/stable_token")).toBe(true);
  });

  it("maps wrong credentials to 40013 / 40125 with hints naming the settings", async () => {
    fake = installFakeWeChat({ base: BASE });
    const wrongId = await fetchAccessToken(
      { apiBase: BASE },
      { ...account, appId: "wx1111111111111111" },
      "classic",
    ).catch((e: unknown) => e);
    expect(wrongId).toMatchObject({ errcode: 40013 });
    expect((wrongId as WeChatApiError).hint).toContain("WECHAT_APPID");
    const wrongSecret = await fetchAccessToken(
      { apiBase: BASE },
      { ...account, appSecret: "f".repeat(32) },
      "stable",
    ).catch((e: unknown) => e);
    expect(wrongSecret).toMatchObject({ errcode: 40125 });
    expect((wrongSecret as WeChatApiError).errmsg).toMatch(/^invalid appsecret rid: /);
  });

  it("downloads binary bodies and still throws errcodes sent as JSON", async () => {
    fake = installFakeWeChat({ base: BASE });
    fake.register({
      method: "GET",
      path: "/cgi-bin/media/get",
      auth: true,
      handle: ({ query }) =>
        query.get("media_id") === "m1"
          ? new Response(new Uint8Array([0xff, 0xd8, 0xff]), {
              headers: { "content-type": "image/jpeg" },
            })
          : { errcode: 40007, errmsg: "invalid media_id rid: 1" },
    });
    const client = new WeChatApiClient({ apiBase: BASE, tokens: classicSource() });
    const image = await client.download("/cgi-bin/media/get", { query: { media_id: "m1" } });
    expect([...image.bytes]).toEqual([0xff, 0xd8, 0xff]);
    await expect(
      client.download("/cgi-bin/media/get", { query: { media_id: "x" } }),
    ).rejects.toMatchObject({ errcode: 40007 });
  });
});
