import { describe, expect, it } from "vitest";
import { parseWeChatJson } from "../../../src/wechat/api/json";

describe("parseWeChatJson", () => {
  it("keeps integers beyond 2^53 exactly, as strings", () => {
    const body = parseWeChatJson(
      '{"errcode":0,"errmsg":"ok","msg_id":3147483649123456789,"msg_data_id":2247483647,"big":9007199254740993}',
    ) as Record<string, unknown>;
    expect(body.msg_id).toBe("3147483649123456789");
    expect(body.big).toBe("9007199254740993");
    expect(body.errcode).toBe(0);
  });

  it("returns id fields as strings even when small", () => {
    const body = parseWeChatJson('{"errcode":0,"msgid":200228332}') as Record<string, unknown>;
    expect(body.msgid).toBe("200228332");
  });

  it("leaves ordinary numbers, floats and strings alone", () => {
    expect(parseWeChatJson('{"expires_in":7200,"x":1.5e3,"s":"12345678901234567890"}')).toEqual({
      expires_in: 7200,
      x: 1500,
      s: "12345678901234567890",
    });
  });

  it("keeps big ids inside arrays and nested objects", () => {
    expect(parseWeChatJson('{"list":[{"msgid":12345678901234567890}]}')).toEqual({
      list: [{ msgid: "12345678901234567890" }],
    });
  });

  it("throws on invalid JSON like JSON.parse", () => {
    expect(() => parseWeChatJson("{nope")).toThrow(SyntaxError);
  });
});
