/**
 * Shared set-up for the 第三方平台 tests: the fake WeChat with its component, the component's
 * Durable Objects wiped between tests, and helpers that act as WeChat (pushes) and as the
 * administrator's browser (the authorisation flow). The component settings come from the
 * `component` vitest project's env (FAKE_COMPONENT).
 */
import { abortAllDurableObjects, env, runInDurableObject } from "cloudflare:test";
import {
  componentTicketPush,
  FAKE_COMPONENT,
  simulateAuthorization,
  type ComponentPush,
} from "../../dev/fake-wechat/endpoints/component";
import { installFakeWeChat, type InstalledFakeWeChat } from "../../dev/fake-wechat/install";
import { appFetch, CookieJar } from "../fixtures/platform-app";

export const ADMIN = { ADMIN_KEY: "admin-key-for-tests-0123456789abcdef" };
export const BEARER = { authorization: `Bearer ${ADMIN.ADMIN_KEY}` };
export const AUTHORIZER = "wx00000000000a0001";

export function componentStub() {
  return env.COMPONENT_AUTHORITY.get(env.COMPONENT_AUTHORITY.idFromName(FAKE_COMPONENT.appid));
}

export function authorizerStub(appid = AUTHORIZER) {
  return env.AUTHORIZER_AUTHORITY.get(env.AUTHORIZER_AUTHORITY.idFromName(appid));
}

/** Wipes the component's objects (and `appids`' authorities), then installs the fake. */
export async function startClean(appids: string[] = [AUTHORIZER]): Promise<InstalledFakeWeChat> {
  for (const stub of [componentStub(), ...appids.map(authorizerStub)]) {
    await runInDurableObject(stub, async (_, state) => {
      await state.storage.deleteAlarm();
      await state.storage.deleteAll();
    });
  }
  await abortAllDurableObjects();
  return installFakeWeChat();
}

/** Delivers a component push as WeChat would (POST to /component/events). */
export function deliver(push: ComponentPush, overrides = {}) {
  return appFetch(
    push.path,
    { method: "POST", body: push.body, headers: { "content-type": "text/xml" } },
    overrides,
  );
}

/** WeChat pushes a fresh ticket; resolves with it once the Worker answered. */
export async function pushTicket(fake: InstalledFakeWeChat): Promise<string> {
  const push = await componentTicketPush(fake);
  const response = await deliver(push);
  if ((await response.text()) !== "success") throw new Error("the ticket push was refused");
  return push.ticket;
}

/**
 * The administrator's browser: opens /component/authorize (admin key), WeChat's page is
 * "completed" for `appid`, and the browser follows the redirect back with its cookie.
 */
export async function authorizeThroughBrowser(fake: InstalledFakeWeChat, appid = AUTHORIZER) {
  const jar = new CookieJar();
  const start = await appFetch("/component/authorize", { headers: BEARER }, ADMIN);
  if (start.status !== 302) throw new Error(`authorize answered ${start.status}`);
  jar.take(start);
  const page = new URL(start.headers.get("location")!);
  const { authCode, expiresIn } = simulateAuthorization(fake, appid);
  const callback = new URL(page.searchParams.get("redirect_uri")!);
  callback.searchParams.set("auth_code", authCode);
  callback.searchParams.set("expires_in", String(expiresIn));
  const done = await appFetch(callback.toString(), { headers: jar.header() });
  return { start, page, callback, done, authCode, jar };
}
