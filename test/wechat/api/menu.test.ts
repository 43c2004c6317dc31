import { describe, expect, it } from "vitest";
import exampleMenu from "../../../examples/menu.json";
import { createMenu, deleteMenu, getMenu, MenuInvalidError } from "../../../src/wechat/api/menu";
import {
  BUTTON_TYPES,
  validateMenu,
  type MenuButton,
} from "../../../src/wechat/api/menu-validation";
import { WeChatApiError } from "../../../src/wechat/api/errors";
import { fakeApi } from "../../fixtures/fake-api";

const leaf = (overrides: Partial<MenuButton> & Record<string, unknown>) =>
  ({ type: "click", name: "btn", key: "K", ...overrides }) as MenuButton;

function problemsOf(menu: unknown) {
  const check = validateMenu(menu);
  return check.ok ? [] : check.problems;
}

// One valid button of each type, with exactly the fields WeChat requires.
const ONE_OF_EACH: Record<(typeof BUTTON_TYPES)[number], MenuButton> = {
  click: leaf({}),
  view: { type: "view", name: "v", url: "https://example.com/" },
  scancode_push: leaf({ type: "scancode_push" }),
  scancode_waitmsg: leaf({ type: "scancode_waitmsg" }),
  pic_sysphoto: leaf({ type: "pic_sysphoto" }),
  pic_photo_or_album: leaf({ type: "pic_photo_or_album" }),
  pic_weixin: leaf({ type: "pic_weixin" }),
  location_select: leaf({ type: "location_select" }),
  media_id: { type: "media_id", name: "m", media_id: "MEDIA_ID1" },
  view_limited: { type: "view_limited", name: "m", media_id: "MEDIA_ID2" },
  article_id: { type: "article_id", name: "a", article_id: "ARTICLE_ID1" },
  article_view_limited: { type: "article_view_limited", name: "a", article_id: "ARTICLE_ID2" },
  miniprogram: {
    type: "miniprogram",
    name: "wxa",
    url: "https://mp.weixin.qq.com",
    appid: "wx286b93c14bbf93aa",
    pagepath: "pages/lunar/index",
  },
};

describe("menu validation (自定义菜单)", () => {
  it("accepts the example menu in the repository", () => {
    expect(problemsOf(exampleMenu)).toEqual([]);
  });

  it("accepts every button type with its required fields, and the fake agrees", async () => {
    const { client } = await fakeApi();
    const buttons = Object.values(ONE_OF_EACH);
    for (let i = 0; i < buttons.length; i += 5) {
      const menu = { button: [{ name: "sub", sub_button: buttons.slice(i, i + 5) }] };
      expect(problemsOf(menu)).toEqual([]);
      await createMenu(client, menu);
    }
  });

  it("names the missing field of each type", () => {
    const missing: [MenuButton, string][] = [
      [leaf({ key: undefined }), "button[0].key"],
      [leaf({ type: "location_select", key: undefined }), "button[0].key"],
      [{ type: "view", name: "v" }, "button[0].url"],
      [{ ...ONE_OF_EACH.miniprogram, pagepath: undefined }, "button[0].pagepath"],
      [{ ...ONE_OF_EACH.miniprogram, appid: undefined }, "button[0].appid"],
      [{ type: "media_id", name: "m" }, "button[0].media_id"],
      [{ type: "view_limited", name: "m" }, "button[0].media_id"],
      [{ type: "article_id", name: "a" }, "button[0].article_id"],
      [{ type: "article_view_limited", name: "a" }, "button[0].article_id"],
    ];
    for (const [button, path] of missing) {
      expect(problemsOf({ button: [button] }).map((p) => p.path)).toEqual([path]);
    }
  });

  it("counts names in UTF-8 bytes: 16 at the top level, 60 in a sub-menu", () => {
    expect(problemsOf({ button: [leaf({ name: "一二三四五" })] })).toEqual([]); // 15 bytes
    expect(problemsOf({ button: [leaf({ name: "一二三四五六" })] })[0]).toMatchObject({
      path: "button[0].name",
      reason: expect.stringMatching(/18 UTF-8 bytes, at most 16/),
    });
    const sub = (name: string) => ({ button: [{ name: "p", sub_button: [leaf({ name })] }] });
    expect(problemsOf(sub("字".repeat(20)))).toEqual([]); // 60 bytes
    expect(problemsOf(sub("字".repeat(20) + "a"))[0]!.path).toBe("button[0].sub_button[0].name");
  });

  it("limits key to 128 bytes and url to 1024 bytes, and url to http(s)", () => {
    expect(problemsOf({ button: [leaf({ key: "k".repeat(128) })] })).toEqual([]);
    expect(problemsOf({ button: [leaf({ key: "k".repeat(129) })] })[0]!.reason).toMatch(
      /129 bytes, at most 128/,
    );
    const url = `https://example.com/${"u".repeat(1004)}`;
    expect(problemsOf({ button: [{ type: "view", name: "v", url }] })).toEqual([]);
    expect(problemsOf({ button: [{ type: "view", name: "v", url: `${url}u` }] })[0]!.path).toBe(
      "button[0].url",
    );
    expect(
      problemsOf({ button: [{ type: "view", name: "v", url: "javascript:alert(1)" }] })[0]!.reason,
    ).toMatch(/http/);
  });

  it("enforces 1-3 buttons, 1-5 sub-buttons, two levels, and no type on a parent", () => {
    expect(problemsOf({ button: [] })[0]!.reason).toMatch(/1 to 3/);
    expect(problemsOf({ button: [leaf({}), leaf({}), leaf({}), leaf({})] })[0]!.reason).toMatch(
      /got 4/,
    );
    const six = Array.from({ length: 6 }, () => leaf({}));
    expect(problemsOf({ button: [{ name: "p", sub_button: six }] })[0]!.reason).toMatch(
      /1 to 5 sub-buttons, got 6/,
    );
    expect(problemsOf({ button: [{ name: "p", sub_button: [] }] })[0]!.path).toBe(
      "button[0].sub_button",
    );
    expect(
      problemsOf({ button: [{ name: "p", type: "click", key: "k", sub_button: [leaf({})] }] })[0]!
        .reason,
    ).toMatch(/no type of its own/);
    const deep = { button: [{ name: "p", sub_button: [{ ...leaf({}), sub_button: [leaf({})] }] }] };
    expect(problemsOf(deep)[0]!.reason).toMatch(/two levels/);
    expect(problemsOf({ button: [leaf({ type: "fax" as never })] })[0]!.reason).toMatch(
      /unknown type "fax"/,
    );
    expect(problemsOf("nope")[0]!.reason).toMatch(/"button"/);
  });
});

describe("menu API", () => {
  it("creates, gets (leaves echoed with empty sub_button) and deletes", async () => {
    const { client, fake } = await fakeApi();
    expect(await getMenu(client)).toEqual({});
    await createMenu(client, exampleMenu);
    const { menu } = await getMenu(client);
    expect(menu!.button[0]).toEqual({ ...exampleMenu.button[0], sub_button: [] });
    // A fetched menu can be pushed back unchanged.
    expect(problemsOf({ button: menu!.button })).toEqual([]);
    await createMenu(client, { button: menu!.button });
    await deleteMenu(client);
    expect(await getMenu(client)).toEqual({});
    expect(fake.count("/cgi-bin/menu/create")).toBe(2);
  });

  it("refuses an invalid menu before calling WeChat", async () => {
    const { client, fake } = await fakeApi();
    const error = await createMenu(client, { button: [leaf({ name: "一二三四五六" })] }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MenuInvalidError);
    expect((error as Error).message).toMatch(/button\[0\]\.name/);
    expect(fake.count("/cgi-bin/menu/create")).toBe(0);
  });

  it("the fake answers WeChat's menu errcodes to unvalidated bodies", async () => {
    const { client } = await fakeApi();
    const raw = (body: unknown) =>
      client.post("/cgi-bin/menu/create", body).catch((e: WeChatApiError) => e.errcode);
    expect(await raw({ button: [leaf({}), leaf({}), leaf({}), leaf({})] })).toBe(40016);
    expect(await raw({ button: [leaf({ type: "fax" as never })] })).toBe(40017);
    expect(await raw({ button: [leaf({ name: "一二三四五六" })] })).toBe(40018);
    expect(await raw({ button: [leaf({ key: "k".repeat(129) })] })).toBe(40019);
    expect(
      await raw({ button: [{ name: "p", sub_button: Array.from({ length: 6 }, () => leaf({})) }] }),
    ).toBe(40023);
    expect(await raw({ button: [{ name: "p", sub_button: [{ type: "view", name: "v" }] }] })).toBe(
      40027,
    );
  });
});
