/**
 * The 第三方平台 (open platform component) feature's public face (docs/component.md).
 *
 * Routes: `componentRoutes()` for /component (events, authorize, authorize-link, callback) and
 * `componentAdminRoutes()` for /admin/component (mounted behind the admin key). The Durable
 * Objects: `ComponentAuthority` (ticket, component_access_token, registry) and
 * `AuthorizerAuthority` (one per authoriser: its authorizer_access_token).
 *
 * For the account view and `/wechat/<appid>`:
 * - `findAuthorizer(env, appid)` → the authoriser's state (`{ appid, active, permissions, … }`)
 *   or undefined;
 * - `authorizerTokenSource(env, appid)` → an `AccessTokenSource` for `WeChatApiClient`;
 * - `componentPushKeys(env)` → `{ componentAppId, token, encodingAESKey }`, with which
 *   authorisers' pushes are verified, decrypted (receive-id: the component appid) and sealed;
 * - `registerAuthorizationCode(env, code)` → exchanges an auth_code (api_query_auth) and registers
 *   the authoriser (the 全网发布 test's `QUERY_AUTH_CODE:<code>`);
 * - `releaseTestReply(message, env, account, waitUntil)` → the 全网发布 test's answer for a push
 *   from one of WeChat's test accounts, or undefined (the callback asks it before the bot).
 */
export { componentAdminRoutes } from "./admin-routes";
export { AuthorizerAuthority, type AuthorizerView } from "./authorizer-authority";
export {
  authorizerTokenSource,
  componentPushKeys,
  findAuthorizer,
  type ComponentPushKeys,
} from "./authorizers";
export { ComponentAuthority } from "./component-authority";
export { NothingToRegister, registerAuthorizationCode } from "./registration";
export { releaseTestReply } from "./release-test";
export { componentRoutes } from "./routes";
export { loadComponentSettings, type ComponentSettings } from "./settings";
