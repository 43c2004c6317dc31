/**
 * XML in and out, for WeChat's `<xml>` documents.
 *
 * Workers have no DOMParser, so this wraps fast-xml-parser, configured for hostile input:
 * DOCTYPE and entity declarations are refused outright (no billion laughs, no external
 * entities; markup typed inside CDATA is text, not a declaration), nesting is capped before the
 * parser sees the document, and values stay strings exactly as sent (64-bit MsgId, leading
 * zeros, surrounding spaces in CDATA).
 *
 * The pre-scan is only worth anything if it splits the document into the same tags, CDATA,
 * comments and instructions as the parser's own lexer, which is laxer than XML (it reads a
 * closing tag up to the first ">", skips quoted text in any tag or instruction, and takes "<?>"
 * as a whole instruction). Every gap between the two is a way to show the parser a DOCTYPE the
 * scan never saw, so the scan accepts only a strict subset of XML on which both read the same
 * boundaries: besides what is not XML at all ("</c \">", "<a/ >", "<?>"), legal but odd markup
 * (attributes with "&" or "<" in their values, unbalanced quotes in an instruction) is refused;
 * WeChat sends none of it. And so that no gap
 * left can ever expand anything, the parser's entity processing is off: only XML's five named
 * entities and numeric character references are decoded, here, in text and never in CDATA.
 *
 * Nearly every push is flat: a root whose children are leaves, each one CDATA section or plain
 * text (the safe-mode envelope too). Those are read directly, in one strict pass that accepts
 * only that exact shape; anything else (nesting, attributes, entities, repeats, comments,
 * declarations) goes through the pre-scan and fast-xml-parser, which give the same tree for the
 * flat subset (test/wechat/xml.test.ts compares them; test/wechat/xml-lexer.test.ts holds the
 * pre-scan to the parser's lexer). After the runtime and WebCrypto, parsing was the largest cost
 * of a push (npm run bench).
 *
 * fast-xml-parser 4.x, not 5.x: 5.x brings about 35 KB of minified dependencies (entity tables,
 * a path matcher) that this use never needs, which alone would break the 60 KB gzipped budget of
 * the deployed Worker; 4.x is still maintained and the pre-scan below covers what 5.x added
 * (declarations refused, depth capped).
 */
import { XMLParser } from "fast-xml-parser";

/** A parsed element: text for leaves, an object for elements with children, an array for repeats. */
export type XmlNode = string | XmlElement | XmlNode[];
export interface XmlElement {
  [name: string]: XmlNode;
}

export type XmlParseResult = { ok: true; root: XmlElement } | { ok: false; reason: string };

// WeChat's deepest push (MASSSENDJOBFINISH's CopyrightCheckResult) nests five levels.
const MAX_NESTING = 16;

const TEXT_NODE = "#text";
const CDATA_NODE = "#cdata";
const COMMENT_NODE = "#comment";

// Ordered output with CDATA as nodes of their own: the unordered output would either merge CDATA
// into text (and text must be decoded, CDATA not) or, with cdataPropName, lose their order.
// Comments are nodes too, only so that the text on either side of one is not joined before it is
// decoded ("&am<!-- -->p;" is no reference).
const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  preserveOrder: true,
  cdataPropName: CDATA_NODE,
  commentPropName: COMMENT_NODE,
});

/** Parses a WeChat `<xml>…</xml>` document; every failure is a one-line reason, never a throw. */
export function parseXml(text: string): XmlParseResult {
  const body = text.replace(/^\uFEFF/, "").trim();
  if (body === "") return { ok: false, reason: "empty body" };
  if (body.startsWith("{") || body.startsWith("[")) {
    return { ok: false, reason: "body is JSON; the callback accepts WeChat's XML format only" };
  }
  if (!body.startsWith("<")) return { ok: false, reason: "body is not XML" };
  // XML reads every CR LF and lone CR as LF, CDATA included (as fast-xml-parser does).
  const flat = readFlatDocument(body.includes("\r") ? body.replace(/\r\n?/g, "\n") : body);
  if (flat) return { ok: true, root: flat };
  return parseWithFastXmlParser(body);
}

/**
 * The general path: the pre-scan, then fast-xml-parser. `body` is trimmed and starts with "<".
 * Exported for the test that holds the flat reader to the same results.
 */
export function parseWithFastXmlParser(body: string): XmlParseResult {
  const markupProblem = scanMarkup(body);
  if (markupProblem) return { ok: false, reason: markupProblem };
  let document: XmlNode;
  try {
    document = toNode(parser.parse(body) as OrderedNode[]);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `malformed XML: ${oneLine(message)}` };
  }
  const root = typeof document === "object" && !Array.isArray(document) ? document.xml : undefined;
  if (root === undefined || typeof root !== "object" || Array.isArray(root)) {
    return { ok: false, reason: "root element must be a single <xml>" };
  }
  delete root[TEXT_NODE];
  return { ok: true, root };
}

/** One entry of fast-xml-parser's ordered output: `{ name: children }`, text, CDATA, comment. */
type OrderedNode = Record<string, unknown>;

/**
 * Ordered output in the shape the parser's own unordered output has (leaf = string, element =
 * object, repeats = array, mixed text under "#text"), with text and CDATA joined in document
 * order: text with its references decoded, CDATA exactly as sent.
 */
function toNode(children: OrderedNode[]): XmlNode {
  let text: string | undefined;
  let element: XmlElement | undefined;
  for (const child of children) {
    const name = nameOf(child);
    if (name === TEXT_NODE) {
      text = (text ?? "") + decodeReferences(child[name] as string);
    } else if (name === CDATA_NODE) {
      const section = (child[name] as OrderedNode[])[0]?.[TEXT_NODE] as string | undefined;
      text = (text ?? "") + (section ?? "");
    } else if (name !== undefined && name !== COMMENT_NODE) {
      // The scan refuses these names; an own property named __proto__ must never be assigned.
      if (RESERVED_NAMES.has(name)) throw new Error(`element name ${name} is not accepted`);
      const node = toNode(child[name] as OrderedNode[]);
      element ??= {};
      const previous = Object.hasOwn(element, name) ? element[name] : undefined;
      if (previous === undefined) element[name] = node;
      else if (Array.isArray(previous)) previous.push(node);
      else element[name] = [previous, node];
    }
  }
  if (element === undefined) return text ?? "";
  if (text) element[TEXT_NODE] = text;
  return element;
}

function nameOf(node: OrderedNode): string | undefined {
  for (const name in node) if (name !== ":@") return name;
  return undefined;
}

// Every "&" in text, with what follows it that could be a reference: each must be one.
const REFERENCE = /&([#\w]*)(;?)/g;
const NAMED_ENTITIES: Record<string, string> = {
  lt: "<",
  gt: ">",
  amp: "&",
  quot: '"',
  apos: "'",
};

/**
 * Decodes XML's five named entities and numeric character references; anything else after an
 * "&" throws. Without a DTD no other entity exists, and HTML's are not XML.
 */
function decodeReferences(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(REFERENCE, (reference: string, name: string, semicolon: string) => {
    if (semicolon) {
      if (Object.hasOwn(NAMED_ENTITIES, name)) return NAMED_ENTITIES[name]!;
      const code = DECIMAL_REFERENCE.test(name)
        ? Number.parseInt(name.slice(1), 10)
        : HEX_REFERENCE.test(name)
          ? Number.parseInt(name.slice(2), 16)
          : undefined;
      if (code !== undefined) {
        if (isXmlChar(code)) return String.fromCodePoint(code);
        throw new Error(`${reference} is not a character XML allows`);
      }
    }
    throw new Error(`${reference} is not an XML character or entity reference`);
  });
}

const DECIMAL_REFERENCE = /^#[0-9]+$/;
const HEX_REFERENCE = /^#x[0-9a-fA-F]+$/;

/** XML 1.0's Char production: what a character reference may stand for. */
function isXmlChar(code: number): boolean {
  return (
    code === 0x09 ||
    code === 0x0a ||
    code === 0x0d ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

const ROOT_OPEN = "<xml>";
const ROOT_CLOSE = "</xml>";
const CDATA_OPEN = "<![CDATA[";
const FLAT_NAME = /^[A-Za-z_][\w.-]*$/;

/**
 * `<xml>` holding only `<Name>…</Name>` leaves, each exactly one CDATA section or text without
 * markup or references, with only whitespace between them: the leaves by name. Undefined for
 * anything else, which the general path then reads (or refuses). What it accepts is well-formed
 * by construction, so it needs no pre-scan: no declaration, no nesting, no reference can be in it.
 */
function readFlatDocument(body: string): XmlElement | undefined {
  if (!body.startsWith(ROOT_OPEN) || !body.endsWith(ROOT_CLOSE)) return undefined;
  const end = body.length - ROOT_CLOSE.length;
  const root: XmlElement = {};
  let leaves = 0;
  let at = ROOT_OPEN.length;
  for (;;) {
    while (at < end && isXmlSpace(body.charCodeAt(at))) at++;
    if (at === end) break;
    if (body.charCodeAt(at) !== 0x3c /* < */) return undefined;
    const nameEnd = body.indexOf(">", at + 1);
    if (nameEnd === -1 || nameEnd >= end) return undefined;
    const name = body.slice(at + 1, nameEnd);
    if (!FLAT_NAME.test(name) || RESERVED_NAMES.has(name) || Object.hasOwn(root, name)) {
      return undefined;
    }
    let value: string;
    let valueEnd: number;
    if (body.startsWith(CDATA_OPEN, nameEnd + 1)) {
      const close = body.indexOf("]]>", nameEnd + 1 + CDATA_OPEN.length);
      if (close === -1 || close >= end) return undefined;
      value = body.slice(nameEnd + 1 + CDATA_OPEN.length, close);
      valueEnd = close + 3;
    } else {
      valueEnd = body.indexOf("<", nameEnd + 1);
      if (valueEnd === -1 || valueEnd >= end) return undefined;
      value = body.slice(nameEnd + 1, valueEnd);
      // References need decoding, and "]]>" is not allowed in text: both for the general path.
      if (value.includes("&") || value.includes("]]>")) return undefined;
    }
    const after = valueEnd + 2 + name.length;
    if (
      after >= end ||
      !body.startsWith("</", valueEnd) ||
      !body.startsWith(name, valueEnd + 2) ||
      body.charCodeAt(after) !== 0x3e /* > */
    ) {
      return undefined;
    }
    root[name] = value;
    leaves++;
    at = after + 1;
  }
  return leaves > 0 ? root : undefined;
}

/** XML's white space: space, tab, CR, LF. */
function isXmlSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/**
 * Checks the document before the parser sees it, in one linear pass, and returns the reason it
 * is refused: a markup declaration (<!DOCTYPE, <!ENTITY, ...) anywhere the parser would act on
 * it; nesting deeper than any WeChat push; tags that do not match, more than one root, text
 * outside the root. The scan skips CDATA, comments and processing instructions where the
 * parser's lexer does: a follower may type "<!DOCTYPE html>" into a text message (it arrives
 * inside CDATA), while a CDATA opener hidden in an attribute value must not hide a real DOCTYPE.
 * Tags must match the strict grammar below, on which the parser finds the same end. Doing this
 * here spares a second full pass (fast-xml-parser's validator) on every push.
 */
function scanMarkup(body: string): string | undefined {
  const open: string[] = [];
  let rootSeen = false;
  let textStart = 0;
  let i = body.indexOf("<");
  while (i !== -1) {
    if (open.length === 0 && body.slice(textStart, i).trim() !== "") return TEXT_OUTSIDE;
    if (body.startsWith("<![CDATA[", i)) {
      if (open.length === 0) return "malformed XML: CDATA outside the root element";
      i = indexAfter(body, "]]>", i + 9);
    } else if (body.startsWith("<!--", i)) {
      i = indexAfter(body, "-->", i + 4);
    } else if (body.startsWith("<?", i)) {
      if (!readsAsXml(body, i)) return "malformed XML: invalid processing instruction";
      i = indexAfter(body, "?>", i + 2);
    } else if (body.startsWith("<!", i)) {
      return "DOCTYPE and entity declarations are not accepted";
    } else if (body.startsWith("</", i)) {
      CLOSING_TAG.lastIndex = i;
      const tag = CLOSING_TAG.exec(body);
      if (!tag) return "malformed XML: invalid closing tag";
      const name = tag[1]!;
      if (RESERVED_NAMES.has(name)) return `element name ${name} is not accepted`;
      if (open.pop() !== name) return `malformed XML: </${name}> closes no open <${name}>`;
      i = CLOSING_TAG.lastIndex;
    } else {
      OPENING_TAG.lastIndex = i;
      const tag = OPENING_TAG.exec(body);
      if (!tag) return "malformed XML: invalid tag";
      const name = tag[1]!;
      if (RESERVED_NAMES.has(name)) return `element name ${name} is not accepted`;
      if (open.length === 0 && rootSeen) return "malformed XML: more than one root element";
      rootSeen = true;
      if (tag[2] !== "/") {
        open.push(name);
        if (open.length > MAX_NESTING) return "XML is nested too deeply";
      }
      i = OPENING_TAG.lastIndex;
    }
    if (i === -1) return UNCLOSED;
    textStart = i;
    i = body.indexOf("<", i);
  }
  if (open.length === 0 && body.slice(textStart).trim() !== "") return TEXT_OUTSIDE;
  if (open.length > 0) return `malformed XML: <${open.at(-1)}> is never closed`;
  return rootSeen ? undefined : "malformed XML: no root element";
}

const UNCLOSED = "malformed XML: unclosed CDATA, comment, instruction or tag";
const TEXT_OUTSIDE = "malformed XML: text outside the root element";

// ASCII names only, white space only XML's own: fast-xml-parser ends a tag name at any Unicode
// white space (\s), the scan must not disagree about where a name ends.
const NAME = "[A-Za-z_:][\\w.:-]*";
const SPACE = "[ \\t\\r\\n]";
// The parser ends a closing tag at the first ">", whatever is before it, and ignores the name:
// "</c \">" is one tag to it, and the start of a quoted string to a tolerant scan.
const CLOSING_TAG = new RegExp(`</(${NAME})${SPACE}*>`, "y");
// The parser ends an opening tag at the first ">" outside quotes, with quotes counted anywhere
// in the tag, and takes a final "/" before the ">" as self-closing. With quotes only around
// attribute values, and "/" only right before ">", it finds the same end and the same kind of
// tag as this. Values hold no "<" (XML forbids it) and no "&" (no reference to check: WeChat
// sends no attributes, and the parser ignores them).
const OPENING_TAG = new RegExp(
  `<(${NAME})(?:${SPACE}+${NAME}${SPACE}*=${SPACE}*(?:"[^"<&]*"|'[^'<&]*'))*${SPACE}*(/?)>`,
  "y",
);
const INSTRUCTION_TARGET = new RegExp(`<\\?${NAME}(?:${SPACE}|\\?>)`, "y");

// Names that would become properties of JavaScript objects' prototypes.
const RESERVED_NAMES = new Set(["__proto__", "constructor", "prototype"]);

function indexAfter(body: string, terminator: string, from: number): number {
  const at = body.indexOf(terminator, from);
  return at === -1 ? -1 : at + terminator.length;
}

/**
 * Whether the parser ends the instruction at `at` where XML does, at the first "?>". The parser
 * skips quoted text looking for it, and takes "<?>" as a whole instruction; they agree when a
 * target name follows "<?" and the quotes before the first "?>" are balanced, as in
 * `<?xml version="1.0"?>`.
 */
function readsAsXml(body: string, at: number): boolean {
  INSTRUCTION_TARGET.lastIndex = at;
  if (!INSTRUCTION_TARGET.test(body)) return false;
  const end = body.indexOf("?>", at + 2);
  if (end === -1) return true; // unclosed, which the scan reports as such
  let quote: string | undefined;
  for (let i = at + 2; i < end; i++) {
    const c = body[i];
    if (c === quote) quote = undefined;
    else if (quote === undefined && (c === '"' || c === "'")) quote = c;
  }
  return quote === undefined;
}

// Parser messages can quote the whole open-tag stack; a reason must stay one short line.
function oneLine(message: string): string {
  const line = message.replace(/\s+/g, " ").trim();
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

/** Text of a child element, or undefined when absent or not a leaf. */
export function textOf(element: XmlElement, name: string): string | undefined {
  const value = element[name];
  return typeof value === "string" ? value : undefined;
}

/** A child element that has children of its own, or undefined. */
export function elementOf(element: XmlElement, name: string): XmlElement | undefined {
  const value = element[name];
  if (value === undefined || typeof value === "string" || Array.isArray(value)) return undefined;
  return value;
}

/** Children that may occur once or many times (e.g. `<item>`), always as a list of elements. */
export function elementsOf(element: XmlElement | undefined, name: string): XmlElement[] {
  const value = element?.[name];
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.filter((v): v is XmlElement => typeof v === "object" && !Array.isArray(v));
}

// Characters XML 1.0 cannot carry at all, not even in CDATA (its Char production): C0 controls
// other than tab, LF and CR, and U+FFFE/U+FFFF. (Lone surrogates become U+FFFD when encoded.)
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/**
 * CDATA section for arbitrary text, always well-formed: `]]>` is split across two sections, and
 * characters XML cannot carry (e.g. a control character from a handler's data source) are dropped.
 */
export function cdata(text: string): string {
  const safe = text.replace(NOT_XML_CHAR, "");
  return `<![CDATA[${safe.replaceAll("]]>", "]]]]><![CDATA[>")}]]>`;
}

/** A value to serialise: text goes in CDATA, numbers bare, nested objects and lists as elements. */
export type XmlOutput = string | number | XmlOutputElement | XmlOutput[];
export interface XmlOutputElement {
  [name: string]: XmlOutput | undefined;
}

/** Serialises elements in insertion order; undefined fields are omitted. */
export function renderElements(fields: XmlOutputElement): string {
  let out = "";
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      for (const item of value) out += renderElements({ [name]: item });
    } else if (typeof value === "string") {
      out += `<${name}>${cdata(value)}</${name}>`;
    } else if (typeof value === "number") {
      out += `<${name}>${value}</${name}>`;
    } else {
      out += `<${name}>${renderElements(value)}</${name}>`;
    }
  }
  return out;
}

/** A whole `<xml>` document. */
export function renderXml(fields: XmlOutputElement): string {
  return `<xml>${renderElements(fields)}</xml>`;
}
