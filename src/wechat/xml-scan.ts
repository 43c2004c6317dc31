/**
 * The security scan in front of fast-xml-parser: DOCTYPE and entity declarations are refused
 * outright (no billion laughs, no external entities; markup typed inside CDATA is text, not a
 * declaration), and nesting is capped, before the parser sees the document.
 *
 * The scan is only worth anything if it splits the document into the same tags, CDATA,
 * comments and instructions as the parser's own lexer, which is laxer than XML (it reads a
 * closing tag up to the first ">", skips quoted text in any tag or instruction, and takes "<?>"
 * as a whole instruction). Every gap between the two is a way to show the parser a DOCTYPE the
 * scan never saw, so the scan accepts only a strict subset of XML on which both read the same
 * boundaries: besides what is not XML at all ("</c \">", "<a/ >", "<?>"), legal but odd markup
 * (attributes with "&" or "<" in their values, unbalanced quotes in an instruction) is refused;
 * WeChat sends none of it. test/wechat/xml-lexer.test.ts holds the scan to the parser's lexer.
 */

// WeChat's deepest push (MASSSENDJOBFINISH's CopyrightCheckResult) nests five levels.
const MAX_NESTING = 16;

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
export function scanMarkup(body: string): string | undefined {
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

/** Element names refused everywhere: they would become properties of objects' prototypes. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  "__proto__",
  "constructor",
  "prototype",
]);
