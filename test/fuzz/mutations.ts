/**
 * Mutations of real pushes: character and byte flips, truncations, deletions, repeats, and
 * insertions of the markup a hostile or broken sender would try. Positions are naturals taken
 * modulo the length, so fast-check shrinks a failure towards few mutations at the start.
 */
import fc from "fast-check";

/** Markup and values that parsers, pre-scans and number handling get wrong. */
export const MARKUP_SNIPPETS: readonly string[] = [
  "<!DOCTYPE xml>",
  '<!DOCTYPE xml [<!ENTITY e "boom">]>',
  '<!ENTITY x SYSTEM "file:///etc/passwd">',
  "<!ELEMENT xml ANY>",
  "<!",
  "&e;",
  "&nbsp;",
  "&amp;",
  "&lt;",
  "&quot;",
  "&#60;",
  "&#x3C;",
  "&#0;",
  "&#x0;",
  "&#xD800;",
  "&#1114112;",
  "&#99999999;",
  "&#xFFFE;",
  "&#x1F600;",
  "&",
  "<",
  ">",
  '"',
  "'",
  "]]>",
  "<![CDATA[",
  "<![CDATA[x]]>",
  "]]",
  '</x ">',
  '<a b="1">',
  '<a b=">">',
  '<a b="<![CDATA[">',
  "<a/>",
  "<a>",
  "</a>",
  "<x><y><z>deep</z></y></x>",
  "<a>".repeat(20),
  "</a>".repeat(20),
  "<xml>",
  "</xml>",
  "<xml/>",
  "<Encrypt>AAAA</Encrypt>",
  "<Encrypt></Encrypt>",
  "<MsgType>event</MsgType>",
  "<MsgType><![CDATA[text]]></MsgType>",
  "<Event>subscribe</Event>",
  "<MsgId>1</MsgId>",
  "<EventKey>qrscene_</EventKey>",
  "<__proto__><polluted>1</polluted></__proto__>",
  "<constructor>1</constructor>",
  "<toString>1</toString>",
  "<hasOwnProperty/>",
  "<!-- c -->",
  "<!--",
  "-->",
  '<?xml version="1.0"?>',
  "<?pi x?>",
  "<?",
  "99999999999999999999999999999",
  "18446744073709551616",
  "-1",
  "1e309",
  "NaN",
  "0x1F",
  " ",
  "\u0000",
  "\uFEFF",
  "\uD800",
  "\uDFFF",
  "\uFFFE",
  "\uFFFD",
  "\r\n",
  "\r",
  "\t",
  "😀",
  "你好",
];

/** Characters that matter to XML and to the callback, plus anything Unicode can hold. */
export const nastyChar: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(..."<>&;\"'/=![]?-#x0123456789 \t\n\r") },
  { weight: 3, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 1 }) },
  // Lone surrogates: JavaScript strings hold them, UTF-8 cannot.
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map(String.fromCharCode) },
  // C0 controls, DEL and the non-characters XML 1.0 refuses.
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(0x00, 0x01, 0x08, 0x0b, 0x0c, 0x1f, 0x7f, 0xfffe, 0xffff, 0xfeff)
      .map((c) => String.fromCharCode(c)),
  },
  { weight: 1, arbitrary: fc.constantFrom("😀", "👍🏽", "你", "é", "\u200B", "\u2028") },
);

export const nastyText = (maxLength: number) => fc.string({ unit: nastyChar, maxLength });

export type StringMutation =
  | { op: "flip"; at: number; char: string }
  | { op: "delete"; at: number; length: number }
  | { op: "truncate"; at: number }
  | { op: "insert"; at: number; text: string }
  | { op: "repeat"; at: number; length: number; times: number }
  /** Replaces the content of the at-th leaf element (e.g. CreateTime, MsgId, Count). */
  | { op: "field"; at: number; text: string };

/** Values for a field: numbers out of every range, empty, markup. */
export const FIELD_VALUES: readonly string[] = [
  "",
  " ",
  "0",
  "-1",
  "4294967296",
  "9007199254740993",
  "18446744073709551616",
  "99999999999999999999999999999999999999",
  "1e309",
  "-1e309",
  "NaN",
  "Infinity",
  "0x10",
  "1.5",
  " 12 ",
  "１２",
  "<![CDATA[]]>",
  "<![CDATA[]]]]><![CDATA[>]]>",
  "<a>1</a><a>2</a>",
  '<item a="1"/>',
  "&#0;",
  "&amp;",
  "qrscene_",
  "qrscene_99999999999",
  "qrscene_ <x>",
  "subscribe",
  "SCAN",
  "event",
  "text",
  "TEMPLATESENDJOBFINISH",
];

const at = fc.nat({ max: 1 << 16 });

export const stringMutation: fc.Arbitrary<StringMutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant("flip"), at, char: nastyChar }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("delete"),
      at,
      length: fc.integer({ min: 1, max: 40 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("truncate"), at }) },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant("insert"),
      at,
      text: fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...MARKUP_SNIPPETS) },
        { weight: 1, arbitrary: nastyText(12) },
      ),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("field"),
      at,
      text: fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...FIELD_VALUES) },
        { weight: 1, arbitrary: nastyText(12) },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("repeat"),
      at,
      length: fc.integer({ min: 1, max: 60 }),
      times: fc.integer({ min: 2, max: 30 }),
    }),
  },
);

export const stringMutations = (maxLength: number) =>
  fc.array(stringMutation, { minLength: 1, maxLength });

export function mutateString(text: string, mutations: readonly StringMutation[]): string {
  let out = text;
  for (const m of mutations) {
    const i = m.at % (out.length + 1);
    switch (m.op) {
      case "flip":
        out = i < out.length ? out.slice(0, i) + m.char + out.slice(i + 1) : out + m.char;
        break;
      case "delete":
        out = out.slice(0, i) + out.slice(i + m.length);
        break;
      case "truncate":
        out = out.slice(0, i);
        break;
      case "insert":
        out = out.slice(0, i) + m.text + out.slice(i);
        break;
      case "repeat":
        out = out.slice(0, i) + out.slice(i, i + m.length).repeat(m.times) + out.slice(i);
        break;
      case "field":
        out = replaceLeaf(out, m.at, m.text);
        break;
    }
  }
  return out;
}

const LEAF = /<([A-Za-z_][\w.-]*)>(?:<!\[CDATA\[[\s\S]*?\]\]>|[^<]*)<\/\1>/g;

function replaceLeaf(xml: string, at: number, text: string): string {
  const leaves = [...xml.matchAll(LEAF)];
  if (leaves.length === 0) return xml;
  const leaf = leaves[at % leaves.length]!;
  const name = leaf[1]!;
  return (
    xml.slice(0, leaf.index) + `<${name}>${text}</${name}>` + xml.slice(leaf.index + leaf[0].length)
  );
}

/** Byte sequences that are not UTF-8, and two that are but look suspicious (U+FFFD, a BOM). */
export const ODD_BYTES: readonly (readonly number[])[] = [
  [0xff],
  [0xfe],
  [0x80],
  [0xc0, 0x80],
  [0xc1, 0xbf],
  [0xe0, 0x80, 0x80],
  [0xed, 0xa0, 0x80],
  [0xe4, 0xbd],
  [0xf0, 0x9f, 0x98],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xef, 0xbf, 0xbd],
  [0xef, 0xbb, 0xbf],
  [0x00],
];

export type ByteMutation =
  | { op: "flip"; at: number; value: number }
  | { op: "insert"; at: number; bytes: readonly number[] }
  | { op: "truncate"; at: number };

export const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant("flip"), at, value: fc.nat({ max: 255 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant("insert"), at, bytes: fc.constantFrom(...ODD_BYTES) }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("truncate"), at }) },
);

export function mutateBytes(bytes: Uint8Array, mutations: readonly ByteMutation[]): Uint8Array {
  let out = Uint8Array.from(bytes);
  for (const m of mutations) {
    const i = m.at % (out.length + 1);
    if (m.op === "flip") {
      if (i < out.length) out[i] = m.value;
    } else if (m.op === "truncate") {
      out = out.slice(0, i);
    } else {
      const next = new Uint8Array(out.length + m.bytes.length);
      next.set(out.subarray(0, i));
      next.set(m.bytes, i);
      next.set(out.subarray(i), i + m.bytes.length);
      out = next;
    }
  }
  return out;
}
