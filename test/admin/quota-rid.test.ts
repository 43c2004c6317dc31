/**
 * POST /admin/quota/clear (clear_quota/v2 with the AppSecret, refused within 24 h unless forced)
 * and GET /admin/rid/:rid (openapi/rid/get, credentials redacted) against the fake WeChat.
 */
import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { InstalledFakeWeChat } from "../../dev/fake-wechat/install";
import { ridOf } from "../../src/wechat/api/errors";
import { admin, authority, cleanAccount } from "../diagnose/helpers";
import { APPSECRET } from "../token/helpers";

let fake: InstalledFakeWeChat;
afterEach(() => fake?.uninstall());

const CLEAR = "/cgi-bin/clear_quota/v2";

describe("POST /admin/quota/clear", () => {
  it("resets the quotas once, refuses a second reset within 24 h (429) unless forced, and never answers the AppSecret", async () => {
    fake = await cleanAccount();
    const first = await admin("POST", "/admin/quota/clear");
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ ok: true, resets_last_month: 1 });
    expect(fake.count(CLEAR)).toBe(1);
    // No token was needed: clear_quota/v2 takes the AppSecret.
    expect(fake.tokenFetches()).toBe(0);

    const second = await admin("POST", "/admin/quota/clear");
    expect(second.status).toBe(429);
    expect(second.body.error).toMatch(/10 resets a month.*\?force=1/);
    expect(Number(second.headers.get("retry-after"))).toBeGreaterThan(86_000);
    expect(fake.count(CLEAR)).toBe(1);

    const forced = await admin("POST", "/admin/quota/clear?force=1");
    expect(forced.status).toBe(200);
    expect(forced.body.resets_last_month).toBe(2);
    expect(fake.count(CLEAR)).toBe(2);
    for (const answer of [first, second, forced]) expect(answer.text).not.toContain(APPSECRET);
  });

  it("a reset more than 24 h ago does not block the next", async () => {
    fake = await cleanAccount();
    await admin("POST", "/admin/quota/clear");
    await runInDurableObject(authority(), async (_, state) => {
      const record = await state.storage.get<{ lastAt: number; recent: number[] }>("quota-clear");
      const dayAgo = Date.now() - 86_400_001;
      await state.storage.put("quota-clear", { lastAt: dayAgo, recent: [dayAgo] });
      expect(record?.recent).toHaveLength(1);
    });
    expect((await admin("POST", "/admin/quota/clear")).status).toBe(200);
    expect(fake.count(CLEAR)).toBe(2);
  });

  it("the reset counters are what quota/get reports afterwards", async () => {
    fake = await cleanAccount();
    await admin("GET", "/admin/check");
    const before = await admin("GET", "/admin/diagnose");
    expect(before.body.checks.quota.apis["/cgi-bin/stable_token"].used).toBe(1);
    await admin("POST", "/admin/quota/clear");
    const after = await admin("GET", "/admin/diagnose");
    expect(after.body.checks.quota.apis["/cgi-bin/stable_token"].used).toBe(0);
    expect(after.body.checks.quota.quota_clears.last_month).toBe(1);
  });

  it("WeChat's 48006 (10 a month used) comes back with its hint, and does not count as a reset", async () => {
    fake = await cleanAccount();
    for (let i = 0; i < 10; i++) {
      expect((await admin("POST", "/admin/quota/clear?force=1")).status).toBe(200);
    }
    const refused = await admin("POST", "/admin/quota/clear?force=1");
    expect(refused.status).toBe(502);
    expect(refused.body).toMatchObject({ errcode: 48006 });
    expect(refused.body.hint).toMatch(/10 quota resets this month/);
    const record = await authority().quotaClears();
    expect(record?.recent).toHaveLength(10);
  });
});

describe("GET /admin/rid/:rid", () => {
  it("refuses a malformed rid with 400 before calling WeChat", async () => {
    fake = await cleanAccount();
    for (const rid of ["nope", "61725984-6126f6f9", "61725984-6126f6f9-040f19cz", "x".repeat(26)]) {
      const answer = await admin("GET", `/admin/rid/${rid}`);
      expect(answer.status, rid).toBe(400);
      expect(answer.body.error).toMatch(/three groups of 8 hex digits/);
    }
    expect(fake.count()).toBe(0);
  });

  it("shows what WeChat recorded of a failed call, with the access_token redacted", async () => {
    fake = await cleanAccount();
    fake.inject(
      { errcode: 48001, errmsg: "api unauthorized" },
      { path: "/cgi-bin/get_api_domain_ip", times: 1 },
    );
    const failed = await admin("GET", "/admin/check");
    expect(failed.body.errcode).toBe(48001);
    const rid = ridOf(failed.body.errmsg);
    expect(rid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/);

    const answer = await admin("GET", `/admin/rid/${rid}`);
    expect(answer.status).toBe(200);
    expect(answer.body.rid).toBe(rid);
    expect(answer.body.request).toMatchObject({
      request_url: "access_token=[redacted]",
      client_ip: fake.clientIp,
    });
    expect(answer.body.request.response_body).toContain("48001");
    expect(Date.parse(answer.body.request.invoke_time_iso)).toBeGreaterThan(0);
    for (const token of fake.credentials.tokens.keys()) expect(answer.text).not.toContain(token);
  });

  it("an unknown rid is WeChat's 76001 with its hint", async () => {
    fake = await cleanAccount();
    const answer = await admin("GET", "/admin/rid/61725984-6126f6f9-040f19c4");
    expect(answer.status).toBe(502);
    expect(answer.body).toMatchObject({ errcode: 76001 });
    expect(answer.body.hint).toMatch(/7 days/);
  });
});
