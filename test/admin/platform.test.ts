import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { InstalledFakeWeChat } from "../../dev/fake-wechat/install";
import {
  outboxSince,
  platformState,
  recordInteraction,
} from "../../dev/fake-wechat/platform-state";
import exampleMenu from "../../examples/menu.json";
import { appFetch } from "../fixtures/platform-app";
import { startClean } from "../token/helpers";

const ADMIN = { ADMIN_KEY: "admin-key-for-tests-0123456789abcdef" };
const auth = { authorization: `Bearer ${ADMIN.ADMIN_KEY}` };

function admin(path: string, init: RequestInit = {}) {
  const headers = {
    ...auth,
    ...(init.body && typeof init.body === "string" ? { "content-type": "application/json" } : {}),
  };
  return appFetch(
    `/admin${path}`,
    { ...init, headers: { ...headers, ...(init.headers as object) } },
    ADMIN,
  );
}

const postJson = (path: string, body: unknown) =>
  admin(path, { method: "POST", body: JSON.stringify(body) });

let fake: InstalledFakeWeChat;
beforeEach(async () => {
  fake = await startClean();
});
afterEach(() => fake.uninstall());

describe("admin endpoints for tools outside the Worker", () => {
  it("do not exist without ADMIN_KEY, and refuse a wrong key", async () => {
    expect((await appFetch("/admin/menu", { headers: auth })).status).toBe(404);
    const wrong = await appFetch(
      "/admin/menu",
      { headers: { authorization: "Bearer nope" } },
      ADMIN,
    );
    expect(wrong.status).toBe(401);
    expect(fake.count()).toBe(0);
  });

  it("publish, read and delete the menu; an invalid menu is 400 with every problem, before any call", async () => {
    const bad = await postJson("/menu", { button: [{ type: "view", name: "一二三四五六" }] });
    expect(bad.status).toBe(400);
    const problems = ((await bad.json()) as { problems: { path: string }[] }).problems.map(
      (p) => p.path,
    );
    expect(problems).toEqual(["button[0].name", "button[0].url"]);
    expect(fake.count("/cgi-bin/menu/create")).toBe(0);

    expect((await postJson("/menu", exampleMenu)).status).toBe(200);
    expect(platformState(fake).menu).toEqual(exampleMenu);
    const got = (await (await admin("/menu")).json()) as { menu: { button: unknown[] } };
    expect(got.menu.button).toHaveLength(3);
    expect((await admin("/menu", { method: "DELETE" })).status).toBe(200);
    expect(await (await admin("/menu")).json()).toEqual({});
  });

  it("send a template message and answer the msgid as an exact string", async () => {
    const res = await postJson("/template/send", {
      touser: "oUser1",
      template_id: "tpl",
      url: "https://app.example.com/order/1",
      data: { thing1: { value: "您好" } },
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    const msgid = outboxSince(fake)[0]!.msgid!;
    expect(text).toBe(JSON.stringify({ msgid }));
    expect((await postJson("/template/send", { touser: "oUser1" })).status).toBe(400);
    // The 2023 rules: a first/remark keyword or a colour is refused, naming it, before any call.
    const retired = await postJson("/template/send", {
      touser: "oUser1",
      template_id: "tpl",
      data: { remark: { value: "谢谢" } },
    });
    expect(retired.status).toBe(400);
    expect(((await retired.json()) as { error: string }).error).toMatch(/^data\.remark: /);
  });

  it("start a mass send idempotently, read its status and delete it", async () => {
    const message = {
      filter: { is_to_all: true },
      msgtype: "text",
      text: { content: "通知" },
      clientmsgid: "notice-1",
    };
    const first = (await (await postJson("/mass/send", message)).json()) as {
      msg_id: string;
      duplicate: boolean;
    };
    expect(first.duplicate).toBe(false);
    const tooFast = await postJson("/mass/send", message);
    expect(tooFast.status).toBe(502);
    expect(await tooFast.json()).toMatchObject({ errcode: 45066 });
    fake.advance(61);
    expect(await (await postJson("/mass/send", message)).json()).toEqual({
      msg_id: first.msg_id,
      duplicate: true,
    });
    expect(await (await admin(`/mass/status?msg_id=${first.msg_id}`)).json()).toEqual({
      msg_id: first.msg_id,
      msg_status: "SEND_SUCCESS",
    });
    expect((await postJson("/mass/delete", { msg_id: first.msg_id })).status).toBe(200);
    expect((await postJson("/mass/delete", { msg_id: Number(first.msg_id) })).status).toBe(400);
    expect((await admin("/mass/status?msg_id=abc")).status).toBe(400);
    const preview = await postJson("/mass/preview", {
      touser: "oUser1",
      msgtype: "text",
      text: { content: "预览" },
    });
    expect(preview.status).toBe(200);
  });

  it("send a customer-service message; 45015 comes back as 502 with errcode and hint", async () => {
    const message = { touser: "oUser2", msgtype: "text", text: { content: "hi" } };
    const refused = await postJson("/custom/send", message);
    expect(refused.status).toBe(502);
    expect(await refused.json()).toMatchObject({
      errcode: 45015,
      hint: expect.stringMatching(/48 h/),
    });
    recordInteraction(fake, "oUser2");
    expect((await postJson("/custom/send", message)).status).toBe(200);
    expect((await postJson("/custom/send", { touser: "oUser2", msgtype: "fax" })).status).toBe(400);
  });

  it("upload media as multipart; a bad file is 400 before any call", async () => {
    const form = new FormData();
    form.append(
      "media",
      new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xd9])], { type: "image/jpeg" }),
      "a.jpg",
    );
    const res = await admin("/media/upload?type=image", { method: "POST", body: form });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ type: "image", media_id: expect.any(String) });
    const bad = new FormData();
    bad.append("media", new Blob([new Uint8Array([1])]), "a.exe");
    const refused = await admin("/media/upload?type=image", { method: "POST", body: bad });
    expect(refused.status).toBe(400);
    expect((await admin("/media/upload?type=file", { method: "POST", body: form })).status).toBe(
      400,
    );
    expect(fake.count("/cgi-bin/media/upload")).toBe(1);
  });

  it("never answer with the access_token", async () => {
    await postJson("/menu", exampleMenu);
    const bodies = await Promise.all([
      admin("/menu"),
      postJson("/custom/send", { touser: "x", msgtype: "text", text: { content: "x" } }),
    ]);
    const tokens = [...fake.credentials.tokens.keys()];
    for (const res of bodies) {
      const text = await res.text();
      for (const token of tokens) expect(text).not.toContain(token);
    }
  });
});
