/** Shared set-up for the token tests: a clean authority and KV per test, and the fake installed. */
import { abortAllDurableObjects, env, runInDurableObject } from "cloudflare:test";
import { installFakeWeChat, type InstalledFakeWeChat } from "../../dev/fake-wechat/install";
import type { FakeWeChatOptions } from "../../dev/fake-wechat/fake";
import { loadConfig, type WeChatConfig } from "../../src/config";
import type { CredentialRecord } from "../../src/token/records";

export const APPID = env.WECHAT_APPID!;
export const APPSECRET = env.WECHAT_APPSECRET!;

export function authority() {
  return env.TOKEN_AUTHORITY.get(env.TOKEN_AUTHORITY.idFromName(APPID));
}

export function config(): WeChatConfig {
  const loaded = loadConfig(env);
  if (!loaded.ok) throw new Error(loaded.reason);
  return loaded.config;
}

/** Storage is isolated per test file only: wipe the authority and the cache between tests. */
export async function startClean(options: FakeWeChatOptions = {}): Promise<InstalledFakeWeChat> {
  await runInDurableObject(authority(), async (_, state) => {
    await state.storage.deleteAll();
    await state.storage.deleteAlarm();
  });
  await abortAllDurableObjects();
  await env.TOKEN_CACHE.delete(`access_token:${APPID}`);
  await env.TOKEN_CACHE.delete(`jsapi_ticket:${APPID}`);
  return installFakeWeChat(options);
}

/** Rewrites the stored access_token's times, as if it had been fetched long ago. */
export async function ageStoredToken(expiresInMs: number, kind = "access_token") {
  await runInDurableObject(authority(), async (_, state) => {
    const record = await state.storage.get<CredentialRecord>(`record:${kind}`);
    if (!record) throw new Error("no stored record");
    const aged = {
      ...record,
      expiresAt: Date.now() + expiresInMs,
      refreshedAt: Date.now() - 7_000_000,
    };
    await state.storage.put(`record:${kind}`, aged);
  });
  // The object keeps its state in memory too: restart it so it reads the aged record.
  await abortAllDurableObjects();
  await env.TOKEN_CACHE.delete(`${kind}:${APPID}`);
}
