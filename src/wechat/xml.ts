/**
 * XML in and out, for WeChat's `<xml>` documents.
 *
 * Workers have no DOMParser, so this wraps fast-xml-parser, configured for hostile input:
 * DOCTYPE and entity declarations are refused outright (no billion laughs, no external
 * entities; markup typed inside CDATA is text, not a declaration), nesting is capped before the
 * parser sees the document, values stay strings exactly as sent (64-bit MsgId, leading zeros,
 * surrounding spaces in CDATA), and only XML's five named entities plus numeric character
 * references are decoded.
 *
 * Nearly every push is flat: a root whose children are leaves, each one CDATA section or plain
 * text (the safe-mode envelope too). Those are read directly, in one strict pass that accepts
 * only that exact shape; anything else (nesting, attributes, entities, repeats, comments,
 * declarations) goes through the pre-scan and fast-xml-parser, which give the same tree for the
 * flat subset (test/wechat/xml.test.ts compares them). Parsing was the largest cost of a push
 * after the runtime and WebCrypto: about 27 µs of 180 in safe mode (npm run bench).
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

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  // Numeric references need the parser's HTML table; its HTML names never get there, because
  // the pre-scan refuses any named entity but XML's five (a document without a DTD has no others).
  processEntities: true,
  htmlEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

const TEXT_NODE = "#text";

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
  let document: unknown;
  try {
    document = parser.parse(body);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `malformed XML: ${oneLine(message)}` };
  }
  const root = (document as Record<string, unknown>).xml;
  if (root === undefined || typeof root !== "object" || Array.isArray(root) || root === null) {
    return { ok: false, reason: "root element must be a single <xml>" };
  }
  const element = root as XmlElement;
  delete element[TEXT_NODE];
  return { ok: true, root: element };
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
 * outside the root; an "&" that is not one of XML's own references. The scan skips CDATA,
 * comments, processing instructions and quoted attribute values the way the parser's lexer does:
 * a follower may type "<!DOCTYPE html>" into a text message (it arrives inside CDATA), while a
 * CDATA opener hidden in an attribute value must not hide a real DOCTYPE. Doing this here spares
 * a second full pass (fast-xml-parser's validator) on every push.
 */
function scanMarkup(body: string): string | undefined {
  const open: string[] = [];
  let rootSeen = false;
  let textStart = 0;
  let i = body.indexOf("<");
  while (i !== -1) {
    const textProblem = checkText(body.slice(textStart, i), open.length > 0);
    if (textProblem) return textProblem;
    if (body.startsWith("<![CDATA[", i)) {
      if (open.length === 0) return "malformed XML: CDATA outside the root element";
      i = indexAfter(body, "]]>", i + 9);
    } else if (body.startsWith("<!--", i)) i = indexAfter(body, "-->", i + 4);
    else if (body.startsWith("<?", i)) i = indexAfter(body, "?>", i + 2);
    else if (body.startsWith("<!", i)) return "DOCTYPE and entity declarations are not accepted";
    else {
      const end = endOfTag(body, i + 1);
      if (end === -1) return UNCLOSED;
      const closing = body[i + 1] === "/";
      const name = TAG_NAME.exec(body.slice(closing ? i + 2 : i + 1, i + 68))?.[1];
      if (!name) return "malformed XML: invalid tag";
      if (RESERVED_NAMES.has(name)) return `element name ${name} is not accepted`;
      if (closing) {
        if (open.pop() !== name) return `malformed XML: </${name}> closes no open <${name}>`;
      } else {
        if (open.length === 0 && rootSeen) return "malformed XML: more than one root element";
        rootSeen = true;
        if (body[end - 2] !== "/") {
          open.push(name);
          if (open.length > MAX_NESTING) return "XML is nested too deeply";
        }
      }
      i = end;
    }
    if (i === -1) return UNCLOSED;
    textStart = i;
    i = body.indexOf("<", i);
  }
  const trailing = checkText(body.slice(textStart), open.length > 0);
  if (trailing) return trailing;
  if (open.length > 0) return `malformed XML: <${open.at(-1)}> is never closed`;
  return rootSeen ? undefined : "malformed XML: no root element";
}

const UNCLOSED = "malformed XML: unclosed CDATA, comment, instruction or tag";
const TAG_NAME = /^([A-Za-z_:][\w.:-]*)(?=[\s/>])/;

// Names that would become properties of JavaScript objects' prototypes.
const RESERVED_NAMES = new Set(["__proto__", "constructor", "prototype"]);

// Outside CDATA, "&" must start one of XML's own references; anything else is not well-formed.
const BAD_REFERENCE = /&(?!(?:lt|gt|amp|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});)/;

function checkText(text: string, insideRoot: boolean): string | undefined {
  if (!insideRoot && text.trim() !== "") return "malformed XML: text outside the root element";
  const at = text.search(BAD_REFERENCE);
  if (at === -1) return undefined;
  const reference = oneLine(text.slice(at, at + 12).split(/[\s<]/)[0] ?? "&");
  return `malformed XML: ${reference} is not an XML character or entity reference`;
}

function indexAfter(body: string, terminator: string, from: number): number {
  const at = body.indexOf(terminator, from);
  return at === -1 ? -1 : at + terminator.length;
}

function endOfTag(body: string, from: number): number {
  let quote: string | undefined;
  for (let i = from; i < body.length; i++) {
    const c = body[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === ">") {
      return i + 1;
    }
  }
  return -1;
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
