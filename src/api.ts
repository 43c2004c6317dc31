/**
 * wechat-edge/api: WeChat's server APIs, typed, over a `WeChatApiClient` (inside the Worker, a
 * handler's `ctx.api`, with the access_token from the token authority). Every call checks its
 * input against WeChat's documented limits before it leaves, and fails with `WeChatApiError`
 * (an errcode and a hint) or `WeChatTransportError`.
 *
 * @example
 * import { sendTemplateMessage } from "wechat-edge/api";
 * await sendTemplateMessage(ctx.api, { touser: openid, template_id, data: { thing1: { value: "…" } } });
 */
export {
  WeChatApiClient,
  type AccessTokenSource,
  type ApiCallOptions,
  type ApiDownload,
  type WeChatApiClientOptions,
} from "./wechat/api/client";
export { fetchAccessToken, fetchJsapiTicket, type TokenSource } from "./wechat/api/credentials";
export * from "./wechat/api/custom-service";
export * from "./wechat/api/draft";
export * from "./wechat/api/freepublish";
export { ApiInputError } from "./wechat/api/input-error";
export {
  hintFor,
  isTokenRejected,
  ridOf,
  WeChatApiError,
  WeChatTransportError,
} from "./wechat/api/errors";
export * from "./wechat/api/mass";
export * from "./wechat/api/media";
export * from "./wechat/api/menu";
export * from "./wechat/api/menu-matchrule";
export * from "./wechat/api/openapi";
export {
  BUTTON_TYPES,
  describeMenuProblems,
  MENU_LIMITS,
  validateMenu,
  type ButtonType,
  type Menu,
  type MenuButton,
  type MenuCheck,
  type MenuProblem,
} from "./wechat/api/menu-validation";
export * from "./wechat/api/subscribe-message";
export * from "./wechat/api/shorten";
export * from "./wechat/api/template";
export * from "./wechat/api/user";
export * from "./wechat/api/user-blacklist";
export * from "./wechat/api/user-tag";
export {
  customMessageFromReply,
  type CustomMessage,
  type CustomMessageType,
} from "./wechat/custom-message";
export {
  buildAuthorizeUrl,
  exchangeOAuthCode,
  fetchOAuthProfile,
  type OAuthGrant,
  type OAuthProfile,
  type OAuthScope,
} from "./wechat/oauth";
export {
  qrCodeCreateBody,
  readQrCodeTicket,
  showQrCodeUrl,
  type QrCodeSpec,
  type QrCodeTicket,
} from "./wechat/qrcode";
