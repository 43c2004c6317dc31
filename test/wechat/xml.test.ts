import { describe, expect, it } from "vitest";
import { cdata, parseXml, renderXml, textOf, type XmlElement } from "../../src/wechat/xml";

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
