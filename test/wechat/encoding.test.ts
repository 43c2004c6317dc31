import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  fromBase64,
  fromHex,
  portableFromBase64,
  portableFromHex,
  portableToBase64,
  portableToHex,
  toBase64,
  toHex,
} from "../../src/wechat/encoding";

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

// This file runs in workerd (project "workers"), whose Uint8Array has native hex and base64, and
// on Node (project "core-node"), where the public functions take the portable paths. In workerd
// the comparisons below hold the portable paths to the native ones.
describe("the portable paths agree with the native methods", () => {
  const native = Uint8Array as unknown as { fromBase64?: unknown; prototype: { toHex?: unknown } };

  it.runIf(navigator.userAgent === "Cloudflare-Workers")("workerd has the native methods", () => {
    expect(typeof native.fromBase64).toBe("function");
    expect(typeof native.prototype.toHex).toBe("function");
  });

  const bytes = fc.uint8Array({ maxLength: 96 });

  it("encodes hex and base64 alike", () => {
    fc.assert(
      fc.property(bytes, (input) => {
        expect(portableToHex(input)).toBe(toHex(input));
        expect(portableToBase64(input)).toBe(toBase64(input));
      }),
    );
    // Longer than one chunk of the portable base64 encoder.
    const large = new Uint8Array(0x8000 * 2 + 5).map((_, i) => (i * 131) % 256);
    expect(portableToBase64(large)).toBe(toBase64(large));
  });

  const hexText = fc.oneof(
    bytes.map((input) => toHex(input)),
    bytes.map((input) => toHex(input).toUpperCase()),
    fc.string({ unit: fc.constantFrom(..."0123456789abcdefABCDEFgxz -\n\u00e9"), maxLength: 12 }),
  );

  it("decodes hex alike, and refuses the same text", () => {
    fc.assert(
      fc.property(hexText, (text) => {
        expect(portableFromHex(text)).toEqual(fromHex(text));
      }),
    );
  });

  const base64Text = fc.oneof(
    bytes.map((input) => toBase64(input)),
    // Spare bits set in the last quantum (an EncodingAESKey plus "=").
    bytes
      .filter((input) => input.length % 3 !== 0)
      .map((input) => toBase64(input).replace(/[A-Za-z0-9+/](?==+$)/, "z")),
    fc.string({
      unit: fc.constantFrom(..."AQgwz09+/=-_ \n%"),
      maxLength: 12,
    }),
  );

  it("decodes base64 alike, and refuses the same text", () => {
    fc.assert(
      fc.property(base64Text, (text) => {
        expect(portableFromBase64(text)).toEqual(fromBase64(text));
      }),
    );
  });
});
