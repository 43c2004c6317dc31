/**
 * The admin surface acts for a 第三方平台 authoriser named by ?appid= as for a configured account:
 * the platform APIs (menus, sends, tags, drafts …) go out with the authoriser's own
 * authorizer_access_token. An appid that never authorised the platform, or no longer does, is
 * 404 like any unknown appid; the token and diagnosis endpoints stay with configured accounts.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { InstalledFakeWeChat } from "../../dev/fake-wechat/install";
import { createApp } from "../../src/app";
import type { BotContext } from "../../src/bot/context";
import { WeChatRouter } from "../../src/wechat/router";
import { ORIGIN } from "../fixtures/platform-app";
import {
  ADMIN,
  AUTHORIZER,
  BEARER,
  authorizeThroughBrowser,
  pushTicket,
  startClean,
} from "./helpers";

const app = createApp(new WeChatRouter<BotContext>());
const MENU = { button: [{ type: "click", name: "今日", key: "TODAY" }] };

async function admin(path: string, init: RequestInit = {}) {
  const ctx = createExecutionContext();
  const response = await app.fetch(
    new Request(`${ORIGIN}${path}`, { ...init, headers: { ...BEARER, ...init.headers } }),
    { ...env, ...ADMIN },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

let fake: InstalledFakeWeChat;

beforeEach(async () => {
  fake = await startClean([AUTHORIZER]);
  await pushTicket(fake);
});
afterEach(() => fake.uninstall());

describe("admin calls for an authoriser", () => {
  it("creates and reads the authoriser's menu with its own token", async () => {
    await authorizeThroughBrowser(fake, AUTHORIZER);
    const created = await admin(`/admin/menu?appid=${AUTHORIZER}`, {
      method: "POST",
      body: JSON.stringify(MENU),
    });
    expect(created.status).toBe(200);
    const calls = fake.requests.filter((record) => record.path === "/cgi-bin/menu/create");
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ appid: AUTHORIZER, errcode: 0 });

    const read = await admin(`/admin/menu?appid=${AUTHORIZER}`);
    expect(read.status).toBe(200);
    expect(JSON.stringify(await read.json())).toContain("TODAY");
    // The platform's own account was never asked for a token.
    expect(fake.requests.some((record) => record.path === "/cgi-bin/stable_token")).toBe(false);
  });

  it("answers 404 for an appid that never authorised, or has withdrawn", async () => {
    const stranger = await admin("/admin/menu?appid=wx00000000000a0099");
    expect(stranger.status).toBe(404);
    await authorizeThroughBrowser(fake, AUTHORIZER);
    const removed = await admin(`/admin/component/authorizers/${AUTHORIZER}`, { method: "DELETE" });
    expect(removed.status).toBeLessThan(300);
    const gone = await admin(`/admin/menu?appid=${AUTHORIZER}`);
    expect(gone.status).toBe(404);
    expect(fake.requests.some((record) => record.path === "/cgi-bin/menu/get")).toBe(false);
  });

  it("keeps the token endpoint for configured accounts: an authoriser's token is not handed out", async () => {
    await authorizeThroughBrowser(fake, AUTHORIZER);
    const token = await admin(`/admin/token?appid=${AUTHORIZER}`);
    expect(token.status).toBe(404);
    expect(await token.text()).not.toContain("access_token");
  });

  it("needs the admin key", async () => {
    await authorizeThroughBrowser(fake, AUTHORIZER);
    const ctx = createExecutionContext();
    const response = await app.fetch(
      new Request(`${ORIGIN}/admin/menu?appid=${AUTHORIZER}`),
      { ...env, ...ADMIN },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(401);
  });
});
