/** The fake's qrcode/create and showqrcode hold to WeChat's documented rules (the Worker is tested against it). */
import { describe, expect, it } from "vitest";
import { qrCodeBook } from "../../dev/fake-wechat/endpoints/qrcode";
import { FAKE_APPID, FAKE_APPSECRET, FakeWeChat } from "../../dev/fake-wechat/fake";

const API = "https://api.weixin.qq.com";

async function withToken() {
  const fake = new FakeWeChat();
  const res = await fake.fetch(
    new Request(`${API}/cgi-bin/stable_token`, {
      method: "POST",
      body: JSON.stringify({
        grant_type: "client_credential",
        appid: FAKE_APPID,
        secret: FAKE_APPSECRET,
      }),
    }),
  );
  const { access_token: token } = (await res.json()) as { access_token: string };
  const create = async (body: unknown) =>
    (await (
      await fake.fetch(
        new Request(`${API}/cgi-bin/qrcode/create?access_token=${token}`, {
          method: "POST",
          body: JSON.stringify(body),
        }),
      )
    ).json()) as Record<string, unknown>;
  return { fake, create };
}

const scene = (value: Record<string, unknown>) => ({ scene: value });

describe("fake /cgi-bin/qrcode/create", () => {
  it("creates a temporary code with the documented answer, 60 s by default", async () => {
    const { fake, create } = await withToken();
    const answer = await create({ action_name: "QR_SCENE", action_info: scene({ scene_id: 123 }) });
    expect(answer).toEqual({
      ticket: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/),
      expire_seconds: 60,
      url: expect.stringMatching(/^http:\/\/weixin\.qq\.com\/q\/02[A-Za-z0-9]{22}$/),
    });
    expect(atob(answer.ticket as string)).toContain(answer.url);
    const again = await create({
      action_name: "QR_SCENE",
      expire_seconds: 2592000,
      action_info: scene({ scene_id: 123 }),
    });
    expect(again.expire_seconds).toBe(2592000);
    expect(again.ticket).not.toBe(answer.ticket);
    expect(qrCodeBook(fake).created).toBe(2);
  });

  it.each([
    [{ action_name: "QR_SCENE", action_info: scene({ scene_id: 0 }) }],
    [{ action_name: "QR_SCENE", action_info: scene({ scene_id: 4294967296 }) }],
    [{ action_name: "QR_SCENE", action_info: scene({ scene_id: "12" }) }],
    [{ action_name: "QR_LIMIT_SCENE", action_info: scene({ scene_id: 100001 }) }],
    [{ action_name: "QR_STR_SCENE", action_info: scene({ scene_str: "" }) }],
    [{ action_name: "QR_LIMIT_STR_SCENE", action_info: scene({ scene_str: "x".repeat(65) }) }],
    [{ action_name: "QR_SCENE", expire_seconds: 2592001, action_info: scene({ scene_id: 1 }) }],
    [{ action_name: "QR_SCENE", expire_seconds: 0, action_info: scene({ scene_id: 1 }) }],
    [{ action_name: "QR_TEMP", action_info: scene({ scene_id: 1 }) }],
    [{ action_name: "QR_SCENE" }],
  ])("refuses %j with 40053", async (body) => {
    const { fake, create } = await withToken();
    expect(await create(body)).toEqual({
      errcode: 40053,
      errmsg: expect.stringMatching(/^invalid action info.* rid: /),
    });
    expect(qrCodeBook(fake).created).toBe(0);
  });

  it("a permanent scene keeps its ticket; new ones stop at the account's limit with 40053", async () => {
    const { fake, create } = await withToken();
    qrCodeBook(fake).permanentLimit = 2;
    const first = await create({
      action_name: "QR_LIMIT_SCENE",
      action_info: scene({ scene_id: 1 }),
    });
    expect(first).toEqual({ ticket: expect.any(String), url: expect.any(String) });
    expect(
      await create({ action_name: "QR_LIMIT_SCENE", action_info: scene({ scene_id: 1 }) }),
    ).toEqual(first);
    await create({ action_name: "QR_LIMIT_STR_SCENE", action_info: scene({ scene_str: "a" }) });
    expect(
      await create({ action_name: "QR_LIMIT_STR_SCENE", action_info: scene({ scene_str: "b" }) }),
    ).toMatchObject({
      errcode: 40053,
    });
    // Temporary codes do not count against the permanent limit.
    expect(
      await create({ action_name: "QR_STR_SCENE", action_info: scene({ scene_str: "b" }) }),
    ).toHaveProperty("ticket");
  });

  it("needs an access_token", async () => {
    const fake = new FakeWeChat();
    const res = await fake.fetch(
      new Request(`${API}/cgi-bin/qrcode/create`, { method: "POST", body: "{}" }),
    );
    expect(await res.json()).toMatchObject({ errcode: 41001 });
  });

  it("showqrcode serves a live ticket's image and 404s an expired one", async () => {
    const { fake, create } = await withToken();
    const { ticket } = await create({
      action_name: "QR_SCENE",
      expire_seconds: 60,
      action_info: scene({ scene_id: 7 }),
    });
    const show = () =>
      fake.fetch(
        new Request(
          `https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=${encodeURIComponent(ticket as string)}`,
        ),
      );
    const image = await show();
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/svg+xml");
    fake.advance(61);
    expect((await show()).status).toBe(404);
  });
});
