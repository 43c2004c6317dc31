/**
 * The 第三方平台 mode: the Worker is also an open platform component (WECHAT_COMPONENT_*, the
 * fake's FAKE_COMPONENT, its API at the simulator), and two demo accounts authorise it. On
 * entering the mode the simulator does what WeChat and an administrator would:
 *
 * 1. WeChat pushes a component_verify_ticket to /component/events (signed and encrypted with the
 *    component's token and key), without which the Worker cannot get a component_access_token;
 * 2. for each demo account, the administrator's browser opens /component/authorize (admin key),
 *    follows the 302 to WeChat's authorisation page (the fake's componentloginpage, which agrees
 *    at once for `biz_appid`), and comes back to /component/callback with the auth_code and the
 *    state cookie; the Worker calls api_query_auth and registers the account;
 * 3. the simulator checks that /admin/component/authorizers lists both, active.
 *
 * Then each account's follower messages go to /wechat/<its appid>, sealed with the component's
 * token and key (the receive-id inside is the component's appid), as WeChat sends them to
 * 第三方平台 (always encrypted).
 */
import { createHash } from "node:crypto";
import { componentTicketPush, FAKE_COMPONENT } from "../fake-wechat/endpoints/component";
import type { FakeWeChat } from "../fake-wechat/fake";
import type { PlaygroundCredentials } from "./credentials";
import type { ChatAccount } from "./session";

/** The two accounts that authorise the playground's 第三方平台. */
export const DEMO_AUTHORIZERS = [
  { appId: "wx0a0a0a0a0a0a0001", name: "示例公众号 A" },
  { appId: "wx0b0b0b0b0b0b0002", name: "示例公众号 B" },
] as const;

/** The Worker's component settings: the fake's component, its API at the simulator. */
export function componentVars(simulatorBase: string): Record<string, string> {
  return {
    WECHAT_COMPONENT_APPID: FAKE_COMPONENT.appid,
    WECHAT_COMPONENT_APPSECRET: FAKE_COMPONENT.appsecret,
    WECHAT_COMPONENT_TOKEN: FAKE_COMPONENT.token,
    WECHAT_COMPONENT_AES_KEY: FAKE_COMPONENT.encodingAESKey,
    WECHAT_COMPONENT_API_BASE: simulatorBase,
  };
}

/**
 * The follower's chats with the demo accounts. OpenIDs are per account on WeChat, so the
 * follower has one for each, derived from the playground's own so that it stays across runs.
 */
export function authoriserChats(credentials: PlaygroundCredentials): ChatAccount[] {
  return DEMO_AUTHORIZERS.map(({ appId, name }) => ({
    id: appId,
    name,
    appId,
    openid: `o${createHash("sha256").update(`${credentials.openid}:${appId}`).digest("base64url").slice(0, 27)}`,
    // What api_get_authorizer_info answers as user_name on the fake.
    originalId: `gh_${appId.slice(2, 14)}`,
    keys: {
      token: FAKE_COMPONENT.token,
      appId: FAKE_COMPONENT.appid,
      encodingAESKey: FAKE_COMPONENT.encodingAESKey,
    },
    path: `/wechat/${appId}`,
    mode: "safe",
  }));
}

export interface AuthoriseOptions {
  fake: FakeWeChat;
  workerUrl: string;
  adminKey: string;
  log: (line: string) => void;
}

const TIMEOUT_MS = 15_000;

/** Steps 1–3 above; throws with the step that failed. */
export async function authoriseDemoAccounts(options: AuthoriseOptions): Promise<void> {
  const { fake, workerUrl, adminKey, log } = options;
  const ticket = await componentTicketPush(fake);
  const pushed = await fetch(new URL(ticket.path, workerUrl), {
    method: "POST",
    headers: { "content-type": "text/xml" },
    body: ticket.body,
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const answer = await pushed.text();
  if (answer !== "success")
    throw new Error(`the ticket push got HTTP ${pushed.status} ${answer.slice(0, 200)}`);
  log("component_verify_ticket pushed to /component/events → success");

  for (const { appId, name } of DEMO_AUTHORIZERS) {
    await authorise(appId, options);
    log(`${name} (${appId}) authorised the 第三方平台 through /component/authorize → /callback`);
  }

  const listed = await fetch(new URL("/admin/component/authorizers", workerUrl), {
    headers: { authorization: `Bearer ${adminKey}` },
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const { authorizers = [] } = (await listed.json().catch(() => ({}))) as {
    authorizers?: { appid: string; active: boolean }[];
  };
  const missing = DEMO_AUTHORIZERS.filter(
    ({ appId }) => !authorizers.some((entry) => entry.appid === appId && entry.active),
  );
  if (missing.length > 0) {
    throw new Error(
      `/admin/component/authorizers does not list ${missing.map((a) => a.appId).join(", ")} as active`,
    );
  }
  log(`/admin/component/authorizers lists ${DEMO_AUTHORIZERS.length} active authorisers`);
}

/** The administrator's browser, one authorisation: three requests, redirects followed by hand. */
async function authorise(appId: string, { workerUrl, adminKey }: AuthoriseOptions) {
  const step = async (what: string, url: URL | string, headers: Record<string, string>) => {
    const response = await fetch(url, {
      headers,
      redirect: "manual",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const body = await response.text();
    if (response.status !== 302 && response.status !== 200) {
      throw new Error(`${what} answered HTTP ${response.status}: ${body.slice(0, 200)}`);
    }
    return response;
  };
  const start = await step(
    "/component/authorize",
    new URL(`/component/authorize?biz_appid=${appId}`, workerUrl),
    { authorization: `Bearer ${adminKey}` },
  );
  const page = start.headers.get("location");
  // The state cookie (__Host-…=<state>; Path=/; …): the browser sends back its name=value.
  const cookie = start.headers.get("set-cookie")?.split(";")[0];
  if (start.status !== 302 || !page || !cookie)
    throw new Error("/component/authorize did not redirect to WeChat's authorisation page");
  const agreed = await step("WeChat's authorisation page", page, {});
  const callback = agreed.headers.get("location");
  if (agreed.status !== 302 || !callback)
    throw new Error("WeChat's authorisation page did not redirect back");
  const done = await step("/component/callback", callback, { cookie });
  if (done.status !== 200) throw new Error(`/component/callback answered HTTP ${done.status}`);
}
