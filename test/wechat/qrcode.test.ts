import { describe, expect, it } from "vitest";
import {
  parseExpireSeconds,
  parseScene,
  qrCodeCreateBody,
  readQrCodeTicket,
  sceneKey,
  showQrCodeUrl,
} from "../../src/wechat/qrcode";

describe("parseScene", () => {
  it.each([
    ["1", 1],
    ["100000", 100000],
    ["4294967295", 4294967295],
  ])("temporary integer scene %s", (text, id) => {
    expect(parseScene(text, "temporary")).toEqual({ ok: true, value: { type: "id", id } });
  });

  it.each(["0", "-1", "4294967296", "99999999999", "007", "+5", "1.5", "1e3", ".5", "-0"])(
    "number-like %j that is not a canonical 32-bit scene_id is refused",
    (text) => {
      const result = parseScene(text, "temporary");
      expect(result.ok).toBe(false);
      if (!result.ok)
        expect(result.reason).toMatch(/^scene must be an integer from 1 to 4294967295/);
    },
  );

  it("permanent integer scenes stop at 100000, with a reason that says so", () => {
    expect(parseScene("100000", "permanent").ok).toBe(true);
    const result = parseScene("100001", "permanent");
    expect(result).toEqual({
      ok: false,
      reason: expect.stringContaining("permanent codes allow scene_id up to 100000"),
    });
  });

  it.each(["spring-sale", "渠道A", "a b", "x".repeat(64), "😀".repeat(64), "1a", "0x10"])(
    "string scene %j",
    (text) => {
      expect(parseScene(text, "temporary")).toEqual({
        ok: true,
        value: { type: "str", str: text },
      });
      expect(parseScene(text, "permanent").ok).toBe(true);
    },
  );

  it("refuses empty, over 64 characters and control characters", () => {
    expect(parseScene("", "temporary")).toMatchObject({
      ok: false,
      reason: expect.stringContaining("empty"),
    });
    expect(parseScene("x".repeat(65), "temporary")).toEqual({
      ok: false,
      reason: "scene must be at most 64 characters; it has 65",
    });
    expect(parseScene("a\nb", "temporary").ok).toBe(false);
  });

  it("sceneKey is what the push reports", () => {
    expect(sceneKey({ type: "id", id: 42 })).toBe("42");
    expect(sceneKey({ type: "str", str: "spring" })).toBe("spring");
  });
});

describe("parseExpireSeconds", () => {
  it.each([
    ["60", 60],
    ["2592000", 2592000],
    ["3600", 3600],
  ])("%s", (text, seconds) =>
    expect(parseExpireSeconds(text)).toEqual({ ok: true, value: seconds }),
  );

  it.each(["59", "0", "-60", "2592001", "60.5", "1e3", "", "abc", "0060"])("refuses %j", (text) => {
    expect(parseExpireSeconds(text)).toEqual({
      ok: false,
      reason: "expire must be a whole number of seconds from 60 to 2592000",
    });
  });
});

describe("qrCodeCreateBody", () => {
  it("builds the four action names as documented", () => {
    expect(
      qrCodeCreateBody({
        kind: "temporary",
        scene: { type: "id", id: 123 },
        expireSeconds: 604800,
      }),
    ).toEqual({
      expire_seconds: 604800,
      action_name: "QR_SCENE",
      action_info: { scene: { scene_id: 123 } },
    });
    expect(
      qrCodeCreateBody({
        kind: "temporary",
        scene: { type: "str", str: "test" },
        expireSeconds: 60,
      }),
    ).toEqual({
      expire_seconds: 60,
      action_name: "QR_STR_SCENE",
      action_info: { scene: { scene_str: "test" } },
    });
    expect(qrCodeCreateBody({ kind: "permanent", scene: { type: "id", id: 123 } })).toEqual({
      action_name: "QR_LIMIT_SCENE",
      action_info: { scene: { scene_id: 123 } },
    });
    expect(qrCodeCreateBody({ kind: "permanent", scene: { type: "str", str: "test" } })).toEqual({
      action_name: "QR_LIMIT_STR_SCENE",
      action_info: { scene: { scene_str: "test" } },
    });
  });
});

describe("readQrCodeTicket and showQrCodeUrl", () => {
  // The documented answer.
  const answer = {
    ticket:
      "gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2taZ2Z3TVRtNzJXV1Brb3ZhYmJJAAIEZ23sUwMEmm3sUw==",
    expire_seconds: 60,
    url: "http://weixin.qq.com/q/kZgfwMTm72WWPkovabbI",
  };

  it("reads the documented answer, and a permanent one without expire_seconds", () => {
    expect(readQrCodeTicket(answer)).toEqual({
      ok: true,
      value: { ticket: answer.ticket, url: answer.url, expireSeconds: 60 },
    });
    expect(readQrCodeTicket({ ticket: answer.ticket, url: answer.url })).toEqual({
      ok: true,
      value: { ticket: answer.ticket, url: answer.url },
    });
  });

  it("refuses an answer without ticket or url", () => {
    expect(readQrCodeTicket({ url: answer.url }).ok).toBe(false);
    expect(readQrCodeTicket({ ticket: answer.ticket }).ok).toBe(false);
    expect(readQrCodeTicket({ ...answer, expire_seconds: "60" }).ok).toBe(false);
  });

  it("URL-encodes the ticket for showqrcode on the mp host", () => {
    expect(showQrCodeUrl("ab+/c==")).toBe(
      "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=ab%2B%2Fc%3D%3D",
    );
    expect(showQrCodeUrl("t", "http://127.0.0.1:9000")).toBe(
      "http://127.0.0.1:9000/cgi-bin/showqrcode?ticket=t",
    );
  });
});
