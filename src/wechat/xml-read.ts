/**
 * Reading WeChat's `<xml>` documents into a plain tree, for hostile input. Values stay strings
 * exactly as sent (64-bit MsgId, leading zeros, surrounding spaces in CDATA).
 *
 * Nearly every push is flat: a root whose children are leaves, each one CDATA section or plain
 * text (the safe-mode envelope too). Those are read directly, in one strict pass that accepts
 * only that exact shape; anything else (nesting, attributes, entities, repeats, comments,
 * declarations) goes through the security scan (xml-scan.ts) and fast-xml-parser, which give the
 * same tree for the flat subset (test/wechat/xml.test.ts compares them). After the runtime and
 * WebCrypto, parsing was the largest cost of a push (npm run bench).
 *
 * Workers have no DOMParser, hence fast-xml-parser. Its entity processing is off, so that no gap
 * left between the scan and its lexer can ever expand anything: only XML's five named entities
 * and numeric character references are decoded, here, in text and never in CDATA.
 *
 * fast-xml-parser 4.x, not 5.x: 5.x brings dependencies (entity tables, a path matcher) that this
 * use never needs and that alone would break the deployed Worker's size budget (BENCHMARKS.md);
 * 4.x is still maintained, and the scan covers what 5.x added (declarations refused, depth
 * capped).
 */
import { XMLParser } from "fast-xml-parser";
import { RESERVED_NAMES, scanMarkup } from "./xml-scan";

/** A parsed element: text for leaves, an object for elements with children, an array for repeats. */
export type XmlNode = string | XmlElement | XmlNode[];
export interface XmlElement {
  [name: string]: XmlNode;
}

export type XmlParseResult = { ok: true; root: XmlElement } | { ok: false; reason: string };

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
