import { describe, expect, it } from "vitest";
import { addFollower } from "../../../dev/fake-wechat/platform-state";
import {
  allFollowers,
  batchGetFollowerInfo,
  getFollowerInfo,
  getFollowers,
} from "../../../src/wechat/api/user";
import { fakeApi } from "../../fixtures/fake-api";

describe("followers (用户管理)", () => {
  it("reads one follower's info in WeChat's shape, and a non-follower's short answer", async () => {
    const { fake, client } = await fakeApi();
    addFollower(fake, "oFollower1", {
      tagid_list: [128, 2],
      subscribe_scene: "ADD_SCENE_QR_CODE",
      qr_scene_str: "poster",
    });
    addFollower(fake, "oGone", { subscribe: 0 });
    const info = await getFollowerInfo(client, "oFollower1");
    expect(info).toMatchObject({
      subscribe: 1,
      openid: "oFollower1",
      language: "zh_CN",
      tagid_list: [128, 2],
      qr_scene_str: "poster",
    });
    expect(info).not.toHaveProperty("nickname");
    expect(await getFollowerInfo(client, "oGone")).toEqual({
      subscribe: 0,
      openid: "oGone",
      tagid_list: [],
    });
    await expect(getFollowerInfo(client, "oNobody")).rejects.toMatchObject({ errcode: 40003 });
  });

  it("batch-gets up to 100 and refuses more before calling WeChat", async () => {
    const { fake, client } = await fakeApi();
    const ids = Array.from({ length: 101 }, (_, i) => `oF${i}`);
    ids.forEach((id) => addFollower(fake, id));
    expect(await batchGetFollowerInfo(client, ids.slice(0, 100))).toHaveLength(100);
    await expect(batchGetFollowerInfo(client, ids)).rejects.toThrow(RangeError);
    expect(fake.count("/cgi-bin/user/info/batchget")).toBe(1);
  });

  it("pages the follower list with next_openid, 10,000 per page", async () => {
    const { fake, client } = await fakeApi();
    const ids = Array.from({ length: 10_003 }, (_, i) => `o${String(i).padStart(6, "0")}`);
    ids.forEach((id) => addFollower(fake, id));
    const first = await getFollowers(client);
    expect(first).toMatchObject({ total: 10_003, count: 10_000, next_openid: ids[9_999] });
    const second = await getFollowers(client, first.next_openid);
    expect(second.openids).toEqual(ids.slice(10_000));
    const seen: string[] = [];
    for await (const openid of allFollowers(client)) seen.push(openid);
    expect(seen).toEqual(ids);
  });
});
