import { describe, expect, it } from "vitest";
import { fromBase64, fromHex, toBase64 } from "../../src/wechat/encoding";

describe("fromBase64", () => {
  it("round-trips every length through toBase64", () => {
    for (let length = 0; length <= 48; length++) {
      const bytes = crypto.getRandomValues(new Uint8Array(length));
      expect(fromBase64(toBase64(bytes))).toEqual(bytes);
    }
  });

  it("accepts spare bits set in the last quantum, as an EncodingAESKey plus '=' has", () => {
    expect(fromBase64("QUJ=")).toEqual(new Uint8Array([0x41, 0x42]));
    expect(fromBase64("QR==")).toEqual(new Uint8Array([0x41]));
  });

  it.each([
    ["missing padding", "QUI"],
    ["a newline", "QUJD\n"],
    ["white space inside", "QU JD    "],
    ["white space making a multiple of four", "QUJD    "],
    ["too much padding", "Q==="],
    ["padding in the middle", "QU==QUJD"],
    ["URL-safe alphabet", "-_-_"],
    ["not base64", "%%%%"],
  ])("refuses %s", (_name, text) => {
    expect(fromBase64(text)).toBeUndefined();
  });
});

describe("fromHex", () => {
  it("decodes either case and refuses anything but an even run of hex digits", () => {
    expect(fromHex("00ff7Fa0")).toEqual(new Uint8Array([0, 255, 127, 160]));
    expect(fromHex("")).toEqual(new Uint8Array(0));
    for (const bad of ["0", "abc", "zz", "0x00", "00 ff", "é1"])
      expect(fromHex(bad)).toBeUndefined();
  });
});
