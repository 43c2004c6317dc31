/**
 * The assistant's history stays within the conversation's bounds whatever the turns hold.
 */
import { describe, expect, it } from "vitest";
import { clip, MAX_TURNS, turnsOf, withTurn, type Turn } from "../../demo/chat-history";

// The conversation's limit (ctx.conversation refuses more).
const CONVERSATION_LIMIT = 64 * 1024;
const jsonBytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length;

describe("withTurn", () => {
  it("keeps the last MAX_TURNS turns, oldest first", () => {
    let turns: Turn[] = [];
    for (let i = 1; i <= 15; i++)
      turns = withTurn(turns, { user: `q${i}`, assistant: `a${i}` }).turns;
    expect(MAX_TURNS).toBe(10);
    expect(turns.map((t) => t.user)).toEqual(Array.from({ length: 10 }, (_, i) => `q${i + 6}`));
  });

  it("fits the conversation however long or escape-heavy the texts, and keeps the newest turn", () => {
    const fillers = [
      "x".repeat(100_000),
      "界".repeat(50_000),
      "\u0001".repeat(50_000),
      "😀".repeat(30_000),
    ];
    let turns: Turn[] = [];
    for (const [i, filler] of fillers.entries()) {
      const history = withTurn(turns, { user: filler, assistant: `${i}:${filler}` });
      expect(jsonBytes(history)).toBeLessThan(CONVERSATION_LIMIT);
      expect(history.turns.at(-1)!.assistant.startsWith(`${i}:`)).toBe(true);
      turns = history.turns;
    }
  });
});

describe("turnsOf", () => {
  it("reads only a history: another bot's value or a broken one is no history", () => {
    for (const stored of [undefined, null, "text", 42, { remembered: "milk" }, { turns: "no" }]) {
      expect(turnsOf(stored)).toEqual([]);
    }
    const mixed = {
      turns: [{ user: "q", assistant: "a" }, { user: 1, assistant: "a" }, null, "x"],
    };
    expect(turnsOf(mixed)).toEqual([{ user: "q", assistant: "a" }]);
  });
});

describe("clip", () => {
  it("leaves short text alone and never cuts a surrogate pair", () => {
    expect(clip("short", 10)).toBe("short");
    const clipped = clip("a😀😀😀", 3);
    expect(clipped).toBe("a…");
    expect(clipped.length).toBeLessThanOrEqual(3);
    expect(clip("😀😀😀", 4)).toBe("😀…");
  });
});
