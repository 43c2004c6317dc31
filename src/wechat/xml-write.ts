/**
 * Writing `<xml>` documents (passive replies, the encrypted envelope): text always in CDATA,
 * well-formed whatever a handler's text holds.
 */

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
