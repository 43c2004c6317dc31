import { afterEach, describe, expect, it } from "vitest";
import type { InstalledFakeWeChat } from "../../dev/fake-wechat/install";
import { buildJssdkConfig, jssdkSignature, signableUrl } from "../../src/wechat/jssdk";
import { sha1Hex } from "../../src/wechat/signature";
import { appFetch } from "../fixtures/platform-app";
import { V7 } from "../fixtures/vectors";
import { APPID, startClean } from "../token/helpers";

const PAGES = { ALLOWED_ORIGINS: "https://app.example.com,http://localhost:5173" };

describe("JS-SDK signature", () => {
  it("matches the official vector V7", async () => {
    for (const { url, signature } of V7.cases) {
      expect(await jssdkSignature(V7.jsapi_ticket, V7.noncestr, V7.timestamp, url)).toBe(signature);
    }
  });

  it("strips the fragment and nothing else (no trailing slash, no re-encoding)", async () => {
    const [withQuery, bare] = V7.cases;
    expect(
      await jssdkSignature(
        V7.jsapi_ticket,
        V7.noncestr,
        V7.timestamp,
        `${withQuery.url}#/spa/route?x=1`,
      ),
    ).toBe(withQuery.signature);
    expect(signableUrl(`${bare.url}#`)).toBe(bare.url);
    expect(signableUrl("https://a.example/p?q=%E4%BD%A0")).toBe("https://a.example/p?q=%E4%BD%A0");
  });

  it("builds a wx.config argument with a seconds timestamp and a 16-character nonce", async () => {
    const config = await buildJssdkConfig(
      "wxabc",
      V7.jsapi_ticket,
      V7.cases[1].url,
      1_414_587_457_123,
    );
    expect(config.timestamp).toBe(1_414_587_457);
    expect(config.nonceStr).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(config.signature).toBe(
      await jssdkSignature(V7.jsapi_ticket, config.nonceStr, config.timestamp, V7.cases[1].url),
    );
  });
});

describe("GET /jssdk/config", () => {
  let fake: InstalledFakeWeChat;
  afterEach(() => fake.uninstall());

  it("signs an allowed page with the authority's ticket, fetched once", async () => {
    fake = await startClean();
    const page = "https://app.example.com/shop?id=7&from=menu#/cart";
    const answers = [];
    for (let i = 0; i < 3; i++) {
      const res = await appFetch(`/jssdk/config?url=${encodeURIComponent(page)}`, {}, PAGES);
      expect(res.status).toBe(200);
      answers.push(
        (await res.json()) as {
          appId: string;
          timestamp: number;
          nonceStr: string;
          signature: string;
        },
      );
    }
    const ticket = fake.credentials.tickets.get(APPID)!.value;
    for (const config of answers) {
      expect(config.appId).toBe(APPID);
      const expected = await sha1Hex(
        `jsapi_ticket=${ticket}&noncestr=${config.nonceStr}&timestamp=${config.timestamp}&url=https://app.example.com/shop?id=7&from=menu`,
      );
      expect(config.signature).toBe(expected);
      expect(JSON.stringify(config)).not.toContain(ticket);
    }
    expect(fake.count("/cgi-bin/ticket/getticket")).toBe(1);
  });

  it("refuses pages outside ALLOWED_ORIGINS ('*' never counts) and malformed URLs with 400", async () => {
    fake = await startClean();
    const cases: [string, Record<string, string>, RegExp][] = [
      ["", PAGES, /url is required/],
      ["https://evil.example/", PAGES, /not in ALLOWED_ORIGINS/],
      ["https://app.example.com.evil.example/", PAGES, /not in ALLOWED_ORIGINS/],
      ["https://app.example.com/", { ALLOWED_ORIGINS: "*" }, /not in ALLOWED_ORIGINS/],
      ["/relative/page", PAGES, /absolute/],
      ["https://app.example.com/?a=1&amp;b=2", PAGES, /&amp;/],
    ];
    for (const [url, env, reason] of cases) {
      const res = await appFetch(`/jssdk/config?url=${encodeURIComponent(url)}`, {}, env);
      expect(res.status, url).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(reason);
    }
    expect(fake.count("/cgi-bin/ticket/getticket")).toBe(0);
  });

  it("answers CORS for an allowed page origin only", async () => {
    fake = await startClean();
    const url = `/jssdk/config?url=${encodeURIComponent("http://localhost:5173/")}`;
    const allowed = await appFetch(url, { headers: { origin: "http://localhost:5173" } }, PAGES);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
    const other = await appFetch(url, { headers: { origin: "https://evil.example" } }, PAGES);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("reports a getticket failure with its errcode, not a crash", async () => {
    fake = await startClean();
    fake.inject(
      { errcode: 48001, errmsg: "api unauthorized" },
      { path: "/cgi-bin/ticket/getticket" },
    );
    const res = await appFetch(
      `/jssdk/config?url=${encodeURIComponent("https://app.example.com/")}`,
      {},
      PAGES,
    );
    // The ticket comes from the token authority: its failure is "no credential to be had", 503,
    // with WeChat's errcode and our hint (src/http/api-error-response.ts).
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ errcode: 48001 });
  });

  it("tells a stranger the errcode and our hint, never WeChat's errmsg (40164 names the egress IP)", async () => {
    fake = await startClean({ ipWhitelist: ["198.51.100.1"], clientIp: "203.0.113.44" });
    const res = await appFetch(
      `/jssdk/config?url=${encodeURIComponent("https://app.example.com/")}`,
      {},
      PAGES,
    );
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ errcode: 40164 });
    expect(JSON.parse(text).hint).toMatch(/IP whitelist/);
    expect(text).not.toContain("203.0.113.44");
    expect(text).not.toMatch(/invalid ip|not in whitelist|rid:/);
  });
});
