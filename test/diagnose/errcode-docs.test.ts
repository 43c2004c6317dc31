/**
 * Every errcode the Worker names has a one-line hint (src/wechat/api/errors.ts) and a row with
 * the fix in docs/operations.md, and every errcode the diagnosis can report is among them.
 */
import { describe, expect, it } from "vitest";
import operations from "../../docs/operations.md?raw";
import { hintedErrcodes, hintFor } from "../../src/wechat/api/errors";

/** The errcodes in the first cell of each row of the errcode table ("40030 / 42002"). */
function documentedErrcodes(): Set<number> {
  const table = operations.slice(operations.indexOf("| errcode"));
  const codes = new Set<number>();
  for (const line of table.split("\n")) {
    if (!line.startsWith("|")) break;
    for (const code of line.split("|")[1]!.matchAll(/-?\d+/g)) codes.add(Number(code[0]));
  }
  return codes;
}

describe("errcodes: hints and the operations page", () => {
  it("every hinted errcode has a row in docs/operations.md", () => {
    const documented = documentedErrcodes();
    const missing = hintedErrcodes().filter((errcode) => !documented.has(errcode));
    expect(missing).toEqual([]);
  });

  it("every row has a hint of its own, not the generic one", () => {
    const generic = hintFor(99999);
    const unhinted = [...documentedErrcodes()].filter((errcode) => hintFor(errcode) === generic);
    expect(unhinted).toEqual([]);
  });

  it("every hint is one line", () => {
    for (const errcode of hintedErrcodes())
      expect(hintFor(errcode), String(errcode)).not.toMatch(/\n/);
  });

  it("the errcodes issue 17 names all have hints", () => {
    const hinted = new Set(hintedErrcodes());
    for (const errcode of [
      40001, 40164, 42001, 45009, 45015, 45047, 48001, 61024, 43101, 53404, 45064, 40007,
    ]) {
      expect(hinted.has(errcode), String(errcode)).toBe(true);
    }
  });
});
