import { XMLParser } from "fast-xml-parser";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  cdata,
  parseWithFastXmlParser,
  parseXml,
  renderXml,
  textOf,
  type XmlElement,
} from "../../src/wechat/xml";
import { pushes } from "../fixtures/pushes";
import { seededRandom } from "../fixtures/seeded-random";

function root(xml: string): XmlElement {
  const result = parseXml(xml);
  if (!result.ok) throw new Error(result.reason);
  return result.root;
}

function reason(xml: string): string {
  const result = parseXml(xml);
  if (result.ok) throw new Error("expected a rejection");
  return result.reason;
}

const content = (xml: string) => textOf(root(`<xml><Content>${xml}</Content></xml>`), "Content");

describe("values come out exactly as sent", () => {
  it.each([
    ["CDATA", "<![CDATA[hello]]>", "hello"],
    ["]]> split across two CDATA sections", "<![CDATA[a]]]]><![CDATA[>b]]>", "a]]>b"],
    [
      "markup characters in CDATA",
      "<![CDATA[<b>&amp; </xml> \"'</b>]]>",
      "<b>&amp; </xml> \"'</b>",
    ],
    ["named entities", "&lt;&gt;&amp;&quot;&apos;", "<>&\"'"],
    ["numeric references", "&#60;&#x3C;&#128512;", "<<😀"],
    ["no double decoding", "&amp;lt;&amp;#60;", "&lt;&#60;"],
    ["no double decoding of a numeric &", "&#38;lt;&#38;#x3C;&#x26;#60;", "&lt;&#x3C;&#60;"],
    ["hex of either case, decimal with leading zeros", "&#x1f600;&#x1F600;&#0000065;", "😀😀A"],
    [
      "numeric references at the edges of XML's characters",
      "&#9;&#xA;&#13;&#x20;&#xD7FF;&#xE000;&#xFFFD;&#x10000;&#x10FFFF;",
      "\t\n\r \uD7FF\uE000\uFFFD\u{10000}\u{10FFFF}",
    ],
    ["references in CDATA stay as sent", "<![CDATA[&amp;]]>", "&amp;"],
    ["references beside a comment", "a&amp;<!-- &lt; -->&lt;b", "a&<b"],
    [
      "text and CDATA joined in order, only the text decoded",
      "a&amp;<![CDATA[&amp;&lt;]]>&lt;b<![CDATA[&#60;]]>&#60;",
      "a&&amp;&lt;<b&#60;<",
    ],
    ["emoji", "<![CDATA[👍🏽😀 你好]]>", "👍🏽😀 你好"],
    ["newlines", "<![CDATA[line1\nline2\r\nline3]]>", "line1\nline2\nline3"],
    ["leading and trailing spaces (CDATA)", "<![CDATA[  padded  ]]>", "  padded  "],
    ["leading and trailing spaces (text)", "  padded  ", "  padded  "],
    [
      "a DOCTYPE typed by a follower",
      "<![CDATA[<!DOCTYPE html><!ENTITY x>]]>",
      "<!DOCTYPE html><!ENTITY x>",
    ],
    ["empty CDATA", "<![CDATA[]]>", ""],
    ["64-bit id", "6054768590064713728", "6054768590064713728"],
    ["leading zeros", "007", "007"],
  ])("%s", (_, xml, expected) => {
    expect(content(xml)).toBe(expected);
  });

  it("keeps repeated elements as a list and ignores attributes", () => {
    const r = root('<xml a="1"><item k="v">1</item><item>2</item></xml>');
    expect(r.item).toEqual(["1", "2"]);
  });

  it("accepts attributes and white space inside tags where XML allows them", () => {
    const r = root(
      `<xml\n><A b="1" c = '2' d="'>" e='"'\t>x</A\r\n\t ><B/><C /><D\tb="1"/><E b='' /></xml >`,
    );
    expect(r).toEqual({ A: "x", B: "", C: "", D: "", E: "" });
  });

  it("accepts a BOM, an XML declaration and surrounding whitespace", () => {
    expect(textOf(root('\uFEFF <?xml version="1.0"?>\n<xml><A>1</A></xml>\n'), "A")).toBe("1");
  });
});

describe("hostile and malformed input is refused with a one-line reason", () => {
  const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<xml><Content>&lol9;</Content></xml>`;
  const externalEntity = `<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><Content>&xxe;</Content></xml>`;

  it.each([
    ["empty", ""],
    ["whitespace", "  \n "],
    ["JSON", '{"ToUserName":"gh_x","MsgType":"text"}'],
    ["JSON array", "[1,2]"],
    ["plain text", "hello"],
    ["billion laughs", billionLaughs],
    ["external entity", externalEntity],
    ["DOCTYPE after the root opens", '<xml><!DOCTYPE x [<!ENTITY e "boom">]><C>&e;</C></xml>'],
    [
      "DOCTYPE hidden behind a CDATA opener in an attribute",
      '<xml a="<![CDATA["><!DOCTYPE x [<!ENTITY e "boom">]><C>&e;</C><D a="]]>"/></xml>',
    ],
    [
      "DOCTYPE hidden behind a CDATA opener in a PI",
      '<?pi <![CDATA[ ?><!DOCTYPE x [<!ENTITY e "b">]><?pi ]]> ?><xml><C>&e;</C></xml>',
    ],
    ["unclosed tag", "<xml><Content>hi</xml>"],
    ["unclosed root", "<xml><Content>hi</Content>"],
    ["bare ampersand", "<xml><Content>a&b</Content></xml>"],
    ["two roots", "<xml></xml><xml></xml>"],
    ["wrong root", "<root><Content>x</Content></root>"],
    ["empty root", "<xml/>"],
    ["trailing text", "<xml><A>1</A></xml>junk"],
    ["leading text", "junk<xml><A>1</A></xml>"],
    ["mismatched closing tag", "<xml><A>1</B></xml>"],
    ["invalid tag name", "<xml><1A>1</1A></xml>"],
    ["unclosed CDATA", "<xml><A><![CDATA[x</A></xml>"],
    ["prototype pollution attempt", "<xml><__proto__><polluted>1</polluted></__proto__></xml>"],
    // Without a DTD only XML's five named entities exist; HTML's are not well-formed XML.
    ["an HTML entity", "<xml><Content>&nbsp;</Content></xml>"],
    ["a bare ampersand", "<xml><Content>fish & chips</Content></xml>"],
  ])("%s", (_, xml) => {
    const r = reason(xml);
    expect(r).not.toMatch(/\n/);
    expect(r.length).toBeLessThanOrEqual(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  // Each of these was accepted before, with fast-xml-parser reading a DOCTYPE the pre-scan had
  // taken for a quoted string or an instruction, and &e; became EXPANDED.
  it.each([
    [
      "a quote in a closing tag",
      `<xml><b><c></c "><!DOCTYPE x [<!ENTITY e 'EXPANDED'>]>"><d></d ">&e;"></b></xml>`,
      "malformed XML: invalid closing tag",
    ],
    [
      '"<?>", a whole instruction to the parser',
      `<xml><?><!DOCTYPE x [<!ENTITY e 'EXPANDED'>]><c>&e;</c><??></xml>`,
      "malformed XML: invalid processing instruction",
    ],
    [
      "quotes the parser skips in an instruction",
      `<xml><?pi "?><a b="?><!DOCTYPE x [<!ENTITY e 'EXPANDED'>]><c>&e;</c><?pi "?>"?></a></xml>`,
      "malformed XML: invalid processing instruction",
    ],
  ])("a DOCTYPE smuggled past the pre-scan by %s", (_, xml, expected) => {
    expect(reason(xml)).toBe(expected);
  });

  it.each([
    ["a quoted string", '<xml><A>1</A "></xml>'],
    ["an attribute", '<xml><A>1</A b="1"></xml>'],
    ["a name and a word", "<xml><A>1</A x></xml>"],
    ["a self-closing slash", "<xml><A>1</A/></xml>"],
    ["white space before the name", "<xml><A>1</ A></xml>"],
    ["a no-break space", "<xml><A>1</A\u00A0></xml>"],
    ["an ideographic space", "<xml><A>1</A\u3000></xml>"],
    ["no >", "<xml><A>1</A</xml>"],
  ])("a closing tag with %s is refused", (_, xml) => {
    expect(reason(xml)).toMatch(/^malformed XML: invalid closing tag|malformed XML: <A>/);
  });

  it.each([
    ["a slash that does not end it", "<xml><A/ >1</A></xml>"],
    ["a slash before an attribute", '<xml><A/ b="1">1</A></xml>'],
    ["a value never closed", '<xml><A b="x>1</A></xml>'],
    ["a value with <", '<xml><A b="<">1</A></xml>'],
    ["a value with a CDATA opener", '<xml><A b="<![CDATA[">1</A></xml>'],
    ["a value with a reference", '<xml><A b="&amp;">1</A></xml>'],
    ["an attribute without a value", "<xml><A b>1</A></xml>"],
    ["an unquoted value", "<xml><A b=1>1</A></xml>"],
    ["attributes not separated", '<xml><A b="1"c="2">1</A></xml>'],
    ["a stray quote", '<xml><A b="1"">1</A></xml>'],
    ["a quoted string without a name", '<xml><A "b">1</A></xml>'],
    ["< inside", "<xml><A<B>1</A></xml>"],
    ["a no-break space after the name", '<xml><A\u00A0b="1">1</A></xml>'],
    ["a non-ASCII name", "<xml><名>1</名></xml>"],
    ["white space before the name", "<xml>< A>1</A></xml>"],
  ])("an opening tag with %s is refused", (_, xml) => {
    expect(reason(xml)).toBe("malformed XML: invalid tag");
  });

  it.each([
    ["no target", "<?><xml><A>1</A></xml>"],
    ["white space before the target", "<? pi?><xml><A>1</A></xml>"],
    ["an unbalanced double quote", '<?pi "?><xml><A>1</A></xml>'],
    ["an unbalanced single quote", "<xml><A>1</A><?pi it's?></xml>"],
  ])("an instruction with %s is refused", (_, xml) => {
    expect(reason(xml)).toBe("malformed XML: invalid processing instruction");
  });

  it.each([
    ["&#0;", "is not a character XML allows"],
    ["&#x1;", "is not a character XML allows"],
    ["&#xD800;", "is not a character XML allows"],
    ["&#56319;", "is not a character XML allows"],
    ["&#xDFFF;", "is not a character XML allows"],
    ["&#xFFFE;", "is not a character XML allows"],
    ["&#xFFFF;", "is not a character XML allows"],
    ["&#x110000;", "is not a character XML allows"],
    ["&#99999999999999999999;", "is not a character XML allows"],
    ["&#X41;", "is not an XML character or entity reference"],
    ["&#x;", "is not an XML character or entity reference"],
    ["&#;", "is not an XML character or entity reference"],
    ["&#1F;", "is not an XML character or entity reference"],
    ["&lt", "is not an XML character or entity reference"],
    ["&LT;", "is not an XML character or entity reference"],
    ["&e;", "is not an XML character or entity reference"],
    ["&constructor;", "is not an XML character or entity reference"],
  ])("the reference %s is refused", (reference, expected) => {
    const r = reason(`<xml><A><B>${reference}</B></A></xml>`);
    expect(r).toBe(`malformed XML: ${reference} ${expected}`);
  });

  it("a reference split by a comment is refused: the text on either side is two pieces", () => {
    expect(reason("<xml><A>&am<!-- -->p;</A></xml>")).toBe(
      "malformed XML: &am is not an XML character or entity reference",
    );
  });

  it("absurd nesting (thousands deep) is refused quickly, closed or not", () => {
    const started = Date.now();
    expect(reason(`<xml>${"<a>".repeat(5000)}x${"</a>".repeat(5000)}</xml>`)).toMatch(/nested/);
    // Unclosed: the validator's message would quote the whole open-tag stack.
    const r = reason(`<xml>${"<a>".repeat(20000)}`);
    expect(r.length).toBeLessThanOrEqual(200);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("accepts the deepest real push (five levels)", () => {
    const r = root("<xml><A><B><C><D><E>5</E></D></C></B></A></xml>");
    expect(r.A).toEqual({ B: { C: { D: { E: "5" } } } });
  });
});

describe("output", () => {
  it("cdata() keeps any text well-formed, ]]> included", () => {
    for (const text of ["]]>", "a]]>b]]>c", "]]]]>", "<![CDATA[x]]>", "]]", ">"]) {
      expect(textOf(root(`<xml><A>${cdata(text)}</A></xml>`), "A")).toBe(text);
    }
  });

  it("cdata() drops characters XML 1.0 cannot carry, and keeps tab, newline and emoji", () => {
    const xml = `<xml><A>${cdata("a\u0000b\u0001c\u0008d\u000Be\u001Ff\uFFFEg\tI\n😀")}</A></xml>`;
    expect(xml).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/);
    expect(textOf(root(xml), "A")).toBe("abcdefg\tI\n😀");
  });

  it("renderXml writes text in CDATA, numbers bare, lists as repeats, skips undefined", () => {
    expect(renderXml({ A: "x", B: 1, C: { D: ["1", "2"] }, E: undefined })).toBe(
      "<xml><A><![CDATA[x]]></A><B>1</B><C><D><![CDATA[1]]></D><D><![CDATA[2]]></D></C></xml>",
    );
  });
});

describe("flat pushes, read without fast-xml-parser, give the same tree", () => {
  /** parseXml as callers see it, against the general path on the same (trimmed) text. */
  function expectSameAsGeneral(xml: string): boolean {
    const general = parseWithFastXmlParser(xml.replace(/^\uFEFF/, "").trim());
    const result = parseXml(xml);
    expect(result.ok, `${xml}\n${JSON.stringify(result)}`).toBe(general.ok);
    if (result.ok && general.ok) expect(result.root).toEqual(general.root);
    return result.ok;
  }

  afterEach(() => vi.restoreAllMocks());

  it("reads a flat push without fast-xml-parser, and hands a nested one to it", () => {
    const parse = vi.spyOn(XMLParser.prototype, "parse");
    expect(parseXml(pushes.text).ok).toBe(true);
    expect(parse).not.toHaveBeenCalled();
    expect(parseXml("<xml><A><B>1</B></A></xml>").ok).toBe(true);
    expect(parse).toHaveBeenCalledTimes(1);
  });

  it.each(Object.entries(pushes))("the %s push", (_name, xml) => void expectSameAsGeneral(xml));

  it.each([
    ["empty leaf", "<xml><A></A></xml>"],
    ["empty CDATA", "<xml><A><![CDATA[]]></A></xml>"],
    ["spaces kept", "<xml><A>  x  </A><B><![CDATA[  y  ]]></B></xml>"],
    ["markup in CDATA", "<xml><A><![CDATA[<b>&amp;</A></xml>]]></A></xml>"],
    ["a CDATA opener inside CDATA", "<xml><A><![CDATA[<![CDATA[x]]></A></xml>"],
    ["> in text", "<xml><A>a > b</A></xml>"],
    ["CR LF and lone CR", "<xml>\r\n<A>a\r\nb\rc</A><B><![CDATA[d\r\ne]]></B>\r\n</xml>"],
    [
      "the envelope of a safe push",
      "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><Encrypt><![CDATA[a+/=]]></Encrypt></xml>",
    ],
  ])("%s", (_name, xml) => void expectSameAsGeneral(xml));

  it("agrees on thousands of generated near-flat documents, well-formed or not", () => {
    const { random, pick } = seededRandom(0x2545f491);
    const names = ["A", "B", "MsgType", "Content", "x.y-z", "_n", "1bad", "a b", "__proto__"];
    const texts = [
      "",
      "x",
      " ",
      "a b",
      "中文😀",
      "a&amp;b",
      "a&b",
      "]]>",
      "]]",
      ">",
      "\r\n",
      "<",
      "</A>",
      "&lt;&#60;&#x1F600;",
      "&amp;amp;",
      "&#0;",
      "&nbsp;",
    ];
    const leaf = (name: string) =>
      pick([
        () => `<${name}>${pick(texts)}</${name}>`,
        () => `<${name}><![CDATA[${pick(texts)}]]></${name}>`,
        () => `<${name}><![CDATA[${pick(texts)}]]>${pick(texts)}</${name}>`,
        () => `<${name}/>`,
        () => `<${name} a="1">${pick(texts)}</${name}>`,
        () => `<${name}>${pick(texts)}</${pick(names)}>`,
        () => `<${name}><C>${pick(texts)}</C></${name}>`,
        () => `<${name}><!-- c -->${pick(texts)}</${name}>`,
        () => `<${name}>${pick(texts)}</${name} >`,
        () => `<${name} >${pick(texts)}</${name}>`,
      ])();
    const between = ["", "", " ", "\n  ", "text", "<!-- c -->"];
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const leaves = Array.from({ length: random(5) }, () => pick(between) + leaf(pick(names)));
      const open = pick(["<xml>", "<xml>", "<xml >", '<?xml version="1.0"?><xml>', "<root>"]);
      const close = pick(["</xml>", "</xml>", "</xml >", "", "</xml><xml></xml>"]);
      if (expectSameAsGeneral(`${open}${leaves.join("")}${pick(between)}${close}`)) accepted++;
    }
    // Both sides of the line are exercised: documents read and documents refused.
    expect(accepted).toBeGreaterThan(200);
    expect(accepted).toBeLessThan(2700);
  });
});
