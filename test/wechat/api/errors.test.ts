import { describe, expect, it } from "vitest";
import { hintFor, isTokenRejected, WeChatApiError } from "../../../src/wechat/api/errors";

describe("WeChatApiError", () => {
  it("40164 says the egress IP is not whitelisted, with the IP WeChat saw and the way out", () => {
    const error = new WeChatApiError(
      40164,
      "invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist rid: 1-2-3",
      "/cgi-bin/stable_token",
    );
    expect(error.ip).toBe("203.0.113.7");
    expect(error.hint).toContain("egress IP 203.0.113.7 is not in the account's IP whitelist");
    expect(error.hint).toContain("fixed-IP proxy with WECHAT_API_BASE");
    expect(error.toJSON()).toMatchObject({
      errcode: 40164,
      ip: "203.0.113.7",
      path: "/cgi-bin/stable_token",
    });
  });

  it("names the settings for 40013 and 40125, and the quota for 45009", () => {
    expect(hintFor(40013)).toContain("WECHAT_APPID");
    expect(hintFor(40125)).toContain("WECHAT_APPSECRET");
    expect(hintFor(45009)).toMatch(/daily API quota is used up/);
    expect(hintFor(40001)).toMatch(/WECHAT_APPSECRET/);
    expect(hintFor(99999)).toMatch(/全局返回码/);
  });

  it("treats 40001, 40014 and 42001 as a rejected token, nothing else", () => {
    expect([40001, 40014, 42001].every(isTokenRejected)).toBe(true);
    expect([0, -1, 40013, 40125, 41001, 45009].some(isTokenRejected)).toBe(false);
  });
});
