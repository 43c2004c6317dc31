import { describe, expect, it } from "vitest";
import {
  FAKE_APPID,
  FAKE_APPSECRET,
  FakeWeChat,
  type FakeWeChatOptions,
} from "../../dev/fake-wechat/fake";

const BASE = "https://api.weixin.qq.com";

function setup(options: FakeWeChatOptions = {}) {
  // A frozen clock: only advance() moves it, so expires_in is exact however long a call takes.
  const start = Date.now();
  const fake = new FakeWeChat({ now: () => start, ...options });
  const call = async (path: string, init?: RequestInit) => {
    const response = await fake.fetch(new Request(`${BASE}${path}`, init));
    return {
      status: response.status,
      body: (await response.json().catch(() => null)) as Record<string, any>,
    };
  };
  const classic = (secret = FAKE_APPSECRET, appid = FAKE_APPID) =>
    call(`/cgi-bin/token?grant_type=client_credential&appid=${appid}&secret=${secret}`);
  const stable = (force = false, extra: Record<string, unknown> = {}) =>
    call("/cgi-bin/stable_token", {
      method: "POST",
      body: JSON.stringify({
        grant_type: "client_credential",
        appid: FAKE_APPID,
        secret: FAKE_APPSECRET,
        force_refresh: force,
        ...extra,
      }),
    });
  const useToken = (token: string) =>
    call(`/cgi-bin/get_api_domain_ip?access_token=${encodeURIComponent(token)}`);
  return { fake, call, classic, stable, useToken };
}

describe("fake WeChat: classic /cgi-bin/token", () => {
  it("a new token invalidates the previous one at once (strict)", async () => {
    const { classic, useToken } = setup();
    const first = (await classic()).body.access_token;
    expect((await useToken(first)).body.ip_list).toBeDefined();
    const second = (await classic()).body;
    expect(second.expires_in).toBe(7200);
    expect((await useToken(first)).body.errcode).toBe(40001);
    expect((await useToken(second.access_token)).body.errcode).toBeUndefined();
  });

  it("can model WeChat's documented 5-minute overlap when asked", async () => {
    const { fake, classic, useToken } = setup({ classicOverlapSeconds: 300 });
    const first = (await classic()).body.access_token;
    await classic();
    expect((await useToken(first)).body.errcode).toBeUndefined();
    fake.advance(301);
    expect((await useToken(first)).body.errcode).toBe(40001);
  });

  it("checks appid and secret and the IP whitelist, answering as WeChat does", async () => {
    const { classic, call } = setup({ ipWhitelist: ["203.0.113.7"] });
    expect((await classic("f".repeat(32))).body.errcode).toBe(40125);
    expect((await classic(FAKE_APPSECRET, "wx1111111111111111")).body.errcode).toBe(40013);
    expect(
      (await call("/cgi-bin/token?grant_type=client_credential&appid=" + FAKE_APPID)).body.errcode,
    ).toBe(41004);
    expect((await call("/cgi-bin/token?grant_type=x&appid=a&secret=b")).body.errcode).toBe(40002);
    const blocked = setup({ ipWhitelist: ["198.51.100.1"] });
    const answer = await blocked.classic();
    expect(answer.status).toBe(200);
    expect(answer.body.errcode).toBe(40164);
    expect(answer.body.errmsg).toMatch(
      /^invalid ip 203\.0\.113\.7 ipv6 ::ffff:203\.0\.113\.7, not in whitelist rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/,
    );
  });

  it("enforces the daily quota (45009)", async () => {
    const { classic } = setup({ quotas: { token: 2 } });
    await classic();
    await classic();
    expect((await classic()).body.errcode).toBe(45009);
  });
});

describe("fake WeChat: /cgi-bin/stable_token", () => {
  it("normal mode returns the same token while it has at least 300 s left, then a new one", async () => {
    const { fake, stable, useToken } = setup();
    const first = (await stable()).body;
    fake.advance(6000);
    const same = (await stable()).body;
    expect(same.access_token).toBe(first.access_token);
    expect(same.expires_in).toBe(1200);
    fake.advance(1000);
    const rotated = (await stable()).body;
    expect(rotated.access_token).not.toBe(first.access_token);
    expect(rotated.expires_in).toBeGreaterThanOrEqual(300);
    // The old one stays valid until its own expiry.
    expect((await useToken(first.access_token)).body.errcode).toBeUndefined();
    fake.advance(200);
    expect((await useToken(first.access_token)).body.errcode).toBe(42001);
  });

  it("force_refresh invalidates the old token, at most once per 30 s and 20 a day", async () => {
    const { fake, stable, useToken } = setup();
    const first = (await stable()).body.access_token;
    const forced = (await stable(true)).body.access_token;
    expect(forced).not.toBe(first);
    expect((await useToken(first)).body.errcode).toBe(40001);
    expect((await stable(true)).body.errcode).toBe(45011);
    for (let i = 0; i < 19; i++) {
      fake.advance(31);
      expect((await stable(true)).body.access_token).toBeDefined();
    }
    fake.advance(31);
    expect((await stable(true)).body.errcode).toBe(45009);
  });

  it("is isolated from the classic token", async () => {
    const { stable, classic, useToken } = setup();
    const stableToken = (await stable()).body.access_token;
    const classicToken = (await classic()).body.access_token;
    await classic();
    expect((await useToken(stableToken)).body.errcode).toBeUndefined();
    expect((await useToken(classicToken)).body.errcode).toBe(40001);
  });

  it("accepts only POST with a JSON body", async () => {
    const { call } = setup();
    expect((await call("/cgi-bin/stable_token")).body.errcode).toBe(43002);
    expect(
      (
        await call("/cgi-bin/stable_token", {
          method: "POST",
          body: "grant_type=client_credential",
        })
      ).body.errcode,
    ).toBe(47001);
  });
});

describe("fake WeChat: common rules", () => {
  it("checks the access_token: 41001 missing, 40014 malformed, 40001 unknown, 42001 expired", async () => {
    const { fake, call, stable, useToken } = setup();
    expect((await call("/cgi-bin/get_api_domain_ip")).body.errcode).toBe(41001);
    expect((await useToken("nope")).body.errcode).toBe(40014);
    expect((await useToken("91_" + "a".repeat(140))).body.errcode).toBe(40001);
    const token = (await stable()).body.access_token;
    fake.advance(7200);
    const expired = await useToken(token);
    expect(expired.body).toMatchObject({ errcode: 42001 });
    expect(expired.body.errmsg).toMatch(/^access_token expired rid: /);
  });

  it("revocation makes the next call fail with 40001", async () => {
    const { fake, stable, useToken } = setup();
    const token = (await stable()).body.access_token;
    expect(fake.revoke()).toBe(1);
    expect((await useToken(token)).body.errcode).toBe(40001);
  });

  it("refuses requests without the proxy secret when it acts as the proxy", async () => {
    const { fake, call } = setup({ requireProxySecret: "proxy-secret-0123456789" });
    expect((await call("/cgi-bin/get_api_domain_ip")).status).toBe(403);
    const response = await fake.fetch(
      new Request(`${BASE}/cgi-bin/get_api_domain_ip`, {
        headers: { "X-WeChat-Proxy-Secret": "proxy-secret-0123456789" },
      }),
    );
    expect(((await response.json()) as { errcode: number }).errcode).toBe(41001);
  });

  it("injected failures apply to their path for the given number of times and are counted", async () => {
    const { fake, stable } = setup();
    fake.inject("busy", { path: "/cgi-bin/stable_token", times: 2 });
    expect((await stable()).body.errcode).toBe(-1);
    expect((await stable()).body.errcode).toBe(-1);
    expect((await stable()).body.access_token).toBeDefined();
    expect(fake.tokenFetches()).toBe(3);
    expect(fake.requests.map((r) => r.errcode)).toEqual([-1, -1, 0]);
  });

  it("a hang ends when the caller aborts", async () => {
    const { fake } = setup();
    fake.inject("hang");
    const controller = new AbortController();
    const pending = fake.fetch(
      new Request(`${BASE}/cgi-bin/get_api_domain_ip`, { signal: controller.signal }),
    );
    controller.abort();
    await expect(pending).rejects.toBeDefined();
  });

  it("getticket issues a jsapi ticket for a valid token", async () => {
    const { stable, call } = setup();
    const token = (await stable()).body.access_token;
    const answer = (await call(`/cgi-bin/ticket/getticket?access_token=${token}&type=jsapi`)).body;
    expect(answer).toMatchObject({ errcode: 0, errmsg: "ok", expires_in: 7200 });
    expect(answer.ticket).toMatch(/^[A-Za-z0-9_-]{86}$/);
  });
});
