/**
 * The checks of the tag, blacklist, remark, short-key and conditional-menu modules: each rule of
 * WeChat's pages refuses the call with the field named, and nothing is sent.
 */
import { describe, expect, it } from "vitest";
import { addFollower } from "../../../dev/fake-wechat/platform-state";
import { addConditionalMenu, MenuInvalidError } from "../../../src/wechat/api/menu";
import { validateConditionalMenu } from "../../../src/wechat/api/menu-matchrule";
import { fetchShortKey, genShortKey, shortenProblem } from "../../../src/wechat/api/shorten";
import { remarkProblem, updateRemark } from "../../../src/wechat/api/user";
import { batchBlacklist, getBlacklist } from "../../../src/wechat/api/user-blacklist";
import {
  batchTagging,
  createTag,
  deleteTag,
  getFollowerTagIds,
  getTags,
  openidListProblem,
  tagNameProblem,
  updateTag,
} from "../../../src/wechat/api/user-tag";
import { fakeApi } from "../../fixtures/fake-api";

describe("tags", () => {
  it("names are 1 to 30 UTF-8 bytes; 0, 1 and 2 are WeChat's", async () => {
    expect(tagNameProblem("十个汉字十个汉字十个")).toBeUndefined(); // 30 bytes
    expect(tagNameProblem("十个汉字十个汉字十个字")).toBe(
      "name is 33 UTF-8 bytes, at most 30 allowed",
    );
    expect(tagNameProblem(" ")).toMatch(/required/);
    expect(openidListProblem(["a", ""], 50)).toBe("openid_list[1] must be an openid");
    const { fake, client } = await fakeApi();
    await expect(updateTag(client, 2, "星")).rejects.toMatchObject({ problem: /reserved/ });
    await expect(deleteTag(client, 0)).rejects.toMatchObject({ problem: /reserved/ });
    await expect(batchTagging(client, Array(51).fill("o"), 100)).rejects.toMatchObject({
      problem: "openid_list must name 1 to 50 openids",
    });
    expect(fake.requests.filter((r) => r.path.includes("tags"))).toEqual([]);
  });

  it("round-trips against the fake, and WeChat's system tag 2 is listed", async () => {
    const { fake, client } = await fakeApi();
    addFollower(fake, "oFan");
    const tag = await createTag(client, "会员");
    await batchTagging(client, ["oFan"], tag.id);
    expect(await getFollowerTagIds(client, "oFan")).toEqual([tag.id]);
    expect((await getTags(client)).map((t) => t.name)).toEqual(["星标组", "会员"]);
  });
});

describe("remarks, blacklist, short keys", () => {
  it("a remark is at most 30 characters; the blacklist takes 1 to 20 openids", async () => {
    expect(remarkProblem("o", "备".repeat(30))).toBeUndefined();
    expect(remarkProblem("o", "备".repeat(31))).toBe("remark is 31 characters, at most 30 allowed");
    expect(remarkProblem("", "x")).toBe("openid is required");
    const { fake, client } = await fakeApi();
    await expect(updateRemark(client, "o", "备".repeat(31))).rejects.toMatchObject({
      name: "ApiInputError",
    });
    await expect(batchBlacklist(client, [])).rejects.toMatchObject({
      problem: "openid_list must name 1 to 20 openids",
    });
    addFollower(fake, "oBad");
    await batchBlacklist(client, ["oBad"]);
    expect(await getBlacklist(client)).toEqual({
      total: 1,
      count: 1,
      openids: ["oBad"],
      next_openid: "oBad",
    });
  });

  it("long_data is at most 4 KB and lives at most 30 days", async () => {
    expect(shortenProblem("é".repeat(2048))).toBeUndefined(); // 4096 bytes
    expect(shortenProblem("é".repeat(2049))).toBe("long_data is 4098 bytes, at most 4096 allowed");
    expect(shortenProblem("x", 0)).toMatch(/expire_seconds/);
    const { client } = await fakeApi();
    const { short_key } = await genShortKey(client, "页面参数");
    expect(await fetchShortKey(client, short_key)).toMatchObject({
      long_data: "页面参数",
      expire_seconds: 2_592_000,
    });
    await expect(fetchShortKey(client, "bad key")).rejects.toMatchObject({ problem: /short_key/ });
  });
});

describe("conditional menus (个性化菜单)", () => {
  const buttons = [{ type: "click", name: "会员", key: "VIP" }];

  it("only tag_id and client_platform_type remain, and one is needed", () => {
    expect(validateConditionalMenu({ button: buttons, matchrule: { tag_id: "100" } }).ok).toBe(
      true,
    );
    const check = validateConditionalMenu({
      button: buttons,
      matchrule: { client_platform_type: "4", group_id: "1", city: "广州" },
    });
    expect(check.ok ? [] : check.problems.map((p) => p.path)).toEqual([
      "matchrule.group_id",
      "matchrule.city",
      "matchrule.client_platform_type",
    ]);
    const empty = validateConditionalMenu({ button: buttons, matchrule: { tag_id: "" } });
    expect(empty.ok ? "" : empty.problems[0]!.reason).toMatch(/65304/);
    const none = validateConditionalMenu({ button: buttons });
    expect(none.ok ? "" : none.problems[0]!.path).toBe("matchrule");
  });

  it("addConditionalMenu throws MenuInvalidError before the call; the fake answers 65320 itself", async () => {
    const { fake, client } = await fakeApi();
    await expect(
      addConditionalMenu(client, { button: buttons, matchrule: { sex: "1" } }),
    ).rejects.toBeInstanceOf(MenuInvalidError);
    expect(fake.count("/cgi-bin/menu/addconditional")).toBe(0);
    await client.post("/cgi-bin/menu/create", { button: buttons });
    await expect(
      client.post("/cgi-bin/menu/addconditional", { button: buttons, matchrule: { sex: "1" } }),
    ).rejects.toMatchObject({ errcode: 65320 });
    await expect(
      client.post("/cgi-bin/menu/addconditional", { button: buttons, matchrule: {} }),
    ).rejects.toMatchObject({ errcode: 65304 });
  });
});
