/**
 * The accounts feature's public face. WECHAT_ACCOUNTS itself is parsed with the other variables
 * (src/config-accounts.ts, so that a malformed list stops every endpoint like any malformed
 * variable) and looked up synchronously with `configuredAccount` (src/config.ts); this feature
 * holds what is asynchronous: resolving an appid the variables do not list, and any appid for
 * callers that are not a push (resolveAccount).
 */
export { resolveUnlistedAccount } from "./unlisted-account";
export { resolveAccount } from "./resolve-account";
export { accountApiClient } from "./account-api-client";
