/**
 * wechat-edge/core: the callback protocol without bindings or HTTP framework, portable to any
 * runtime with WebCrypto (Workers, Node 20+, browsers): signatures, message encryption (消息加解密),
 * XML in and out, the typed messages, and passive replies.
 *
 * @example
 * import { openPush, sealReply, renderReplyXml, reply } from "wechat-edge/core";
 * const push = await openPush(query, body, { token, appId, encodingAESKey, messageMode: "safe", timestampToleranceSeconds: 300 }, Date.now() / 1000);
 * if (push.ok) return sealReply(renderReplyXml(reply.text("hi"), push.message, Date.now() / 1000), push, settings, Date.now() / 1000);
 */
export {
  computeSignature,
  computeMsgSignature,
  signParts,
  sha1Hex,
  timingSafeEqualText,
  verifySignedParts,
} from "./wechat/signature";
export {
  MessageCrypt,
  MessageCryptError,
  isValidEncodingAESKey,
  type DecryptedMessage,
  type MessageCryptFailure,
} from "./wechat/message-crypt";
export {
  cdata,
  elementOf,
  elementsOf,
  parseXml,
  renderElements,
  renderXml,
  textOf,
  type XmlElement,
  type XmlNode,
  type XmlOutput,
  type XmlOutputElement,
  type XmlParseResult,
} from "./wechat/xml";
export { parseMessage, type ParseMessageResult } from "./wechat/parse-message";
export { dedupeKey, rawEventName } from "./wechat/message";
export type * from "./wechat/message";
export {
  isNoReply,
  maxNewsArticles,
  NO_REPLY_BODY,
  renderReplyXml,
  reply,
  type NewsArticle,
  type Reply,
  type ReplyType,
} from "./wechat/reply";
export {
  openPush,
  sealReply,
  verifyRequestSignature,
  type MessageMode,
  type OpenedPush,
  type PushFailure,
  type PushFailureKind,
  type PushMode,
  type PushQuery,
  type PushSettings,
} from "./wechat/push";
export { WeChatRouter, type Handler, type HandlerResult, type TextMatch } from "./wechat/router";
export { buildJssdkConfig, jssdkSignature, signableUrl, type JssdkConfig } from "./wechat/jssdk";
export { MAX_TEXT_REPLY_BYTES, splitText, utf8Length } from "./wechat/text-parts";
