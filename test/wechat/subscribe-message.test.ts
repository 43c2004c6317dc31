import { describe, expect, it } from "vitest";
import {
  addSubscribeTemplateProblem,
  pubTemplateTitlesProblem,
  sendSubscribeMessage,
  subscribeMessageProblem,
  subscribeTemplateFields,
} from "../../src/wechat/api/subscribe-message";
import { WeChatApiClient } from "../../src/wechat/api/client";
import { ApiInputError } from "../../src/wechat/api/input-error";

const notice = (data: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  touser: "oUser1",
  template_id: "TPL",
  data,
  ...extra,
});
const value = (key: string, v: unknown) => subscribeMessageProblem(notice({ [key]: { value: v } }));

describe("subscribeMessageProblem: each keyword type's documented rule", () => {
  it.each([
    ["thing1", "巧克力 Chocolate 礼盒 x2！"],
    ["number2", "3.14"],
    ["letter3", "ABCdef"],
    ["symbol4", "¥%&*"],
    ["character_string5", "SN-2024_0001#A"],
    ["time6", "15:01"],
    ["time6", "2019年10月1日 15:01~2019年10月1日 18:00"],
    ["date7", "2019年10月1日"],
    ["date7", "2018-01-01"],
    ["date7", "10月1日"],
    ["amount8", "¥39.80"],
    ["amount8", "39.8元"],
    ["phone_number9", "+86-0766-66888866"],
    ["car_number10", "粤A8Z888挂"],
    ["name11", "张三"],
    ["name11", "John Smith"],
    ["phrase12", "配送中"],
    ["enum13", "anything WeChat listed"],
  ])("%s %j passes", (key, v) => {
    expect(value(key, v)).toBeUndefined();
  });

  it.each([
    ["thing1", "这一段事物描述超过了二十个字符的限制所以会被拒绝", "thing rule: at most 20"],
    ["number2", "12a", "number rule"],
    ["number2", "1".repeat(33), "number rule"],
    ["letter3", "abc1", "letter rule"],
    ["symbol4", "%%%%%%", "symbol rule"],
    ["symbol4", "a!", "symbol rule"],
    ["character_string5", "中文", "character_string rule"],
    ["character_string5", "x".repeat(33), "character_string rule"],
    ["time6", "下午三点", "time rule"],
    ["date7", "tomorrow", "date rule"],
    ["amount8", "1000", "amount rule"],
    ["amount8", "¥12345678901", "amount rule"],
    ["phone_number9", "call 110", "phone_number rule"],
    ["phone_number9", "1".repeat(18), "phone_number rule"],
    ["car_number10", "粤A8Z888挂X", "car_number rule"],
    ["name11", "user25", "name rule"],
    ["name11", "欧阳诸葛司马上官东方西门", "name rule"],
    ["phrase12", "配送中ing", "phrase rule"],
    ["phrase12", "正在配送中啦", "phrase rule"],
  ])("%s %j is refused, naming the key and the rule", (key, v, rule) => {
    const problem = value(key, v);
    expect(problem).toContain(`data.${key}.value`);
    expect(problem).toContain(rule);
  });

  it("number.DATA may be a JSON number (the newer doc types it so); nothing else may", () => {
    expect(value("number1", 42.5)).toBeUndefined();
    expect(value("thing1", 42)).toBe("data.thing1.value must be a string");
  });

  it("empty values, line breaks and colours are refused", () => {
    expect(value("thing1", "  ")).toBe("data.thing1.value is empty");
    expect(value("thing1", "a\nb")).toMatch(/line break/);
    expect(subscribeMessageProblem(notice({ thing1: { value: "x", color: "#f00" } }))).toBe(
      "data.thing1.color: a subscription notice value has only `value`",
    );
  });

  it("the envelope: touser, template_id, data, page, miniprogram, url, state, lang", () => {
    const ok = { thing1: { value: "x" } };
    expect(subscribeMessageProblem(null)).toBe("the notice must be a JSON object");
    expect(subscribeMessageProblem({ template_id: "T", data: ok })).toMatch(/^touser/);
    expect(subscribeMessageProblem({ touser: "o", data: ok })).toMatch(/^template_id/);
    expect(subscribeMessageProblem(notice({}))).toMatch(/^data must fill/);
    expect(subscribeMessageProblem(notice(ok, { page: "pages/index" }))).toMatch(/^page must/);
    expect(subscribeMessageProblem(notice(ok, { page: "https://a.example/x?y=1" }))).toBe(
      undefined,
    );
    expect(subscribeMessageProblem(notice(ok, { url: "https://a.example" }))).toMatch(
      /^url is a template-message field/,
    );
    expect(subscribeMessageProblem(notice(ok, { miniprogram: { appid: "wx1" } }))).toMatch(
      /^miniprogram.pagepath/,
    );
    expect(
      subscribeMessageProblem(
        notice(ok, { miniprogram: { appid: "wx1", pagepath: "index?foo=bar" } }),
      ),
    ).toBeUndefined();
    expect(subscribeMessageProblem(notice(ok, { lang: "fr" }))).toMatch(/^lang/);
    expect(subscribeMessageProblem(notice(ok, { miniprogram_state: "beta" }))).toMatch(
      /^miniprogram_state/,
    );
  });
});

describe("the template library's inputs", () => {
  it("getpubtemplatetitles: ids, start, limit up to 30", () => {
    expect(pubTemplateTitlesProblem({ ids: [2, 616] })).toBeUndefined();
    expect(pubTemplateTitlesProblem({ ids: [] })).toMatch(/^ids/);
    expect(pubTemplateTitlesProblem({ ids: ["2,616"] })).toMatch(/^ids must/);
    expect(pubTemplateTitlesProblem({ ids: [2], limit: 31 })).toBe("limit must be 1 to 30");
    expect(pubTemplateTitlesProblem({ ids: [2], start: -1 })).toMatch(/^start/);
  });

  it("addtemplate: 2 to 5 distinct keywords, sceneDesc up to 15 characters", () => {
    expect(addSubscribeTemplateProblem({ tid: "99", kidList: [1, 2], sceneDesc: "发货通知" })).toBe(
      undefined,
    );
    expect(addSubscribeTemplateProblem({ tid: "99", kidList: [1] })).toMatch(/^kidList must/);
    expect(addSubscribeTemplateProblem({ tid: "99", kidList: [1, 2, 3, 4, 5, 6] })).toMatch(
      /^kidList/,
    );
    expect(addSubscribeTemplateProblem({ tid: "99", kidList: [1, 1] })).toMatch(/twice/);
    expect(addSubscribeTemplateProblem({ tid: "", kidList: [1, 2] })).toMatch(/^tid/);
    expect(
      addSubscribeTemplateProblem({
        tid: 99,
        kidList: [1, 2],
        sceneDesc: "一二三四五六七八九十一二三四五六",
      }),
    ).toMatch(/^sceneDesc/);
  });

  it("reads a template's rows from its content, full-width colons included", () => {
    expect(
      subscribeTemplateFields(
        "商品名称:{{thing1.DATA}}\n订单金额：{{amount2.DATA}}\n发货时间:{{time3.DATA}}",
      ),
    ).toEqual([
      { name: "商品名称", key: "thing1" },
      { name: "订单金额", key: "amount2" },
      { name: "发货时间", key: "time3" },
    ]);
  });
});

describe("sendSubscribeMessage", () => {
  const client = (answer: unknown, calls: string[] = []) =>
    new WeChatApiClient({
      apiBase: "https://api.example",
      tokens: { accessToken: async () => "T", replaceRejected: async () => "T2" },
      fetch: async (input) => {
        calls.push(String(input));
        return new Response(JSON.stringify(answer), {
          headers: { "content-type": "application/json" },
        });
      },
    });

  it("refuses a bad notice before any call, with ApiInputError naming the field", async () => {
    const calls: string[] = [];
    await expect(
      sendSubscribeMessage(
        client({ errcode: 0 }, calls),
        notice({ phrase1: { value: "太长的一个短语" } }) as never,
      ),
    ).rejects.toBeInstanceOf(ApiInputError);
    expect(calls).toEqual([]);
  });

  it("posts to bizsend and keeps a 64-bit msgid exact", async () => {
    const calls: string[] = [];
    const api = new WeChatApiClient({
      apiBase: "https://api.example",
      tokens: { accessToken: async () => "T", replaceRejected: async () => "T2" },
      fetch: async (input) => {
        calls.push(String(input));
        return new Response('{"errcode":0,"errmsg":"ok","msgid":1700827132819554304}');
      },
    });
    const sent = await sendSubscribeMessage(api, notice({ thing1: { value: "x" } }) as never);
    expect(sent).toEqual({ msgid: "1700827132819554304" });
    expect(calls).toEqual(["https://api.example/cgi-bin/message/subscribe/bizsend?access_token=T"]);
    expect(
      await sendSubscribeMessage(
        client({ errcode: 0, errmsg: "ok" }),
        notice({ thing1: { value: "x" } }) as never,
      ),
    ).toEqual({});
  });
});
