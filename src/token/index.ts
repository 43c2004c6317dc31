/**
 * The token feature's public face: the access_token and jsapi_ticket authority (one Durable
 * Object per appid, the only writer), the API client wired to it, and the watchdog the Cron
 * Trigger runs. Other features import this file, never the modules behind it
 * (.dependency-cruiser.cjs).
 */
export { createApiClient } from "./api-client";
export { getJsapiTicket, tokenAuthority } from "./authority-client";
export { TokenAuthority } from "./authority";
export { AREA_NEEDS, type AccountPermissions, type PermissionArea } from "./permissions";
export type { QuotaClearRecord } from "./quota-clear";
export { TokenUnavailableError } from "./errors";
export {
  RECENT_FAILURES_KEPT,
  type CredentialStatus,
  type LeaseResult,
  type RefreshFailure,
  type RefreshState,
  type UpstreamError,
} from "./records";
export { backoffMs, isServable, needsRefresh, refreshDueAt } from "./refresh-rule";
export { credentialFetchTimeout, upstreamTransport } from "./upstream";
export { isoTime, refreshStateView } from "./status-view";
export { runTokenWatchdog } from "./watchdog";
