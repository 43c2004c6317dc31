import { describe, expect, it } from "vitest";
import { queueReplies, withContinueHint } from "../../src/callback/kept-replies";
import { reply, type Reply } from "../../src/wechat/reply";
import { utf8Length } from "../../src/wechat/text-parts";

const HINT = "（未完，回复任意文字继续）";
const texts = (replies: (Reply | undefined)[]) =>
  replies.map((r) => (r?.type === "text" ? r.content : r?.type));

describe("the reply queue", () => {
  it("merges whole texts while they fit, and keeps other types one per answer", () => {
    const queued = queueReplies([reply.text("a"), reply.image("m")], reply.text("b"), HINT);
    expect(texts([queued.first, ...queued.rest])).toEqual(["a", "image", "b"]);
    const merged = queueReplies([reply.text("a")], reply.text("b"), HINT);
    expect(texts([merged.first, ...merged.rest])).toEqual(["a\n\nb"]);
  });

  it("cuts a long text into parts that never merge with what follows, and join to the original", () => {
    const long = "段落。".repeat(500); // 4,500 bytes
    const queued = queueReplies([], reply.text(long), HINT);
    const all = [queued.first!, ...queued.rest];
    expect(all.length).toBe(3);
    expect(texts(all).join("")).toBe(long);
    // Owed later with a new reply behind them: a part is never joined to what continues it; the
    // last part may share an answer with the new reply, after a blank line.
    const later = queueReplies(queued.rest, reply.text("新的回答"), HINT);
    expect(texts([later.first, ...later.rest])).toEqual([
      texts(queued.rest)[0],
      `${texts(queued.rest)[1]}\n\n新的回答`,
    ]);
  });

  it("a hinted passive answer never passes 2048 bytes: a text too long for the hint is cut first", () => {
    const nearly = "字".repeat(680); // 2,040 bytes: fits alone, not with the hint
    const queued = queueReplies([reply.text(nearly)], reply.image("m"), HINT);
    expect(texts([queued.first])).toEqual([nearly]);
    const hinted = withContinueHint(queued, HINT);
    const first = texts([hinted.first])[0]!;
    expect(utf8Length(first)).toBeLessThanOrEqual(2048);
    expect(first.endsWith(`\n${HINT}`)).toBe(true);
    expect(first.slice(0, -HINT.length - 1) + texts([hinted.rest[0]])[0]).toBe(nearly);
    expect(texts(hinted.rest.slice(1))).toEqual(["image"]);
  });
});
