/**
 * The fake's account-type switch: an account without the customer-service permission (an
 * unverified subscription account) gets 48001 from custom/send and custom/typing, as WeChat
 * answers it, even inside the follower's window; template sends are untouched.
 */
import { describe, expect, it } from "vitest";
import { control } from "../../dev/fake-wechat/control";
import { FAKE_APPID, FAKE_APPSECRET, FakeWeChat } from "../../dev/fake-wechat/fake";
import { outboxSince, recordInteraction } from "../../dev/fake-wechat/platform-state";

const BASE = "https://api.weixin.qq.com";
const OPENID = "oFollower000000000000000001";

async function setup() {
  const fake = new FakeWeChat();
  const token = await fake
    .fetch(
      new Request(`${BASE}/cgi-bin/stable_token`, {
        method: "POST",
        body: JSON.stringify({
          grant_type: "client_credential",
          appid: FAKE_APPID,
          secret: FAKE_APPSECRET,
        }),
      }),
    )
    .then((r) => r.json() as Promise<{ access_token: string }>);
  const post = async (path: string, body: unknown) =>
    (await fake
      .fetch(
        new Request(`${BASE}${path}?access_token=${token.access_token}`, {
          method: "POST",
          body: JSON.stringify(body),
        }),
      )
      .then((r) => r.json())) as { errcode: number; errmsg: string };
  const setAccount = (customerService: boolean) =>
    control(
      fake,
      new Request(`${BASE}/__fake/account`, {
        method: "POST",
        body: JSON.stringify({ customer_service: customerService }),
      }),
    );
  // The follower wrote just now: the 48-hour customer-service window is open.
  recordInteraction(fake, OPENID, "message");
  return { fake, post, setAccount };
}

const text = { touser: OPENID, msgtype: "text", text: { content: "late answer" } };

describe("fake WeChat: the customer-service permission switch", () => {
  it("a verified service account sends customer-service messages (the default)", async () => {
    const { fake, post } = await setup();
    expect(await post("/cgi-bin/message/custom/send", text)).toEqual({ errcode: 0, errmsg: "ok" });
    expect(outboxSince(fake).map((entry) => entry.kind)).toEqual(["custom"]);
  });

  it("while switched off, custom/send and custom/typing answer 48001 and send nothing", async () => {
    const { fake, post, setAccount } = await setup();
    expect((await setAccount(false)).status).toBe(200);
    const refused = await post("/cgi-bin/message/custom/send", text);
    expect(refused.errcode).toBe(48001);
    expect(refused.errmsg).toMatch(/^api unauthorized rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/);
    const typing = await post("/cgi-bin/message/custom/typing", {
      touser: OPENID,
      command: "Typing",
    });
    expect(typing.errcode).toBe(48001);
    expect(outboxSince(fake)).toEqual([]);
    expect(fake.requests.at(-1)).toMatchObject({
      path: "/cgi-bin/message/custom/typing",
      errcode: 48001,
    });
  });

  it("the refusal does not use up the follower's allowance; switching back sends again", async () => {
    const { post, setAccount } = await setup();
    await setAccount(false);
    for (let i = 0; i < 6; i++) {
      expect((await post("/cgi-bin/message/custom/send", text)).errcode).toBe(48001);
    }
    await setAccount(true);
    // Five messages per 48 hours after a message: all five are still there.
    for (let i = 0; i < 5; i++) {
      expect((await post("/cgi-bin/message/custom/send", text)).errcode).toBe(0);
    }
    expect((await post("/cgi-bin/message/custom/send", text)).errcode).toBe(45047);
  });

  it("the control reports the switch and refuses a body without a boolean", async () => {
    const { fake, setAccount } = await setup();
    const read = () => control(fake, new Request(`${BASE}/__fake/account`)).then((r) => r.json());
    expect(await read()).toEqual({ customer_service: true });
    await setAccount(false);
    expect(await read()).toEqual({ customer_service: false });
    const bad = await control(
      fake,
      new Request(`${BASE}/__fake/account`, { method: "POST", body: '{"customer_service":"no"}' }),
    );
    expect(bad.status).toBe(400);
  });
});
