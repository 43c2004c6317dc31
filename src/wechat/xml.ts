/**
 * XML in and out, for WeChat's `<xml>` documents, in one import: the reader (xml-read.ts: a flat
 * fast path, else fast-xml-parser behind the security scan of xml-scan.ts) and the writer
 * (xml-write.ts).
 */
export {
  elementOf,
  elementsOf,
  parseWithFastXmlParser,
  parseXml,
  textOf,
  type XmlElement,
  type XmlNode,
  type XmlParseResult,
} from "./xml-read";
export {
  cdata,
  renderElements,
  renderXml,
  type XmlOutput,
  type XmlOutputElement,
} from "./xml-write";
