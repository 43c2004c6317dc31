/**
 * Tags, remarks, the blacklist, conditional menus and short keys through /admin, against the
 * fake WeChat in workerd: what reaches WeChat, what WeChat's refusals look like, and what our
 * checks stop before any call.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { blacklistOf } from "../../dev/fake-wechat/endpoints/users";
import type { InstalledFakeWeChat } from "../../dev/fake-wechat/install";
import { addFollower, platformState } from "../../dev/fake-wechat/platform-state";
import exampleMenu from "../../examples/menu.json";
import { appFetch } from "../fixtures/platform-app";
import { startClean } from "../token/helpers";

const ADMIN = { ADMIN_KEY: "admin-key-for-tests-0123456789abcdef" };

async function admin(path: string, method = "GET", body?: unknown) {
  const response = await appFetch(
    `/admin${path}`,
    {
      method,
      headers: {
        authorization: `Bearer ${ADMIN.ADMIN_KEY}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    },
    ADMIN,
  );
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

let fake: InstalledFakeWeChat;
beforeEach(async () => {
  fake = await startClean();
  for (const openid of ["oA", "oB", "oC"]) addFollower(fake, openid);
});
afterEach(() => fake.uninstall());

describe("follower tags", () => {
  it("create, tag, read a follower's tags and the tag's followers, untag, rename, delete", async () => {
    const created = await admin("/tags", "POST", { name: "广东" });
    expect(created.status).toBe(200);
    const id = created.body.id as number;
    expect(created.body).toEqual({ id, name: "广东" });

    expect((await admin(`/tags/${id}/members`, "POST", { openid_list: ["oA", "oB"] })).status).toBe(
      200,
    );
    expect(platformState(fake).followers.get("oA")!.tagid_list).toEqual([id]);
    expect((await admin("/followers/oB/tags")).body).toEqual({ tagid_list: [id] });
    expect((await admin(`/tags/${id}/followers`)).body).toEqual({
      count: 2,
      openids: ["oA", "oB"],
      next_openid: "oB",
    });
    const listed = (await admin("/tags")).body.tags as { id: number; count: number }[];
    expect(listed.find((tag) => tag.id === id)).toMatchObject({ count: 2 });

    expect((await admin(`/tags/${id}/members`, "DELETE", { openid_list: ["oA"] })).status).toBe(
      200,
    );
    expect((await admin("/followers/oA/tags")).body).toEqual({ tagid_list: [] });

    expect((await admin(`/tags/${id}`, "PUT", { name: "广州" })).status).toBe(200);
    expect((await admin(`/tags/${id}`, "DELETE")).status).toBe(200);
    expect(platformState(fake).followers.get("oB")!.tagid_list).toEqual([]);
  });

  it("stops what WeChat would refuse before the call, naming the field", async () => {
    const cases: [string, string, unknown, RegExp][] = [
      ["/tags", "POST", { name: "长".repeat(11) }, /^name is 33 UTF-8 bytes, at most 30/],
      ["/tags", "POST", {}, /^name/],
      ["/tags/2", "PUT", { name: "x" }, /reserved/],
      ["/tags/1", "DELETE", undefined, /reserved/],
      ["/tags/100/members", "POST", { openid_list: Array(51).fill("oA") }, /1 to 50/],
      ["/tags/100/members", "POST", { openid_list: [] }, /1 to 50/],
      ["/blacklist", "POST", { openid_list: Array(21).fill("oA") }, /1 to 20/],
      ["/followers/oA/remark", "PUT", { remark: "备".repeat(31) }, /remark is 31 characters/],
    ];
    for (const [path, method, body, reason] of cases) {
      const answer = await admin(path, method, body);
      expect(answer.status, path).toBe(400);
      expect(answer.body.error, path).toMatch(reason);
    }
    expect(fake.requests.filter((r) => !r.path.includes("token"))).toEqual([]);
  });

  it("passes WeChat's refusals on: a duplicate name, an unknown tag, a stranger's openid", async () => {
    await admin("/tags", "POST", { name: "重名" });
    expect((await admin("/tags", "POST", { name: "重名" })).body).toMatchObject({ errcode: 45157 });
    expect((await admin("/tags/999", "DELETE")).body).toMatchObject({ errcode: 45159 });
    const id = ((await admin("/tags", "POST", { name: "t" })).body.id as number).toString();
    expect(
      (await admin(`/tags/${id}/members`, "POST", { openid_list: ["oStranger"] })).body,
    ).toMatchObject({
      errcode: 49003,
    });
  });

  it("a follower carries at most 20 tags: WeChat's 45059", async () => {
    for (let i = 0; i < 21; i++) {
      const id = (await admin("/tags", "POST", { name: `t${i}` })).body.id as number;
      const tagged = await admin(`/tags/${id}/members`, "POST", { openid_list: ["oC"] });
      if (i < 20) expect(tagged.status).toBe(200);
      else expect(tagged.body).toMatchObject({ errcode: 45059 });
    }
  });
});

describe("remarks and the blacklist", () => {
  it("sets a remark that user/info then shows; an unknown openid is 40003", async () => {
    expect((await admin("/followers/oA/remark", "PUT", { remark: "老客户" })).status).toBe(200);
    expect(platformState(fake).followers.get("oA")!.remark).toBe("老客户");
    expect((await admin("/followers/oNobody/remark", "PUT", { remark: "x" })).body).toMatchObject({
      errcode: 40003,
    });
  });

  it("blocks, lists and unblocks followers", async () => {
    expect((await admin("/blacklist", "POST", { openid_list: ["oA", "oC"] })).status).toBe(200);
    expect((await admin("/blacklist")).body).toEqual({
      total: 2,
      count: 2,
      openids: ["oA", "oC"],
      next_openid: "oC",
    });
    expect((await admin("/blacklist", "DELETE", { openid_list: ["oA"] })).status).toBe(200);
    expect([...blacklistOf(fake)]).toEqual(["oC"]);
    expect((await admin("/blacklist", "POST", { openid_list: ["oStranger"] })).body).toMatchObject({
      errcode: 49003,
    });
  });
});

describe("conditional menus and the menu in use", () => {
  it("add after the default menu, trymatch by the follower's last tag, delete", async () => {
    const early = await admin("/menu/conditional", "POST", {
      ...exampleMenu,
      matchrule: { client_platform_type: "2" },
    });
    expect(early.body).toMatchObject({ errcode: 65303 });

    expect((await admin("/menu", "POST", exampleMenu)).status).toBe(200);
    const tag = (await admin("/tags", "POST", { name: "VIP" })).body.id as number;
    const vipMenu = {
      button: [{ type: "click", name: "VIP", key: "VIP" }],
      matchrule: { tag_id: String(tag) },
    };
    const added = await admin("/menu/conditional", "POST", vipMenu);
    expect(added.status).toBe(200);
    expect(added.body.menuid).toMatch(/^\d+$/);

    await admin(`/tags/${tag}/members`, "POST", { openid_list: ["oA"] });
    const forA = await admin("/menu/trymatch", "POST", { user_id: "oA" });
    expect((forA.body.button as { name: string }[]).map((b) => b.name)).toEqual(["VIP"]);
    const forB = await admin("/menu/trymatch", "POST", { user_id: "oB" });
    expect((forB.body.button as unknown[]).length).toBe(exampleMenu.button.length);

    const menu = (await admin("/menu")).body as { conditionalmenu: { menuid: number }[] };
    expect(menu.conditionalmenu).toHaveLength(1);
    expect((await admin(`/menu/conditional/${String(added.body.menuid)}`, "DELETE")).status).toBe(
      200,
    );
    expect(
      (await admin(`/menu/conditional/${String(added.body.menuid)}`, "DELETE")).body,
    ).toMatchObject({
      errcode: 65301,
    });
  });

  it("refuses a matchrule on personal data or an empty one, with every problem, before any call", async () => {
    const res = await admin("/menu/conditional", "POST", {
      button: [{ type: "click", name: "一二三四五六", key: "k" }],
      matchrule: { sex: "1", language: "zh_CN" },
    });
    expect(res.status).toBe(400);
    expect((res.body.problems as { path: string }[]).map((p) => p.path)).toEqual([
      "button[0].name",
      "matchrule.sex",
      "matchrule.language",
      "matchrule",
    ]);
    expect(fake.count("/cgi-bin/menu/addconditional")).toBe(0);
  });

  it("get_current_selfmenu_info describes the menu in use", async () => {
    expect((await admin("/menu/current")).body).toEqual({ is_menu_open: 0 });
    await admin("/menu", "POST", exampleMenu);
    const current = (await admin("/menu/current")).body as {
      is_menu_open: number;
      selfmenu_info: { button: { name: string }[] };
    };
    expect(current.is_menu_open).toBe(1);
    expect(current.selfmenu_info.button.map((b) => b.name)).toEqual(
      exampleMenu.button.map((b) => b.name),
    );
  });
});

describe("short keys", () => {
  it("gen and fetch; an unknown key is WeChat's 9410012; over 4 KB is stopped before the call", async () => {
    const made = await admin("/shorten", "POST", {
      long_data: "scene=42&from=poster",
      expire_seconds: 600,
    });
    expect(made.body.short_key).toMatch(/^[0-9A-Za-z]{15}$/);
    const fetched = await admin(`/shorten/${String(made.body.short_key)}`);
    expect(fetched.body).toMatchObject({ long_data: "scene=42&from=poster", expire_seconds: 600 });
    fake.advance(601);
    expect((await admin(`/shorten/${String(made.body.short_key)}`)).body).toMatchObject({
      errcode: 9410012,
    });
    const big = await admin("/shorten", "POST", { long_data: "x".repeat(4097) });
    expect(big.status).toBe(400);
    expect(big.body.error).toMatch(/4097 bytes/);
    const long = await admin("/shorten", "POST", { long_data: "x", expire_seconds: 2_592_001 });
    expect(long.body.error).toMatch(/expire_seconds/);
    expect(fake.count("/cgi-bin/shorten/gen")).toBe(1);
  });
});
