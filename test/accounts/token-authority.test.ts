/**
 * One token authority per account, each with its own AppSecret: found by the object's own name
 * (ctx.id.name), in calls and in alarms; one refresh in flight per account; the watchdog checks
 * every account that has a token to keep.
 */
import {
  abortAllDurableObjects,
  createExecutionContext,
  createScheduledController,
  env,
  runDurableObjectAlarm,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { FAKE_APPID } from "../../dev/fake-wechat/fake";
import type { InstalledFakeWeChat } from "../../dev/fake-wechat/install";
import { configuredAccount, loadConfig, type WeChatConfig } from "../../src/config";
import type { BotContext } from "../../src/bot/context";
import type { Env } from "../../src/env";
import { createApiClient } from "../../src/token";
import type { CredentialRecord } from "../../src/token/records";
import { WeChatRouter } from "../../src/wechat/router";
import { createWorker } from "../../src/worker";
import { COMPATIBLE, PLAIN, SAFE } from "./accounts";
import { authorityOf, ownerOf, startClean } from "./tokens";

let fake: InstalledFakeWeChat;
afterEach(() => fake?.uninstall());

function view(appid: string): WeChatConfig {
  const loaded = loadConfig(env);
  if (!loaded.ok) throw new Error(loaded.reason);
  return configuredAccount(loaded.config, appid)!;
}

describe("each account has its own token authority", () => {
  it("a storm of callers on two accounts: one fetch each, each token its own account's", async () => {
    fake = await startClean();
    const calls = [SAFE.appid, PLAIN.appid].flatMap((appid) =>
      Array.from({ length: 20 }, (_, i) =>
        i % 2
          ? createApiClient(env, view(appid)).getApiDomainIp()
          : authorityOf(appid).getAccessToken(),
      ),
    );
    await Promise.all(calls);
    expect(fake.tokenFetches()).toBe(2);
    for (const appid of [SAFE.appid, PLAIN.appid]) {
      const result = await authorityOf(appid).getAccessToken();
      if (!result.ok) throw new Error(result.reason);
      expect(ownerOf(fake, result.lease.value)).toBe(appid);
      const cached = await env.TOKEN_CACHE.get<{ value: string }>(`access_token:${appid}`, "json");
      expect(cached?.value).toBe(result.lease.value);
    }
    expect(fake.tokenFetches()).toBe(2);
  });

  it("each authority asks with its own AppSecret: a wrong one fails that account only", async () => {
    // WeChat knows SAFE with another secret than the one WECHAT_ACCOUNTS gives it.
    fake = await startClean();
    fake.accounts.set(SAFE.appid, "99999999999999999999999999999999");
    const safe = await authorityOf(SAFE.appid).getAccessToken();
    const plain = await authorityOf(PLAIN.appid).getAccessToken();
    const single = await authorityOf(FAKE_APPID).getAccessToken();
    expect(safe.ok).toBe(false);
    if (!safe.ok) expect(safe.upstream?.errcode).toBe(40125);
    expect(plain.ok && ownerOf(fake, plain.lease.value)).toBe(PLAIN.appid);
    expect(single.ok && ownerOf(fake, single.lease.value)).toBe(FAKE_APPID);
  });

  it("an authority named by an appid no account has refuses, and calls nothing", async () => {
    fake = await startClean();
    const stranger = await authorityOf("wx9999999999999999").getAccessToken();
    expect(stranger).toEqual({
      ok: false,
      reason: "no account with this appid is configured here",
      retryAfterSeconds: 0,
    });
    expect(fake.count()).toBe(0);
  });

  it("a listed account's alarm refreshes its token with its own secret", async () => {
    fake = await startClean();
    const first = await authorityOf(COMPATIBLE.appid).getAccessToken();
    fake.advance(7100);
    await runInDurableObject(authorityOf(COMPATIBLE.appid), async (_, state) => {
      const record = await state.storage.get<CredentialRecord>("record:access_token");
      await state.storage.put("record:access_token", {
        ...record!,
        expiresAt: Date.now() + 100_000,
        refreshedAt: Date.now() - 7_000_000,
      });
    });
    // Restart the object so that it reads the aged record, then let its alarm run.
    await abortAllDurableObjects();
    expect(await runDurableObjectAlarm(authorityOf(COMPATIBLE.appid))).toBe(true);
    expect(fake.tokenFetches()).toBe(2);
    const second = await authorityOf(COMPATIBLE.appid).getAccessToken();
    expect(first.ok && second.ok && first.lease.value !== second.lease.value).toBe(true);
    expect(second.ok && ownerOf(fake, second.lease.value)).toBe(COMPATIBLE.appid);
  });
});

describe("the cron watchdog", () => {
  const worker = createWorker(new WeChatRouter<BotContext>());
  async function cron(overrides: Partial<Env> = {}) {
    const ctx = createExecutionContext();
    await worker.scheduled(
      createScheduledController({ cron: "*/5 * * * *" }),
      { ...env, ...overrides },
      ctx,
    );
    await waitOnExecutionContext(ctx);
  }

  it("makes sure every account with an AppSecret has a token, and leaves fresh ones alone", async () => {
    fake = await startClean();
    await cron();
    expect(fake.tokenFetches()).toBe(4);
    for (const appid of [FAKE_APPID, SAFE.appid, PLAIN.appid, COMPATIBLE.appid]) {
      const status = await authorityOf(appid).status();
      expect(status[0]!.source, appid).toBe("stable");
    }
    await cron();
    expect(fake.tokenFetches()).toBe(4);
  });

  it("never wakes an account without an AppSecret", async () => {
    fake = await startClean();
    const accounts = JSON.stringify([
      { appid: PLAIN.appid, token: PLAIN.token, appsecret: PLAIN.appsecret },
      { appid: SAFE.appid, token: SAFE.token },
    ]);
    await cron({ WECHAT_ACCOUNTS: accounts });
    expect(fake.tokenFetches()).toBe(2);
    const safe = await runInDurableObject(authorityOf(SAFE.appid), (_, state) =>
      state.storage.get("record:access_token"),
    );
    expect(safe).toBeUndefined();
  });
});
