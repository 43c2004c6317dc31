import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_TEXT_REPLY_BYTES, splitText, utf8Length } from "../../src/wechat/text-parts";

const SEED = 20261130;

describe("splitText", () => {
  it("leaves a text that fits alone, and measures bytes, not characters", () => {
    expect(splitText("你好")).toEqual(["你好"]);
    const exactly = "汉".repeat(682) + "ab"; // 682 × 3 + 2 = 2048 bytes
    expect(splitText(exactly)).toEqual([exactly]);
    expect(splitText(`${exactly}c`)).toHaveLength(2);
  });

  it("cuts a 3,000-byte text into parts of at most 2048 bytes that join to the original", () => {
    const text = "微信公众号".repeat(200); // 3,000 bytes
    const parts = splitText(text);
    expect(parts.length).toBe(2);
    expect(parts.join("")).toBe(text);
    for (const part of parts) expect(utf8Length(part)).toBeLessThanOrEqual(MAX_TEXT_REPLY_BYTES);
  });

  it("prefers a line break, then a sentence end, near the limit", () => {
    const line = `${"a".repeat(1800)}\n${"b".repeat(600)}`;
    expect(splitText(line)[0]).toBe(`${"a".repeat(1800)}\n`);
    const sentence = `${"字".repeat(600)}。${"字".repeat(400)}`;
    expect(splitText(sentence)[0]).toBe(`${"字".repeat(600)}。`);
    // A break far from the limit is not worth a tiny part.
    const early = `ab\n${"c".repeat(3000)}`;
    expect(utf8Length(splitText(early)[0]!)).toBe(MAX_TEXT_REPLY_BYTES);
  });

  it("never cuts an emoji sequence, a surrogate pair or a combining mark", () => {
    const family = "👨‍👩‍👧‍👦"; // 25 bytes, one grapheme
    const text = family.repeat(100);
    for (const part of splitText(text, 60)) {
      expect(part.length % family.length).toBe(0);
    }
    const accented = "e\u0301".repeat(50);
    for (const part of splitText(accented, 10)) expect(part.startsWith("\u0301")).toBe(false);
  });

  it("holds for any text and limit (property)", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 400 }),
        fc.integer({ min: 4, max: 300 }),
        (text, maxBytes) => {
          const parts = splitText(text, maxBytes);
          expect(parts.join("")).toBe(text);
          for (const part of parts) {
            expect(utf8Length(part)).toBeLessThanOrEqual(maxBytes);
            expect(part).not.toMatch(/^[\uDC00-\uDFFF]/);
            expect(part).not.toMatch(/[\uD800-\uDBFF]$/);
          }
          if (text !== "") expect(parts.every((part) => part !== "")).toBe(true);
        },
      ),
      { seed: SEED, numRuns: 500 },
    );
  });
});
