/**
 * The flat XML reader against fast-xml-parser (behind the pre-scan), on generated documents that
 * are flat, nearly flat, or flat and then damaged: whenever both accept a body, they must give
 * the same tree. `parseXml` answers from the flat reader when it can and from the general path
 * otherwise, so a disagreement can only come from a body the flat reader accepted.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseWithFastXmlParser, parseXml, type XmlParseResult } from "../../src/wechat/xml";
import { mutateString, nastyChar, stringMutation } from "./mutations";
import { fuzzParameters, fuzzTimeout } from "./settings";

const RUNS = 4000;

const name = fc.oneof(
  {
    weight: 30,
    arbitrary: fc.constantFrom(
      "ToUserName",
      "FromUserName",
      "CreateTime",
      "MsgType",
      "Content",
      "MsgId",
      "Encrypt",
      "A",
      "a.b",
      "a-b",
      "_",
      "_x1",
      "xml",
      "item",
      "CDATA",
      "toString",
      "hasOwnProperty",
      "valueOf",
      "__defineGetter__",
      "a:b",
    ),
  },
  // Refused by both, as properties of every object's prototype chain.
  { weight: 1, arbitrary: fc.constantFrom("__proto__", "constructor", "prototype") },
  { weight: 10, arbitrary: fc.stringMatching(/^[A-Za-z_][\w.-]{0,6}$/) },
);

/** Text inside an element: markup characters, white space of every kind, anything Unicode. */
const value = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.string({
      unit: fc.oneof(
        { weight: 6, arbitrary: nastyChar },
        { weight: 2, arbitrary: fc.constantFrom("]]>", "]]", "]", "<![CDATA[", "&amp;", "&#10;") },
      ),
      maxLength: 12,
    }),
  },
  // Without "<" and "&": text the flat reader takes outside CDATA too.
  {
    weight: 3,
    arbitrary: fc.string({ unit: nastyChar, maxLength: 12 }).map((t) => t.replace(/[<&]/g, "")),
  },
);

type Leaf = {
  name: string;
  value: string;
  shape: "cdata" | "text" | "split-cdata" | "empty" | "self-closing" | "nested" | "attribute";
  before: string;
};

const space = fc.constantFrom("", "", " ", "\n", "\r\n", "\t", "\r", "\n  ");

const leaf: fc.Arbitrary<Leaf> = fc.record({
  name,
  value,
  shape: fc.oneof(
    { weight: 6, arbitrary: fc.constant("cdata" as const) },
    { weight: 6, arbitrary: fc.constant("text" as const) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "split-cdata" as const,
        "empty" as const,
        "self-closing" as const,
        "nested" as const,
        "attribute" as const,
      ),
    },
  ),
  before: space,
});

function renderLeaf({ name, value, shape, before }: Leaf): string {
  switch (shape) {
    case "cdata":
      return `${before}<${name}><![CDATA[${value}]]></${name}>`;
    case "text":
      return `${before}<${name}>${value}</${name}>`;
    case "split-cdata":
      return `${before}<${name}><![CDATA[${value}]]><![CDATA[${value}]]></${name}>`;
    case "empty":
      return `${before}<${name}></${name}>`;
    case "self-closing":
      return `${before}<${name}/>`;
    case "nested":
      return `${before}<${name}><In>${value}</In></${name}>`;
    case "attribute":
      return `${before}<${name} a="${value.replaceAll('"', "")}">${value}</${name}>`;
  }
}

const document = fc
  .record({
    prefix: fc.constantFrom("", "", "\uFEFF", " \n", '<?xml version="1.0"?>', "<!-- c -->"),
    leaves: fc.array(leaf, { minLength: 1, maxLength: 7 }),
    end: space,
    suffix: fc.constantFrom("", "", "\n", " \r\n"),
    damage: fc.oneof(
      { weight: 3, arbitrary: fc.constant([]) },
      { weight: 1, arbitrary: fc.array(stringMutation, { minLength: 1, maxLength: 2 }) },
    ),
  })
  .map(({ prefix, leaves, end, suffix, damage }) =>
    mutateString(`${prefix}<xml>${leaves.map(renderLeaf).join("")}${end}</xml>${suffix}`, damage),
  );

// What the flat reader takes: leaves of one CDATA section or of text without markup.
const FLAT_SHAPE =
  /^<xml>(?:[ \t\r\n]*<([A-Za-z_][\w.-]*)>(?:<!\[CDATA\[[\s\S]*?\]\]>|[^<&]*)<\/\1>)+[ \t\r\n]*<\/xml>$/;

/** The general path on the body as parseXml hands it over. */
function general(text: string): XmlParseResult | undefined {
  const body = text.replace(/^\uFEFF/, "").trim();
  return body.startsWith("<") ? parseWithFastXmlParser(body) : undefined;
}

describe("the flat XML reader and fast-xml-parser", () => {
  it(
    "give the same tree for every body both accept",
    () => {
      let bothAccepted = 0;
      let flatShaped = 0;
      fc.assert(
        fc.property(document, (xml) => {
          const fast = parseXml(xml);
          const slow = general(xml);
          if (!fast.ok || !slow?.ok) return;
          bothAccepted++;
          if (FLAT_SHAPE.test(xml.replace(/^\uFEFF/, "").trim())) flatShaped++;
          expect(fast.root).toStrictEqual(slow.root);
        }),
        fuzzParameters(RUNS),
      );
      // Not vacuous: a good share of the documents were read by both, many of them flat.
      expect(bothAccepted).toBeGreaterThan(RUNS / 3);
      expect(flatShaped).toBeGreaterThan(RUNS / 8);
    },
    fuzzTimeout(RUNS, 1),
  );

  it(
    "the general path accepts every body the flat reader accepts",
    () => {
      fc.assert(
        fc.property(document, (xml) => {
          if (!parseXml(xml).ok) return;
          const slow = general(xml);
          expect(slow, xml).toMatchObject({ ok: true });
        }),
        fuzzParameters(RUNS),
      );
    },
    fuzzTimeout(RUNS, 1),
  );
});
