/**
 * Long text for WeChat: a passive text reply is cut at 2048 bytes of UTF-8 (被动回复用户消息:
 * "Content ... 长度不超过2048字节"), so a longer answer is sent in parts.
 *
 * Parts are cut at character boundaries, never inside a multi-byte character, a surrogate pair
 * or a grapheme (an emoji with its modifiers, a letter with its combining marks), and preferably
 * after a line break or a sentence end near the limit, so each part reads on its own. The parts
 * joined without separators are the original text exactly.
 */
import { utf8 } from "./encoding";

/** WeChat's limit for the Content of a passive text reply, in bytes of UTF-8. */
export const MAX_TEXT_REPLY_BYTES = 2048;

/** How far back from the limit a part may end early to end at a line break or a sentence. */
const PREFERRED_BREAK_WINDOW = 0.3;
const LINE_BREAK = /\n/;
const SENTENCE_END = /[。！？；…!?;.]\s*$/;

/** The UTF-8 length of `text`. */
export function utf8Length(text: string): number {
  return utf8(text).length;
}

/**
 * `text` cut into parts of at most `maxBytes` bytes of UTF-8 each; `[text]` when it fits. A
 * grapheme longer than `maxBytes` on its own (far beyond any real one) is cut at code points.
 */
export function splitText(text: string, maxBytes = MAX_TEXT_REPLY_BYTES): string[] {
  if (!Number.isInteger(maxBytes) || maxBytes < 4) throw new RangeError("maxBytes must be ≥ 4");
  if (utf8Length(text) <= maxBytes) return [text];
  const units = graphemes(text);
  const parts: string[] = [];
  let part = "";
  let partBytes = 0;
  /** Where in `part` the last preferred break ends (0: none yet), and its kind. */
  let lineBreakAt = 0;
  let sentenceAt = 0;
  for (const unit of units) {
    const bytes = utf8Length(unit);
    if (partBytes + bytes > maxBytes && part !== "") {
      const cut = preferredCut(part, partBytes, maxBytes, lineBreakAt, sentenceAt);
      parts.push(part.slice(0, cut));
      part = part.slice(cut);
      partBytes = utf8Length(part);
      lineBreakAt = 0;
      sentenceAt = 0;
    }
    if (bytes > maxBytes) {
      // One oversized grapheme: its code points, as many to a part as fit.
      for (const codePoint of unit) {
        const size = utf8Length(codePoint);
        if (partBytes + size > maxBytes && part !== "") {
          parts.push(part);
          part = "";
          partBytes = 0;
        }
        part += codePoint;
        partBytes += size;
      }
      continue;
    }
    part += unit;
    partBytes += bytes;
    if (LINE_BREAK.test(unit)) lineBreakAt = part.length;
    else if (SENTENCE_END.test(part.slice(-2))) sentenceAt = part.length;
  }
  if (part !== "") parts.push(part);
  return parts;
}

/** The index to cut `part` at: a line break near its end, else a sentence end, else its end. */
function preferredCut(
  part: string,
  partBytes: number,
  maxBytes: number,
  lineBreakAt: number,
  sentenceAt: number,
): number {
  const earliest = maxBytes * (1 - PREFERRED_BREAK_WINDOW);
  for (const at of [lineBreakAt, sentenceAt]) {
    if (at > 0 && at < part.length && partBytes - utf8Length(part.slice(at)) >= earliest) {
      return at;
    }
  }
  return part.length;
}

/** User-perceived characters where the runtime can tell them (Intl.Segmenter), else code points. */
function graphemes(text: string): string[] {
  if (typeof Intl !== "undefined" && "Segmenter" in Intl) {
    const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });
    return Array.from(segmenter.segment(text), (segment) => segment.segment);
  }
  return Array.from(text);
}
