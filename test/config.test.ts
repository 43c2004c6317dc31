import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../src/config";
import type { Env } from "../src/env";
import { countingApp, verificationQuery } from "./fixtures/worker";

afterEach(() => vi.restoreAllMocks());

/** Requests the callback with one variable changed; returns the status, body and log output. */
async function withSetting(overrides: Partial<Env>) {
  const logged: string[] = [];
  const capture = (...args: unknown[]) => void logged.push(args.map(String).join(" "));
  vi.spyOn(console, "error").mockImplementation(capture);
  vi.spyOn(console, "warn").mockImplementation(capture);
  vi.spyOn(console, "log").mockImplementation(capture);
  const { fetch, state } = countingApp();
  const res = await fetch(`/wechat?${await verificationQuery("echo")}`, {}, overrides);
  return { status: res.status, body: await res.text(), log: logged.join("\n"), runs: state.runs };
}

describe("required and malformed settings answer 503 naming the variable", () => {
  it("missing WECHAT_TOKEN (unset, empty or blank)", async () => {
    for (const value of [undefined, "", "   "]) {
      const { status, body } = await withSetting({ WECHAT_TOKEN: value });
      expect(status).toBe(503);
      expect(body).toContain("WECHAT_TOKEN");
      expect(body).not.toMatch(/\n|at .*\(/); // one line, no stack trace
    }
  });

  it.each([
    ["WECHAT_TOKEN", "ab"],
    ["WECHAT_TOKEN", "tokenWith-Dash1"],
    ["WECHAT_TOKEN", "t".repeat(33)],
    ["WECHAT_TOKEN", "令牌令牌令牌"],
    ["WECHAT_APPID", "wxLEAKME"],
    ["WECHAT_APPID", "wx0123456789abcdefLEAKME"],
    ["WECHAT_APPID", "ab0123456789abcdef"],
    // Compared byte for byte with the appid inside encrypted pushes, which WeChat writes lowercase.
    ["WECHAT_APPID", "wxABCDEF0123456789"],
    ["WECHAT_APPSECRET", "LEAKME0123456789abcdef0123456789"],
    ["WECHAT_APPSECRET", "0123456789abcdef"],
    ["WECHAT_ENCODING_AES_KEY", "LEAKME"],
    ["WECHAT_ENCODING_AES_KEY", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEF!"],
    ["WECHAT_ENCODING_AES_KEY", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH"],
    ["WECHAT_API_BASE", "not a url LEAKME"],
    ["WECHAT_API_BASE", "ftp://LEAKME.example"],
    ["WECHAT_API_BASE", "https://proxy.example/?key=LEAKME"],
    ["WECHAT_API_BASE", "https://user:LEAKME@proxy.example/"],
    ["ALLOWED_ORIGINS", "https://ok.example, LEAKME"],
    ["ALLOWED_ORIGINS", "javascript:LEAKME"],
    ["WECHAT_MESSAGE_MODE", "LEAKME"],
    ["WECHAT_SLOW_REPLY", "LEAKME"],
    ["WECHAT_SLOW_PLACEHOLDER", "LEAKME".repeat(100)],
    ["WECHAT_CONVERSATION_TTL_DAYS", "LEAKME"],
    ["WECHAT_CONVERSATION_TTL_DAYS", "9999"],
    ["QR_NEW_SCENES_PER_DAY", "LEAKME"],
    ["WECHAT_ENCODING_AES_KEY_PREVIOUS", "LEAKME"],
    ["WECHAT_ACCOUNTS", "[LEAKME"],
    ["WECHAT_ACCOUNTS", '{"LEAKME": 1}'],
    ["WECHAT_ACCOUNTS", '[{"appid": "LEAKME", "token": "abcd"}]'],
    ["WECHAT_ACCOUNTS", '[{"appid": "wx4000000000000004", "token": "LEAKME!"}]'],
    [
      "WECHAT_ACCOUNTS",
      '[{"appid": "wx4000000000000004", "token": "abcd", "appsecret": "LEAKME"}]',
    ],
    ["WECHAT_ACCOUNTS", '[{"appid": "wx4000000000000004", "token": "abcd", "LEAKME": "x"}]'],
  ] as const)("%s = %j", async (name, value) => {
    const { status, body, log, runs } = await withSetting({ [name]: value });
    expect(status).toBe(503);
    expect(body).toContain(name);
    expect(body).not.toContain(value);
    expect(body).not.toContain("LEAKME");
    expect(body).not.toMatch(/\n/);
    expect(log).not.toContain("LEAKME");
    expect(runs).toBe(0);
  });
});

describe("valid settings", () => {
  it("the test env is valid", () => {
    expect(loadConfig(env).ok).toBe(true);
  });

  it("without WECHAT_ACCOUNTS the config is the single account's view, as before", () => {
    const loaded = loadConfig(env);
    if (!loaded.ok) throw new Error(loaded.reason);
    expect(loaded.config.accountSource).toBe("single");
    expect(loaded.config.accounts.size).toBe(0);
    expect(loaded.config.token).toBe(env.WECHAT_TOKEN);
  });

  it("optional settings may be absent; the callback still verifies", async () => {
    const { status, body } = await withSetting({
      WECHAT_APPID: undefined,
      WECHAT_APPSECRET: undefined,
      WECHAT_ENCODING_AES_KEY: undefined,
      WECHAT_MESSAGE_MODE: undefined,
      WECHAT_API_BASE: undefined,
      ALLOWED_ORIGINS: undefined,
      ADMIN_KEY: undefined,
    });
    expect(status).toBe(200);
    expect(body).toBe("echo");
  });

  it.each([
    ["WECHAT_TOKEN", "abc"],
    ["WECHAT_TOKEN", "A1".repeat(16)],
    ["WECHAT_APPSECRET", "ABCDEF0123456789abcdef0123456789"],
    ["WECHAT_API_BASE", "http://127.0.0.1:8787/"],
    ["WECHAT_API_BASE", "https://proxy.example/wechat"],
    ["ALLOWED_ORIGINS", "https://a.example, http://localhost:5173"],
  ] as const)("%s = %j is accepted", async (name, value) => {
    const overrides = { [name]: value } as Partial<Env>;
    const result = loadConfig({ ...env, ...overrides });
    expect(result.ok && true).toBe(true);
  });

  it("normalises WECHAT_API_BASE and ALLOWED_ORIGINS", () => {
    const result = loadConfig({
      ...env,
      WECHAT_API_BASE: "https://proxy.example/wechat/",
      ALLOWED_ORIGINS: " https://a.example/path , http://LOCALHOST:5173 ,",
    });
    if (!result.ok) throw new Error(result.reason);
    expect(result.config.apiBase).toBe("https://proxy.example/wechat");
    expect(result.config.allowedOrigins).toEqual(["https://a.example", "http://localhost:5173"]);
  });

  it("defaults the API base to WeChat's and the replay window to 300 s", () => {
    const result = loadConfig({ ...env, WECHAT_API_BASE: undefined });
    if (!result.ok) throw new Error(result.reason);
    expect(result.config.apiBase).toBe("https://api.weixin.qq.com");
    expect(result.config.timestampToleranceSeconds).toBe(300);
  });
});

describe("WECHAT_TIMESTAMP_TOLERANCE", () => {
  it("widens the replay window when set, and is refused when malformed", async () => {
    const { fetch } = countingApp();
    const halfHourOld = Math.floor(Date.now() / 1000) - 1800;
    const path = async () => `/wechat?${await verificationQuery("echo", halfHourOld)}`;
    expect((await fetch(await path())).status).toBe(401);
    const wide = await fetch(await path(), {}, { WECHAT_TIMESTAMP_TOLERANCE: "3600" });
    expect(wide.status).toBe(200);
    const { status, body } = await withSetting({ WECHAT_TIMESTAMP_TOLERANCE: "ten minutes" });
    expect(status).toBe(503);
    expect(body).toContain("WECHAT_TIMESTAMP_TOLERANCE");
  });
});

describe("WECHAT_DEDUPE_RECORD_DELAY_MS", () => {
  it("defaults to 2000 ms, takes 0-3000, and names itself when out of range", async () => {
    const unset = loadConfig({ ...env, WECHAT_DEDUPE_RECORD_DELAY_MS: undefined });
    if (!unset.ok) throw new Error(unset.reason);
    expect(unset.config.dedupeRecordDelayMs).toBe(2000);
    const zero = loadConfig({ ...env, WECHAT_DEDUPE_RECORD_DELAY_MS: "0" });
    if (!zero.ok) throw new Error(zero.reason);
    expect(zero.config.dedupeRecordDelayMs).toBe(0);
    // Past 3 s an answer might not be recorded before WeChat's first re-send.
    const { status, body } = await withSetting({ WECHAT_DEDUPE_RECORD_DELAY_MS: "5000" });
    expect(status).toBe(503);
    expect(body).toContain("WECHAT_DEDUPE_RECORD_DELAY_MS");
  });
});
