/**
 * GET /admin/diagnose against the fake WeChat: a healthy account has no problems; a 40164 names
 * the IP WeChat saw and the whitelist or proxy fix; a 48001 learnt from any API call says the
 * account needs verification, and a later success forgets it; each check fails on its own.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { setCallbackCheck, setDailyLimit } from "../../dev/fake-wechat/endpoints/openapi";
import type { InstalledFakeWeChat } from "../../dev/fake-wechat/install";
import { platformState, recordInteraction } from "../../dev/fake-wechat/platform-state";
import type { AccountConfig } from "../../src/config";
import { diagnoseAccount } from "../../src/diagnose";
import { APPID, APPSECRET, config } from "../token/helpers";
import { admin, ADMIN_KEY, authority, cleanAccount } from "./helpers";

const OPENID = "oFollower000000000000000042";
const text = { touser: OPENID, msgtype: "text", text: { content: "hello" } };

let fake: InstalledFakeWeChat;
afterEach(() => fake?.uninstall());

interface Problem {
  what: string;
  why: string;
  fix: string;
  errcode?: number;
}

describe("GET /admin/diagnose", () => {
  it("a healthy account: every check ok, no problems, one token fetch, the quotas of the APIs the Worker uses", async () => {
    fake = await cleanAccount();
    const answer = await admin("GET", "/admin/diagnose");
    expect(answer.status).toBe(200);
    expect(answer.headers.get("cache-control")).toBe("no-store");
    const { body } = answer;
    expect(body.account).toEqual({ appid: APPID });
    expect(body.problems).toEqual([]);
    expect(body.ok).toBe(true);
    for (const name of ["token", "api_domain", "callback", "quota", "permissions"]) {
      expect(body.checks[name].state, name).toBe("ok");
    }
    expect(body.checks.token).toMatchObject({ configured_source: "stable", source: "stable" });
    expect(body.checks.token.age_seconds).toBeGreaterThanOrEqual(0);
    expect(body.checks.api_domain).toMatchObject({ reachable: true, api_domain_ips: 3 });
    expect(body.checks.callback.dns).toEqual([{ ip: "198.51.100.20", operator: "CAP" }]);
    expect(Object.keys(body.checks.quota.apis)).toEqual([
      "/cgi-bin/message/custom/send",
      "/cgi-bin/message/template/send",
      "/cgi-bin/message/subscribe/bizsend",
      "/cgi-bin/qrcode/create",
      "/cgi-bin/stable_token",
    ]);
    // The Worker fetched its token once; quota/get saw that fetch.
    expect(body.checks.quota.apis["/cgi-bin/stable_token"]).toMatchObject({ used: 1 });
    expect(fake.tokenFetches()).toBe(1);
    expect(fake.count("/cgi-bin/openapi/quota/get")).toBe(5);
    expect(fake.count("/cgi-bin/callback/check")).toBe(1);
    expect(answer.text).not.toContain(APPSECRET);
    for (const token of fake.credentials.tokens.keys()) expect(answer.text).not.toContain(token);
  });

  it("needs the admin key", async () => {
    fake = await cleanAccount();
    expect((await admin("GET", "/admin/diagnose", { key: null })).status).toBe(401);
    expect((await admin("GET", "/admin/diagnose", { key: `${ADMIN_KEY}x` })).status).toBe(401);
    expect(fake.count()).toBe(0);
  });

  it("names a 40164 once, with the egress IP WeChat saw and the whitelist or fixed-IP proxy fix", async () => {
    fake = await cleanAccount({ ipWhitelist: ["198.51.100.1"], clientIp: "203.0.113.44" });
    const { status, body } = await admin("GET", "/admin/diagnose");
    expect(status).toBe(200);
    expect(body.ok).toBe(false);
    const ipProblems = (body.problems as Problem[]).filter((problem) => problem.errcode === 40164);
    expect(ipProblems).toHaveLength(1);
    expect(ipProblems[0]!.what).toContain("203.0.113.44");
    expect(ipProblems[0]!.why).toMatch(/IP whitelist/);
    expect(ipProblems[0]!.fix).toMatch(/Add 203\.0\.113\.44 .*IP白名单.*fixed-IP proxy/);
    expect(body.checks.token.state).toBe("problem");
    expect(body.checks.token.refresh.recent_failures.at(-1).errcode).toBe(40164);
    expect(body.checks.api_domain.state).toBe("could-not-run");
    // The permissions check reads the authority, not WeChat: it still answers.
    expect(body.checks.permissions.state).toBe("ok");
  });

  it("names a 48001 learnt from a customer-service send with its fix, and forgets it after a success", async () => {
    fake = await cleanAccount();
    recordInteraction(fake, OPENID, "message");
    platformState(fake).customerService = false;
    const refused = await admin("POST", "/admin/custom/send", { body: text });
    expect(refused.body.errcode).toBe(48001);
    await expect
      .poll(async () => (await authority().accountPermissions())["customer-service"])
      .toMatchObject({ allowed: false, errcode: 48001, path: "/cgi-bin/message/custom/send" });

    const { body } = await admin("GET", "/admin/diagnose");
    const problem = (body.problems as Problem[]).find((p) => p.errcode === 48001);
    expect(problem?.what).toMatch(/customer-service messages.*48001/);
    expect(problem?.fix).toMatch(/verified account \(微信认证\)/);
    expect(body.checks.permissions.refused["customer-service"]).toMatchObject({ errcode: 48001 });

    platformState(fake).customerService = true;
    expect((await admin("POST", "/admin/custom/send", { body: text })).status).toBe(200);
    await expect
      .poll(async () => (await authority().accountPermissions())["customer-service"])
      .toBeUndefined();
    const after = await admin("GET", "/admin/diagnose");
    expect(after.body.problems).toEqual([]);
  });

  it("names a 48001 on a fresh account without customer service, found by a read-only probe, and remembers it", async () => {
    fake = await cleanAccount();
    platformState(fake).customerService = false;
    const { body } = await admin("GET", "/admin/diagnose");
    expect(body.checks.permissions.state).toBe("problem");
    expect(body.checks.permissions.probed).toEqual({
      "customer-service": "refused",
      template: "allowed",
    });
    const problem = (body.problems as Problem[]).find((p) => p.errcode === 48001);
    expect(problem?.what).toMatch(/customer-service messages \(客服消息\)/);
    expect(problem?.why).toMatch(/verified account/);
    expect(problem?.fix).toMatch(/This needs a verified account \(微信认证\)/);
    // Nothing was sent to anyone: the probe only lists the customer-service staff.
    expect(fake.count("/cgi-bin/message/custom/send")).toBe(0);
    await expect
      .poll(async () => (await authority().accountPermissions())["customer-service"])
      .toMatchObject({ allowed: false, errcode: 48001, path: "/cgi-bin/customservice/getkflist" });
  });

  it("learns a 48001 from any API the Worker calls, by area: a menu refusal reads as the menu API's", async () => {
    fake = await cleanAccount();
    fake.inject({ errcode: 48001, errmsg: "api unauthorized" }, { path: "/cgi-bin/menu/create" });
    const menu = { button: [{ type: "click", name: "Hi", key: "hi" }] };
    expect((await admin("POST", "/admin/menu", { body: menu })).body.errcode).toBe(48001);
    await expect
      .poll(async () => (await authority().accountPermissions()).menu)
      .toMatchObject({ allowed: false, errcode: 48001, path: "/cgi-bin/menu/create" });
    const { body } = await admin("GET", "/admin/diagnose");
    const problem = (body.problems as Problem[]).find((p) => p.errcode === 48001);
    expect(problem?.what).toMatch(/the custom menu API \(自定义菜单\)/);
    // An errcode that says nothing about the account's permissions teaches nothing.
    fake.clearFailures();
    fake.inject(
      { errcode: 40016, errmsg: "invalid button size" },
      { path: "/cgi-bin/menu/create" },
    );
    await admin("POST", "/admin/menu", { body: menu });
    expect((await authority().accountPermissions()).menu).toMatchObject({ errcode: 48001 });
  });

  it("learns a 48001 once: further refusals leave the learnt fact as it was", async () => {
    fake = await cleanAccount();
    recordInteraction(fake, OPENID, "message");
    platformState(fake).customerService = false;
    await admin("POST", "/admin/custom/send", { body: text });
    await expect
      .poll(async () => (await authority().accountPermissions())["customer-service"])
      .toBeDefined();
    const first = (await authority().accountPermissions())["customer-service"]!.learntAt;
    for (let i = 0; i < 3; i++) await admin("POST", "/admin/custom/send", { body: text });
    expect((await authority().accountPermissions())["customer-service"]!.learntAt).toBe(first);
  });

  it("says when no callback URL is set (40201), and the other checks still answer", async () => {
    fake = await cleanAccount();
    setCallbackCheck(fake, { errcode: 40201, errmsg: "invalid url" });
    const { body } = await admin("GET", "/admin/diagnose");
    expect(body.checks.callback.state).toBe("problem");
    const problem = (body.problems as Problem[]).find((p) => p.errcode === 40201);
    expect(problem?.fix).toMatch(/https:\/\/<your-domain>\/wechat/);
    expect(body.checks.api_domain.state).toBe("ok");
    expect(body.checks.quota.state).toBe("ok");
  });

  it("reports a check WeChat does not answer as could-not-run, and runs the others", async () => {
    fake = await cleanAccount();
    fake.inject("hang", { path: "/cgi-bin/callback/check" });
    const { status, body } = await admin("GET", "/admin/diagnose");
    expect(status).toBe(200);
    expect(body.checks.callback.state).toBe("could-not-run");
    expect(body.checks.callback.error).toMatch(/callback\/check/);
    expect(body.checks.api_domain.state).toBe("ok");
    expect(body.checks.token.state).toBe("ok");
  });

  it("bounds each check in time: one still waiting at the bound is could-not-run, the others answer", async () => {
    fake = await cleanAccount();
    await admin("GET", "/admin/check");
    fake.inject("hang", { path: "/cgi-bin/callback/check" });
    // The bound is far below the API timeout, so the check is cut by the bound, not the transport.
    const diagnosis = await diagnoseAccount(env, config() as AccountConfig, {
      checkTimeoutMs: 100,
    });
    expect(diagnosis.checks.callback!.state).toBe("could-not-run");
    expect(diagnosis.problems.map((p) => p.what)).toContain(
      "callback/check did not answer within 0.1 s",
    );
    expect(diagnosis.checks.api_domain!.state).toBe("ok");
  });

  it("says when every ping from WeChat to the callback is lost", async () => {
    fake = await cleanAccount();
    setCallbackCheck(fake, {
      dns: [{ ip: "198.51.100.30", real_operator: "UNICOM" }],
      ping: [{ ip: "198.51.100.30", from_operator: "UNICOM", package_loss: "100%", time: "" }],
    });
    const { body } = await admin("GET", "/admin/diagnose");
    expect((body.problems as Problem[]).map((p) => p.what)).toContain(
      "WeChat cannot reach any of the callback's IPs",
    );
  });

  it("says when an API's daily quota is used up, with the reset", async () => {
    fake = await cleanAccount();
    recordInteraction(fake, OPENID, "message");
    setDailyLimit(fake, "/cgi-bin/message/custom/send", 2);
    await admin("POST", "/admin/custom/send", { body: text });
    await admin("POST", "/admin/custom/send", { body: text });
    const { body } = await admin("GET", "/admin/diagnose");
    expect(body.checks.quota.apis["/cgi-bin/message/custom/send"]).toEqual({
      daily_limit: 2,
      used: 2,
      remain: 0,
    });
    const problem = (body.problems as Problem[]).find((p) => p.errcode === 45009);
    expect(problem?.what).toMatch(/customer-service messages .* used up/);
    expect(problem?.fix).toMatch(/POST \/admin\/quota\/clear/);
  });
});
