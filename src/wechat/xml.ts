/**
 * XML in and out, for WeChat's `<xml>` documents.
 *
 * Workers have no DOMParser, so this wraps fast-xml-parser, configured for hostile input:
 * DOCTYPE and entity declarations are refused outright (no billion laughs, no external
 * entities; markup typed inside CDATA is text, not a declaration), nesting is capped, values
 * stay strings exactly as sent (64-bit MsgId, leading zeros, surrounding spaces in CDATA), and
 * only XML's five named entities plus numeric character references are decoded.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";

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
  // An explicit table enables numeric references while keeping only XML's own named entities.
  // (fast-xml-parser accepts a table here at run time; its typings only admit a boolean.)
  htmlEntities: { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" } as unknown as boolean,
  ignoreDeclaration: true,
  ignorePiTags: true,
  maxNestedTags: MAX_NESTING,
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
  const declaration = findDeclaration(body);
  if (declaration) return { ok: false, reason: declaration };
  const validation = XMLValidator.validate(body);
  if (validation !== true) {
    return {
      ok: false,
      reason: `malformed XML: ${oneLine(validation.err.msg)} (line ${validation.err.line})`,
    };
  }
  let document: unknown;
  try {
    document = parser.parse(body);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/nested/i.test(message)) return { ok: false, reason: "XML is nested too deeply" };
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

/**
 * Finds a markup declaration (<!DOCTYPE, <!ENTITY, ...) anywhere the parser would act on it.
 * The document is scanned in order, skipping CDATA, comments, processing instructions and tags
 * (quotes respected) the way the parser's lexer does: a follower may type "<!DOCTYPE html>" into
 * a text message (it arrives inside CDATA), while a CDATA opener hidden in an attribute value
 * must not hide a real DOCTYPE (the parser honours a DOCTYPE even after the root element).
 */
function findDeclaration(body: string): string | undefined {
  const unclosed = "malformed XML: unclosed CDATA, comment, instruction or tag";
  let i = body.indexOf("<");
  while (i !== -1) {
    if (body.startsWith("<![CDATA[", i)) i = indexAfter(body, "]]>", i + 9);
    else if (body.startsWith("<!--", i)) i = indexAfter(body, "-->", i + 4);
    else if (body.startsWith("<?", i)) i = indexAfter(body, "?>", i + 2);
    else if (body.startsWith("<!", i)) return "DOCTYPE and entity declarations are not accepted";
    else i = endOfTag(body, i + 1);
    if (i === -1) return unclosed;
    i = body.indexOf("<", i);
  }
  return undefined;
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
