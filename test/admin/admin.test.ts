import {
  createExecutionContext,
  env,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { InstalledFakeWeChat } from "../../dev/fake-wechat/install";
import { createApp } from "../../src/app";
import { parrot } from "../../demo/parrot";
import { APPSECRET, authority, startClean } from "../token/helpers";

const ADMIN_KEY = "admin-key-for-tests-0123456789abcdef";
const app = createApp(parrot);
const withKey = { ...env, ADMIN_KEY };
const withoutKey = { ...env, ADMIN_KEY: undefined };

let fake: InstalledFakeWeChat;
afterEach(() => {
  fake?.uninstall();
  vi.restoreAllMocks();
});

async function get(path: string, options: { key?: string; env?: object } = {}) {
  const ctx = createExecutionContext();
  const headers =
    options.key === undefined ? undefined : { authorization: `Bearer ${options.key}` };
  const response = await app.fetch(
    new Request(`https://worker.test${path}`, { headers }),
    options.env ?? withKey,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: response.status, text: await response.text(), headers: response.headers };
}

describe("admin authentication", () => {
  it("answers 404 when ADMIN_KEY is unset, as for any unknown path", async () => {
    fake = await startClean();
    for (const path of ["/admin/token", "/admin/check"]) {
      const answer = await get(path, { key: "anything", env: withoutKey });
      expect(answer.status).toBe(404);
      expect(JSON.parse(answer.text)).toEqual({ error: "not found" });
    }
    expect(fake.count()).toBe(0);
  });

  it("answers 401 with nothing about the token for a missing or wrong key", async () => {
    fake = await startClean();
    await get("/admin/token", { key: ADMIN_KEY });
    for (const key of [undefined, "wrong", `${ADMIN_KEY}x`, ADMIN_KEY.slice(0, -1)]) {
      const answer = await get("/admin/token", { key });
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.text)).toEqual({ error: "unauthorized" });
      expect(answer.headers.get("www-authenticate")).toMatch(/^Bearer/);
    }
    expect(fake.tokenFetches()).toBe(1);
  });
});

describe("GET /admin/token (中控服务器)", () => {
  it("returns the token, its expiry and the refresh state", async () => {
    fake = await startClean();
    const answer = await get("/admin/token", { key: ADMIN_KEY });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("cache-control")).toBe("no-store");
    const body = JSON.parse(answer.text);
    const issued = [...fake.credentials.tokens.keys()];
    expect(body.access_token).toBe(issued[0]);
    expect(body.expires_in).toBeGreaterThan(7100);
    expect(Date.parse(body.expires_at)).toBeGreaterThan(Date.now());
    expect(body.refresh).toMatchObject({
      source: "stable",
      consecutive_failures: 0,
      recent_failures: [],
    });
    expect(Date.parse(body.refresh.refreshed_at)).toBeLessThanOrEqual(Date.now());
  });

  it("a burst of /admin/token and /admin/check causes exactly one token fetch", async () => {
    fake = await startClean();
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        get(i % 2 ? "/admin/token" : "/admin/check", { key: ADMIN_KEY }),
      ),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(fake.tokenFetches()).toBe(1);
  });

  it("answers 503 with the reason and the recent failures, and no token, while WeChat fails", async () => {
    fake = await startClean();
    fake.inject("busy", { path: "/cgi-bin/stable_token" });
    const answer = await get("/admin/token", { key: ADMIN_KEY });
    expect(answer.status).toBe(503);
    const body = JSON.parse(answer.text);
    expect(body.error).toMatch(/errcode -1/);
    expect(body.access_token).toBeUndefined();
    expect(body.refresh.recent_failures[0].errcode).toBe(-1);
    expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });
});

describe("GET /admin/check", () => {
  it("says when WeChat has refused the account customer service (48001), and what slow replies do", async () => {
    fake = await startClean();
    const before = JSON.parse((await get("/admin/check", { key: ADMIN_KEY })).text);
    expect(before.account).toMatchObject({
      customer_service: { allowed: "not refused so far" },
      slow_replies_held_through_retries: false,
    });
    await authority().noteRefusal("customer-service", 48001);
    const after = JSON.parse((await get("/admin/check", { key: ADMIN_KEY })).text);
    expect(after.account).toMatchObject({
      customer_service: { allowed: false, errcode: 48001 },
      slow_reply: "auto",
      slow_replies_held_through_retries: true,
    });
  });

  it("reports ok after one real call with the token", async () => {
    fake = await startClean();
    const answer = await get("/admin/check", { key: ADMIN_KEY });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({ ok: true, token_source: "stable" });
    expect(fake.count("/cgi-bin/get_api_domain_ip")).toBe(1);
    expect(answer.text).not.toContain([...fake.credentials.tokens.keys()][0]);
  });

  it("reports 40164 with the egress IP WeChat saw and the hint", async () => {
    fake = await startClean({ ipWhitelist: ["198.51.100.1"], clientIp: "203.0.113.44" });
    const answer = await get("/admin/check", { key: ADMIN_KEY });
    expect(answer.status).toBe(503);
    const body = JSON.parse(answer.text);
    expect(body).toMatchObject({ ok: false, errcode: 40164, ip: "203.0.113.44" });
    expect(body.hint).toMatch(
      /egress IP 203\.0\.113\.44 is not in the account's IP whitelist.*WECHAT_API_BASE/,
    );
  });

  it("reports an errcode from the call itself with its hint", async () => {
    fake = await startClean();
    fake.inject(
      { errcode: 48001, errmsg: "api unauthorized" },
      { path: "/cgi-bin/get_api_domain_ip" },
    );
    const answer = await get("/admin/check", { key: ADMIN_KEY });
    expect(answer.status).toBe(502);
    expect(JSON.parse(answer.text)).toMatchObject({
      ok: false,
      errcode: 48001,
      hint: expect.stringMatching(/permission/),
    });
  });
});

describe("secrets stay out of responses and logs", () => {
  it("no response but /admin/token and no log line carries the appsecret, a token or the admin key", async () => {
    const lines: string[] = [];
    for (const level of ["log", "warn", "error", "info", "debug"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(" "));
      });
    }
    fake = await startClean({ ipWhitelist: undefined });
    // The Durable Object has its own console: capture it there too.
    await runInDurableObject(authority(), () => {
      for (const level of ["log", "warn", "error"] as const) {
        vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
          lines.push(args.map(String).join(" "));
        });
      }
    });
    const responses: string[] = [];
    const record = async (path: string, key?: string) =>
      responses.push((await get(path, { key })).text);
    await record("/admin/check", ADMIN_KEY);
    const tokenAnswer = (await get("/admin/token", { key: ADMIN_KEY })).text;
    fake.revoke();
    await record("/admin/check", ADMIN_KEY);
    await record("/admin/token");
    await record("/admin/token", "wrong");
    await record("/healthz");
    fake.inject("busy", { path: "/cgi-bin/stable_token" });
    fake.revoke();
    await record("/admin/check", ADMIN_KEY);
    expect(
      lines.some((line) => line.includes("token.refreshed")),
      "refresh logged",
    ).toBe(true);
    expect(
      lines.some((line) => line.includes("wechat.api_error") && line.includes("40001")),
      "api error logged",
    ).toBe(true);
    const tokens = [...fake.credentials.tokens.keys()];
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    for (const text of [...responses, ...lines]) {
      expect(text).not.toContain(APPSECRET);
      expect(text).not.toContain(ADMIN_KEY);
      for (const token of tokens) expect(text).not.toContain(token);
    }
    expect(
      tokens.some((token) => tokenAnswer.includes(token)),
      "token answered",
    ).toBe(true);
  });
});
