/**
 * WECHAT_ACCOUNTS is read once with the other variables: a malformed list stops every endpoint
 * with a 503 naming the entry and field, never a value; WECHAT_TOKEN is optional beside it.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { configuredAccount, defaultAccount, loadConfig } from "../../src/config";
import type { Env } from "../../src/env";
import { COMPATIBLE, LISTED, PLAIN, SAFE } from "./accounts";
import { accountsWorker, LISTED_ONLY } from "./drive";

afterEach(() => vi.restoreAllMocks());

const SECRET = "5ec2e75ec2e75ec2e75ec2e75ec2e75e";
const KEY = "Le4kMeLe4kMeLe4kMeLe4kMeLe4kMeLe4kMeLe4kMe0";
const list = (...entries: unknown[]) => JSON.stringify(entries);
const reasonOf = (overrides: Partial<Env>) => {
  const loaded = loadConfig({ ...env, ...overrides });
  return loaded.ok ? undefined : loaded.reason;
};

describe("a malformed WECHAT_ACCOUNTS answers 503 on every endpoint, naming the entry", () => {
  const entry = { appid: "wx4000000000000004", token: "goodToken4" };
  const cases: [string, string, string][] = [
    [
      "not JSON",
      `[{"appid": "wx4000000000000004", "appsecret": "${SECRET}"`,
      "WECHAT_ACCOUNTS must be a JSON list of accounts (it is not valid JSON)",
    ],
    [
      "not a list",
      JSON.stringify({ ...entry, appsecret: SECRET }),
      "WECHAT_ACCOUNTS must be a JSON list of accounts",
    ],
    [
      "an entry that is not an object",
      list(entry, SECRET),
      "WECHAT_ACCOUNTS[1] must be an object with appid and token",
    ],
    [
      "no token",
      list({ appid: entry.appid, appsecret: SECRET }),
      "WECHAT_ACCOUNTS[0].token is required",
    ],
    [
      "no appid",
      list({ token: "goodToken4", appsecret: SECRET }),
      "WECHAT_ACCOUNTS[0].appid is required",
    ],
    [
      "a short token",
      list(
        entry,
        { appid: "wx6000000000000006", token: "token6" },
        { appid: "wx5000000000000005", token: "ab" },
      ),
      "WECHAT_ACCOUNTS[2].token must be 3–32 letters and digits",
    ],
    [
      "a token that is a number",
      list({ ...entry, token: 12345 }),
      "WECHAT_ACCOUNTS[0].token must be 3–32 letters and digits",
    ],
    [
      "an uppercase appid",
      list({ ...entry, appid: "wxABCDEF0123456789" }),
      "WECHAT_ACCOUNTS[0].appid must be wx followed by 16 lowercase hex digits",
    ],
    [
      "a malformed appsecret",
      list({ ...entry, appsecret: `${SECRET}zz` }),
      "WECHAT_ACCOUNTS[0].appsecret must be 32 hex digits",
    ],
    [
      "a malformed key",
      list({ ...entry, encodingAESKey: `${KEY}!` }),
      "WECHAT_ACCOUNTS[0].encodingAESKey must be 43 base64 characters",
    ],
    [
      "a previous key without a key",
      list({ ...entry, encodingAESKeyPrevious: KEY }),
      "WECHAT_ACCOUNTS[0].encodingAESKeyPrevious needs WECHAT_ACCOUNTS[0].encodingAESKey",
    ],
    [
      "an unknown mode",
      list({ ...entry, mode: "secret-mode" }),
      "WECHAT_ACCOUNTS[0].mode must be plaintext, compatible or safe",
    ],
    [
      "safe without a key",
      list({ ...entry, mode: "safe" }),
      "WECHAT_ACCOUNTS[0].mode safe needs WECHAT_ACCOUNTS[0].encodingAESKey",
    ],
    [
      "a misspelt field",
      list({ ...entry, appSecret: SECRET }),
      "WECHAT_ACCOUNTS[0] has a field that is not one of appid, token, appsecret, encodingAESKey, encodingAESKeyPrevious, mode",
    ],
    [
      "a repeated appid",
      list(
        entry,
        { appid: "wx5000000000000005", token: "other5" },
        { ...entry, appsecret: SECRET },
      ),
      "WECHAT_ACCOUNTS[2].appid repeats WECHAT_ACCOUNTS[0].appid",
    ],
    [
      "the single account's appid",
      list({ appid: env.WECHAT_APPID, token: "goodToken4", appsecret: SECRET }),
      "WECHAT_ACCOUNTS[0].appid repeats WECHAT_APPID",
    ],
  ];

  it.each(cases)("%s", async (_, value, reason) => {
    expect(reasonOf({ WECHAT_ACCOUNTS: value })).toBe(reason);
    const logged: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...args) => void logged.push(args.join(" ")));
    const { fetch, runs } = accountsWorker();
    for (const path of [
      "/wechat",
      `/wechat/${SAFE.appid}`,
      "/healthz",
      "/admin/token",
      "/qr?scene=a",
    ]) {
      const response = await fetch(path, {}, { WECHAT_ACCOUNTS: value });
      expect(response.status, path).toBe(503);
      const body = await response.text();
      expect(JSON.parse(body), path).toEqual({ error: reason });
      for (const secret of [SECRET, KEY, "secret-mode", "12345"])
        expect(body).not.toContain(secret);
    }
    for (const secret of [SECRET, KEY]) expect(logged.join("\n")).not.toContain(secret);
    expect(runs).toEqual([]);
  });
});

describe("valid lists", () => {
  it("each entry becomes an account view: its own fields over the Worker-wide settings", () => {
    const loaded = loadConfig(env);
    if (!loaded.ok) throw new Error(loaded.reason);
    const { config } = loaded;
    expect([...config.accounts.keys()]).toEqual(LISTED.map((account) => account.appid));
    const safe = configuredAccount(config, SAFE.appid)!;
    expect(safe).toMatchObject({
      accountSource: "listed",
      appId: SAFE.appid,
      token: SAFE.token,
      appSecret: SAFE.appsecret,
      encodingAESKey: SAFE.encodingAESKey,
      messageMode: "safe",
      apiBase: config.apiBase,
      replyBudgetMs: config.replyBudgetMs,
    });
    // Nothing of the single account, nor of the other accounts, is in a listed account's view.
    expect(safe.accounts.size).toBe(0);
    expect(JSON.stringify({ ...safe })).not.toContain(env.WECHAT_APPSECRET!);
    expect(JSON.stringify({ ...safe })).not.toContain(env.WECHAT_ENCODING_AES_KEY!);
    expect(safe.encodingAESKeyPrevious).toBeUndefined();
    // The default mode follows WECHAT_MESSAGE_MODE's rule: plaintext without a key.
    const plain = configuredAccount(config, PLAIN.appid)!;
    expect([plain.messageMode, plain.encodingAESKey]).toEqual(["plaintext", undefined]);
    expect(configuredAccount(config, COMPATIBLE.appid)?.messageMode).toBe("compatible");
    // The single account is found by its appid too; anything else is not.
    expect(configuredAccount(config, env.WECHAT_APPID!)).toBe(config);
    expect(configuredAccount(config, "wx9999999999999999")).toBeUndefined();
  });

  it("the default mode is safe with a key, and the mode is read case-insensitively", () => {
    const loaded = loadConfig({
      ...env,
      WECHAT_ACCOUNTS: list(
        { appid: "wx4000000000000004", token: "token4", encodingAESKey: KEY },
        { appid: "wx5000000000000005", token: "token5", encodingAESKey: KEY, mode: "Compatible" },
      ),
    });
    if (!loaded.ok) throw new Error(loaded.reason);
    expect(configuredAccount(loaded.config, "wx4000000000000004")?.messageMode).toBe("safe");
    expect(configuredAccount(loaded.config, "wx5000000000000005")?.messageMode).toBe("compatible");
  });

  it("WECHAT_TOKEN is optional beside a list, and still required without one", () => {
    expect(reasonOf({ ...LISTED_ONLY })).toBeUndefined();
    expect(reasonOf({ ...LISTED_ONLY, WECHAT_ACCOUNTS: undefined })).toBe(
      "WECHAT_TOKEN is not set",
    );
    expect(reasonOf({ ...LISTED_ONLY, WECHAT_ACCOUNTS: "  " })).toBe("WECHAT_TOKEN is not set");
    expect(reasonOf({ ...LISTED_ONLY, WECHAT_ACCOUNTS: "[]" })).toBe("WECHAT_TOKEN is not set");
  });

  it("without a single account /wechat answers 503 naming WECHAT_TOKEN; the listed ones answer", async () => {
    const { fetch } = accountsWorker();
    const response = await fetch("/wechat?echostr=x", {}, LISTED_ONLY);
    expect(response.status).toBe(503);
    expect(await response.text()).toBe(
      "WECHAT_TOKEN is not set: each account's callback is /wechat/<appid>",
    );
  });

  it("the account a request means without ?appid=", () => {
    const pick = (overrides: Partial<Env>) => {
      const loaded = loadConfig({ ...env, ...overrides });
      if (!loaded.ok) throw new Error(loaded.reason);
      const chosen = defaultAccount(loaded.config);
      return chosen.ok ? chosen.config.appId : chosen.reason;
    };
    // The single account, whenever its WECHAT_APPID is set.
    expect(pick({})).toBe(env.WECHAT_APPID);
    // The only listed account.
    expect(pick({ ...LISTED_ONLY, WECHAT_ACCOUNTS: list(PLAIN) })).toBe(PLAIN.appid);
    expect(pick({ ...LISTED_ONLY })).toBe("several accounts are configured: add ?appid=");
    // A single account with only a token has no appid to call the API with: several listed win.
    expect(pick({ ...LISTED_ONLY, WECHAT_TOKEN: "singleToken" })).toBe(
      "several accounts are configured: add ?appid=",
    );
  });
});
