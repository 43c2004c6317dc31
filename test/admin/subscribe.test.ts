import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FAKE_APPID, FAKE_APPSECRET } from "../../dev/fake-wechat/fake";
import type { InstalledFakeWeChat } from "../../dev/fake-wechat/install";
import { acceptedNotices, recordSubscription } from "../../dev/fake-wechat/endpoints/subscribe";
import { outboxSince } from "../../dev/fake-wechat/platform-state";
import { appFetch } from "../fixtures/platform-app";
import { startClean } from "../token/helpers";

const ADMIN = { ADMIN_KEY: "admin-key-for-tests-0123456789abcdef" };
const auth = { authorization: `Bearer ${ADMIN.ADMIN_KEY}` };
const BIZSEND = "/cgi-bin/message/subscribe/bizsend";
// The fake's starter templates: 订单发货通知 (one-time) and 外卖配送进度提醒 (long-term).
const SHIPPED = "VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc";
const DELIVERY = "9nLIlbOQZC5Y89AZteFEux3WCXRRRG5Wfzkpssu4bLI";

const admin = (path: string, init: RequestInit = {}) =>
  appFetch(`/admin${path}`, { ...init, headers: { ...auth, ...(init.headers as object) } }, ADMIN);
const post = (path: string, body: unknown) =>
  admin(path, {
    method: "POST",
    body: typeof body === "string" ? body : JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });

const shipped = (openid = "oUser1") => ({
  touser: openid,
  template_id: SHIPPED,
  page: "https://shop.example.com/orders/42",
  data: {
    thing1: { value: "巧克力礼盒" },
    amount2: { value: "¥39.80" },
    time3: { value: "2026-11-30 12:00" },
  },
});

let fake: InstalledFakeWeChat;
beforeEach(async () => {
  fake = await startClean();
});
afterEach(() => fake.uninstall());

describe("POST /admin/subscribe/send", () => {
  it("reaches bizsend with the body given once the follower accepted; one notice per acceptance", async () => {
    const refused = await post("/subscribe/send", shipped());
    expect(refused.status).toBe(502);
    expect(await refused.json()).toMatchObject({ errcode: 43101, path: BIZSEND });
    expect(outboxSince(fake)).toEqual([]);

    recordSubscription(fake, FAKE_APPID, "oUser1", SHIPPED, "accept");
    const sent = await post("/subscribe/send", shipped());
    expect(sent.status).toBe(200);
    const entry = outboxSince(fake)[0]!;
    expect(entry).toMatchObject({ kind: "subscribe", to: "oUser1", body: shipped() });
    // The 64-bit msgid arrives exact, as a string.
    expect(await sent.text()).toBe(JSON.stringify({ msgid: entry.msgid }));
    expect(BigInt(entry.msgid!)).toBeGreaterThan(2n ** 53n);

    expect(acceptedNotices(fake, "oUser1", SHIPPED)).toBe(0);
    expect(await (await post("/subscribe/send", shipped())).json()).toMatchObject({
      errcode: 43101,
    });
  });

  it("is for the account ?appid= names: an appid this Worker does not serve is 404, nothing sent", async () => {
    recordSubscription(fake, FAKE_APPID, "oUser1", SHIPPED, "accept");
    const other = await post("/subscribe/send?appid=wxffffffffffffffff", shipped());
    expect(other.status).toBe(404);
    expect(fake.count(BIZSEND)).toBe(0);
    expect((await post(`/subscribe/send?appid=${FAKE_APPID}`, shipped())).status).toBe(200);
  });

  it("a long-term template sends until the follower refuses it", async () => {
    recordSubscription(fake, FAKE_APPID, "oUser2", DELIVERY, "accept");
    const notice = {
      touser: "oUser2",
      template_id: DELIVERY,
      miniprogram: { appid: "wx0123456789abcdef", pagepath: "pages/order?id=1" },
      data: { number1: { value: "20261130001" }, phrase2: { value: "配送中" } },
    };
    expect((await post("/subscribe/send", notice)).status).toBe(200);
    expect((await post("/subscribe/send", notice)).status).toBe(200);
    recordSubscription(fake, FAKE_APPID, "oUser2", DELIVERY, "reject");
    expect(await (await post("/subscribe/send", notice)).json()).toMatchObject({ errcode: 43101 });
    expect(outboxSince(fake)).toHaveLength(2);
  });

  it("a notice WeChat would refuse is 400 with the field and the rule, and nothing is called", async () => {
    const cases: [unknown, RegExp][] = [
      ["not json", /^the body must be JSON$/],
      [{ ...shipped(), touser: "" }, /^touser/],
      [{ ...shipped(), data: { thing1: { value: "x".repeat(21) } } }, /thing rule/],
      [{ ...shipped(), data: { amount2: { value: "1000" } } }, /amount rule/],
      [{ ...shipped(), url: "https://a.example" }, /^url is a template-message field/],
      [{ ...shipped(), page: "pages/index" }, /^page must be an http\(s\) URL/],
    ];
    for (const [body, reason] of cases) {
      const res = await post("/subscribe/send", body);
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as { error: string };
      expect(error).toMatch(reason);
      expect(error).not.toContain("\n");
    }
    expect(fake.count(BIZSEND)).toBe(0);
  });

  it("WeChat's refusals come back with errcode and hint: unknown template 40037, a keyword left out 47003", async () => {
    recordSubscription(fake, FAKE_APPID, "oUser1", SHIPPED, "accept");
    const unknown = await post("/subscribe/send", { ...shipped(), template_id: "nope" });
    expect(unknown.status).toBe(502);
    expect(await unknown.json()).toMatchObject({ errcode: 40037 });
    const missing = await post("/subscribe/send", {
      ...shipped(),
      data: { thing1: { value: "巧克力礼盒" }, amount2: { value: "¥39.80" } },
    });
    expect(missing.status).toBe(502);
    const body = (await missing.json()) as { errcode: number; errmsg: string; hint: string };
    expect(body.errcode).toBe(47003);
    expect(body.errmsg).toContain("data.time3.value");
    expect(body.hint).toMatch(/template argument/);
    // Neither refusal used the follower's acceptance.
    expect(acceptedNotices(fake, "oUser1", SHIPPED)).toBe(1);
  });
});

describe("the fake's bizsend, called directly (what WeChat refuses without our checks in front)", () => {
  async function bizsend(body: unknown) {
    const token = (await (
      await fake.fetch(
        new Request(
          `https://api.weixin.qq.com/cgi-bin/token?grant_type=client_credential&appid=${FAKE_APPID}&secret=${FAKE_APPSECRET}`,
        ),
      )
    ).json()) as { access_token: string };
    const response = await fake.fetch(
      new Request(`https://api.weixin.qq.com${BIZSEND}?access_token=${token.access_token}`, {
        method: "POST",
        body: JSON.stringify(body),
      }),
    );
    return (await response.json()) as { errcode: number; errmsg: string };
  }

  it("47003 names the key whose value breaks its type's rule; the acceptance is kept", async () => {
    recordSubscription(fake, FAKE_APPID, "oUser1", SHIPPED, "accept");
    for (const [key, value] of <[string, string][]>[
      ["amount2", "1000"],
      ["thing1", "x".repeat(21)],
      ["time3", "tomorrow"],
    ]) {
      const notice = shipped();
      (notice.data as Record<string, { value: string }>)[key] = { value };
      const answer = await bizsend(notice);
      expect(answer.errcode).toBe(47003);
      expect(answer.errmsg).toMatch(
        new RegExp(`^argument invalid! data\\.${key}\\.value invalid rid: `),
      );
    }
    expect(acceptedNotices(fake, "oUser1", SHIPPED)).toBe(1);
    expect((await bizsend(shipped())).errcode).toBe(0);
  });
});

describe("the template library", () => {
  it("lists the account's templates with their rows; adds and deletes one", async () => {
    const list = async () =>
      (
        (await (await admin("/subscribe/templates")).json()) as {
          data: { priTmplId: string; title: string; fields: unknown[] }[];
        }
      ).data;
    const before = await list();
    expect(before.map((t) => t.priTmplId)).toEqual([SHIPPED, DELIVERY]);
    expect(before[0]).toMatchObject({
      title: "订单发货通知",
      type: 2,
      fields: [
        { name: "商品名称", key: "thing1" },
        { name: "订单金额", key: "amount2" },
        { name: "发货时间", key: "time3" },
      ],
    });

    const added = await post("/subscribe/templates", {
      tid: 1001,
      kidList: [4, 2],
      sceneDesc: "预约成功后提醒",
    });
    expect(added.status).toBe(200);
    const { priTmplId } = (await added.json()) as { priTmplId: string };
    expect((await list()).find((t) => t.priTmplId === priTmplId)).toMatchObject({
      title: "预约成功通知",
      fields: [
        { name: "预约人", key: "name4" },
        { name: "预约时间", key: "time2" },
      ],
    });
    expect((await admin(`/subscribe/templates/${priTmplId}`, { method: "DELETE" })).status).toBe(
      200,
    );
    expect(await list()).toHaveLength(2);
    const again = await admin(`/subscribe/templates/${priTmplId}`, { method: "DELETE" });
    expect(again.status).toBe(502);
    expect(await again.json()).toMatchObject({ errcode: 20002 });
  });

  it("refuses a bad template before the call; WeChat refuses keywords its title lacks", async () => {
    const few = await post("/subscribe/templates", { tid: 99, kidList: [1] });
    expect(few.status).toBe(400);
    expect(await few.json()).toEqual({ error: "kidList must be 2 to 5 keyword ids" });
    expect(fake.count("/wxaapi/newtmpl/addtemplate")).toBe(0);
    const foreign = await post("/subscribe/templates", { tid: 99, kidList: [1, 9] });
    expect(await foreign.json()).toMatchObject({ errcode: 200020 });
    const noTitle = await post("/subscribe/templates", { tid: 4242, kidList: [1, 2] });
    expect(await noTitle.json()).toMatchObject({ errcode: 200014 });
  });

  it("reads categories, a category's public titles and a title's keywords", async () => {
    const categories = (await (await admin("/subscribe/categories")).json()) as {
      data: { id: number }[];
    };
    expect(categories.data.map((c) => c.id)).toEqual([616, 2]);
    const titles = await admin("/subscribe/titles?ids=616&start=0&limit=1");
    expect(await titles.json()).toEqual({
      count: 2,
      data: [{ tid: 1001, title: "预约成功通知", type: 2, categoryId: "616" }],
    });
    expect((await admin("/subscribe/titles?ids=616&limit=31")).status).toBe(400);
    expect((await admin("/subscribe/titles")).status).toBe(400);
    expect(await (await admin("/subscribe/titles?ids=7")).json()).toMatchObject({
      errcode: 200019,
    });
    const keywords = (await (await admin("/subscribe/keywords?tid=99")).json()) as {
      count: number;
      data: { kid: number; rule: string }[];
    };
    expect(keywords.count).toBe(5);
    expect(keywords.data[0]).toEqual({
      kid: 1,
      name: "商品名称",
      example: "巧克力礼盒",
      rule: "thing",
    });
  });
});
