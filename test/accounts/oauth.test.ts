/**
 * Web OAuth for a listed account: /oauth/login?appid= sends the follower to WeChat with that
 * account's appid and a callback that names it again, so the code is exchanged with the same
 * account's AppSecret (WeChat binds a code to the appid that asked for it) and the session is
 * sealed with that account's key.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { installFakeWeChat, type InstalledFakeWeChat } from "../../dev/fake-wechat/install";
import { platformState } from "../../dev/fake-wechat/platform-state";
import { CookieJar, ORIGIN } from "../fixtures/platform-app";
import { PLAIN, SAFE } from "./accounts";
import { accountsWorker, LISTED_ONLY } from "./drive";
import { FAKE_ACCOUNTS } from "./tokens";

let fake: InstalledFakeWeChat;
beforeEach(() => {
  fake = installFakeWeChat({ accounts: FAKE_ACCOUNTS });
  // The authorize page lives on open.weixin.qq.com: the same fake answers it.
  const inner = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const request = new Request(input, init);
    return request.url.startsWith("https://open.weixin.qq.com/")
      ? fake.fetch(request)
      : inner(input, init);
  };
  const uninstall = fake.uninstall.bind(fake);
  fake.uninstall = () => {
    globalThis.fetch = inner;
    uninstall();
  };
  platformState(fake).oauthUser = {
    openid: "oListedAccountUser0000000001",
    nickname: "小红",
    headimgurl: "https://thirdwx.qlogo.cn/mmopen/def/132",
  };
});
afterEach(() => fake.uninstall());

describe("web OAuth for one of several accounts", () => {
  it("login?appid= → WeChat with that appid → callback?appid= → a session for that account", async () => {
    const { fetch } = accountsWorker();
    const get = (path: string, jar: CookieJar) =>
      fetch(path, { headers: jar.header(), redirect: "manual" }, LISTED_ONLY);
    const jar = new CookieJar();
    const login = await get(`/oauth/login?appid=${PLAIN.appid}`, jar);
    expect(login.status).toBe(302);
    jar.take(login);
    const authorize = new URL(login.headers.get("location")!);
    expect(authorize.searchParams.get("appid")).toBe(PLAIN.appid);
    expect(authorize.searchParams.get("redirect_uri")).toBe(
      `${ORIGIN}/oauth/callback?appid=${PLAIN.appid}`,
    );
    const page = await globalThis.fetch(authorize.toString().split("#")[0]!, {
      redirect: "manual",
    });
    const back = new URL(page.headers.get("location")!);
    expect(back.searchParams.get("appid")).toBe(PLAIN.appid);

    const done = await get(back.pathname + back.search, jar);
    expect(done.status).toBe(302);
    jar.take(done);
    const me = await get(`/oauth/me?appid=${PLAIN.appid}`, jar);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ openid: "oListedAccountUser0000000001" });
    // Another account's key does not open it (no SESSION_SECRET: each account's own key).
    expect((await get(`/oauth/me?appid=${SAFE.appid}`, jar)).status).toBe(401);
    expect((await get("/oauth/me", jar)).status).toBe(400);
  });
});
