import { describe, expect, it } from "vitest";
import { outboxSince } from "../../../dev/fake-wechat/platform-state";
import {
  deletePrivateTemplate,
  getTemplateIndustry,
  listPrivateTemplates,
  sendTemplateMessage,
  templateMessageProblem,
  type TemplateMessage,
} from "../../../src/wechat/api/template";
import { ApiInputError } from "../../../src/wechat/api/input-error";
import { fakeApi } from "../../fixtures/fake-api";

// The request of WeChat's 发送模板消息 page.
const MESSAGE: TemplateMessage = {
  touser: "OPENID",
  template_id: "ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY",
  url: "http://weixin.qq.com/download",
  miniprogram: { appid: "xiaochengxuappid12345", pagepath: "index?foo=bar" },
  client_msg_id: "MSG_000001",
  data: {
    keyword1: { value: "巧克力" },
    keyword2: { value: "39.8元" },
    keyword3: { value: "2014年9月22日" },
  },
};

describe("template messages (模板消息)", () => {
  it("sends url, miniprogram and client_msg_id and keeps the msgid beyond 2^53 exact", async () => {
    const { fake, client } = await fakeApi();
    const { msgid } = await sendTemplateMessage(client, MESSAGE);
    const [sent] = outboxSince(fake);
    expect(sent!.body).toEqual(MESSAGE);
    expect(msgid).toBe(sent!.msgid);
    expect(BigInt(msgid) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    // JSON.parse would have rounded it: the string is the exact decimal WeChat sent.
    expect(msgid).not.toBe(String(Number(msgid)));
  });

  it("surfaces WeChat's 47003 for a data field without a value, with its hint", async () => {
    const { client } = await fakeApi();
    const bad = { ...MESSAGE, data: { keyword1: { value: 3 } } };
    await expect(client.post("/cgi-bin/message/template/send", bad)).rejects.toMatchObject({
      errcode: 47003,
      hint: expect.stringMatching(/template argument/i),
    });
    expect(templateMessageProblem(bad)).toBe("data.keyword1.value must be a string");
    await expect(
      sendTemplateMessage(client, bad as unknown as TemplateMessage),
    ).rejects.toBeInstanceOf(ApiInputError);
  });

  it("refuses what the 2023 rules retired, naming the field, before any call", async () => {
    const { fake, client } = await fakeApi();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ data: { first: { value: "您好" }, keyword1: { value: "x" } } }, /^data\.first: /],
      [{ data: { keyword1: { value: "x" }, remark: { value: "谢谢" } } }, /^data\.remark: /],
      [{ data: { keyword1: { value: "x", color: "#173177" } } }, /^data\.keyword1\.color: /],
      [{ topcolor: "#FF0000" }, /^topcolor: /],
    ];
    for (const [change, reason] of cases) {
      const message = { ...MESSAGE, ...change } as unknown as TemplateMessage;
      expect(templateMessageProblem(message)).toMatch(reason);
      await expect(sendTemplateMessage(client, message)).rejects.toMatchObject({
        name: "ApiInputError",
        problem: expect.stringMatching(reason),
      });
    }
    expect(fake.count("/cgi-bin/message/template/send")).toBe(0);
  });

  it("the fake accepts retired fields as WeChat does and delivers without them", async () => {
    const { fake, client } = await fakeApi();
    await client.post("/cgi-bin/message/template/send", {
      ...MESSAGE,
      topcolor: "#FF0000",
      data: { first: { value: "您好" }, keyword1: { value: "巧克力", color: "#173177" } },
    });
    const [sent] = outboxSince(fake);
    expect(sent!.body).toEqual({ ...MESSAGE, data: { keyword1: { value: "巧克力" } } });
  });

  it("lists and deletes private templates and reads the industry", async () => {
    const { client } = await fakeApi();
    const templates = await listPrivateTemplates(client);
    expect(templates[0]).toMatchObject({
      template_id: expect.any(String),
      title: expect.any(String),
      content: expect.any(String),
    });
    await deletePrivateTemplate(client, templates[0]!.template_id);
    await expect(deletePrivateTemplate(client, "nope")).rejects.toMatchObject({ errcode: 40037 });
    expect((await getTemplateIndustry(client)).primary_industry.first_class).toBe("IT科技");
  });

  it("explains malformed messages before sending", () => {
    expect(templateMessageProblem(MESSAGE)).toBeUndefined();
    expect(templateMessageProblem({ ...MESSAGE, touser: "" })).toMatch(/touser/);
    expect(templateMessageProblem({ ...MESSAGE, miniprogram: { pagepath: "x" } })).toMatch(
      /miniprogram.appid/,
    );
  });
});
