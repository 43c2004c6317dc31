/** Token set-up for several accounts: a clean authority and KV per account, the fake knowing each. */
import { abortAllDurableObjects, env, runInDurableObject } from "cloudflare:test";
import { FAKE_APPID, FAKE_APPSECRET } from "../../dev/fake-wechat/fake";
import { installFakeWeChat, type InstalledFakeWeChat } from "../../dev/fake-wechat/install";
import type { FakeWeChatOptions } from "../../dev/fake-wechat/fake";
import { LISTED } from "./accounts";

export const ALL_APPIDS = [FAKE_APPID, ...LISTED.map((account) => account.appid)];

/** Every account's appid and secret, as WeChat knows them. */
export const FAKE_ACCOUNTS: Record<string, string> = Object.fromEntries([
  [FAKE_APPID, FAKE_APPSECRET],
  ...LISTED.map((account) => [account.appid, account.appsecret]),
]);

export function authorityOf(appid: string) {
  return env.TOKEN_AUTHORITY.get(env.TOKEN_AUTHORITY.idFromName(appid));
}

/** Storage is isolated per test file only: wipe every account's authority and cache. */
export async function startClean(options: FakeWeChatOptions = {}): Promise<InstalledFakeWeChat> {
  for (const appid of ALL_APPIDS) {
    await runInDurableObject(authorityOf(appid), async (_, state) => {
      await state.storage.deleteAll();
      await state.storage.deleteAlarm();
    });
    await env.TOKEN_CACHE.delete(`access_token:${appid}`);
    await env.TOKEN_CACHE.delete(`jsapi_ticket:${appid}`);
  }
  await abortAllDurableObjects();
  return installFakeWeChat({ accounts: FAKE_ACCOUNTS, ...options });
}

/** The appid WeChat issued `token` to (the fake's own book). */
export function ownerOf(fake: InstalledFakeWeChat, token: string): string | undefined {
  return fake.credentials.tokens.get(token)?.appid;
}
