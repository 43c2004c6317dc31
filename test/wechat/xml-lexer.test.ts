/**
 * The pre-scan against fast-xml-parser's own lexer. The oracle is the parser as it was
 * configured before entity processing was turned off: it expands any entity a DOCTYPE declares.
 * On every document parseXml accepts, the oracle must build the same tree, so it saw the same
 * markup the scan approved, and nothing may have expanded. Documents are runs of fragments of
 * markup and of characters that move token boundaries (quotes, ">", "/", "?>", Unicode spaces),
 * next to a DOCTYPE that declares &e;.
 */
import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { parseXml } from "../../src/wechat/xml";
import { seededRandom } from "../fixtures/seeded-random";

const expanding = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

function oracle(xml: string): unknown {
  const document = expanding.parse(xml.replace(/^\uFEFF/, "").trim()) as Record<string, unknown>;
  const root = document.xml as Record<string, unknown>;
  delete root["#text"];
  return root;
}

const DOCTYPE = "<!DOCTYPE x [<!ENTITY e 'EXPANDED'>]>";

const occurrences = (text: string) => text.split("EXPANDED").length - 1;
const cdataOf = (xml: string) => (xml.match(/<!\[CDATA\[[\s\S]*?\]\]>/g) ?? []).join("");

describe("the pre-scan reads markup where fast-xml-parser does", () => {
  it("agrees with an entity-expanding parser on every document it accepts", () => {
    const { random, pick } = seededRandom(0x1d872b41);
    // Fragments of markup, so that a quote or an opener in one can end in another.
    const fragments = [
      "x",
      " ",
      "\t",
      "\u00A0",
      '"',
      "'",
      ">",
      "/",
      "=",
      "&e;",
      "&amp;",
      "&#60;",
      DOCTYPE,
      "<b>",
      "</b>",
      "<b>x</b>",
      "<b>&e;</b>",
      "<c/>",
      '<b a="x">',
      "<b a='\"'>",
      '<b a=">',
      "<b a='>",
      '</b ">',
      "</b '>",
      '<b>x</b ">',
      '<b>&e;</b ">',
      "<b/ >",
      "<?>",
      "<??>",
      "<?pi ",
      "<?pi x?>",
      '<?pi "?>',
      "?>",
      "<![CDATA[",
      "]]>",
      "<![CDATA[x]]>",
      "<!--",
      "-->",
    ];
    let accepted = 0;
    let acceptedWithQuotes = 0;
    for (let i = 0; i < 50000; i++) {
      const body = Array.from({ length: 1 + random(6) }, () => pick(fragments)).join("");
      const xml = `${pick(["", '<?xml version="1.0"?>', DOCTYPE])}<xml>${body}</xml>`;
      const result = parseXml(xml);
      if (!result.ok) continue;
      accepted++;
      if (/["']/.test(body)) acceptedWithQuotes++;
      let expected: unknown;
      expect(() => (expected = oracle(xml)), xml).not.toThrow();
      expect(result.root, xml).toEqual(expected);
      // The DOCTYPE typed into CDATA is text; any other EXPANDED in the tree was expanded.
      expect(occurrences(JSON.stringify(result.root)), xml).toBeLessThanOrEqual(
        occurrences(cdataOf(xml)),
      );
    }
    // Both sides of the line are exercised, quotes in accepted documents included.
    expect(accepted).toBeGreaterThan(500);
    expect(accepted).toBeLessThan(45000);
    expect(acceptedWithQuotes).toBeGreaterThan(100);
  });
});
