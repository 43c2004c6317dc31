/**
 * What the token authority keeps and answers. Plain data, so it crosses Durable Object RPC and
 * storage unchanged; failures are values (a tagged result), because an Error thrown over RPC loses
 * its fields.
 */
import type { TokenSource } from "../wechat/api/credentials";

/** The two credentials one authority owns. */
export type CredentialKind = "access_token" | "jsapi_ticket";

export interface CredentialRecord {
  value: string;
  /** Epoch ms. */
  expiresAt: number;
  refreshedAt: number;
  /** How it was obtained: the token source, or getticket for the jsapi_ticket. */
  source: TokenSource | "getticket";
}

/** WeChat's answer to a failed attempt, when it gave one. */
export interface UpstreamError {
  errcode: number;
  errmsg: string;
  hint: string;
  /** For 40164: the caller IP WeChat saw (the Worker's or the proxy's egress IP). */
  ip?: string;
}

export interface RefreshFailure {
  at: number;
  reason: string;
  upstream?: UpstreamError;
}

export interface RefreshState {
  consecutiveFailures: number;
  /** No attempt before this (epoch ms): the backoff step. 0 when not failing. */
  nextAttemptAt: number;
  /** The last few failures, newest last. */
  recentFailures: RefreshFailure[];
  /** Last stable_token force_refresh (WeChat allows 20 a day, 30 s apart). */
  lastForceRefreshAt?: number;
}

export interface Lease {
  value: string;
  expiresAt: number;
}

export type LeaseResult =
  | { ok: true; lease: Lease }
  | { ok: false; reason: string; retryAfterSeconds: number; upstream?: UpstreamError };

/** The refresh state of one credential, for /admin/token and operators. Never the value. */
export interface CredentialStatus {
  credential: CredentialKind;
  expiresAt?: number;
  refreshedAt?: number;
  source?: CredentialRecord["source"];
  consecutiveFailures: number;
  nextAttemptAt?: number;
  recentFailures: RefreshFailure[];
  refreshing: boolean;
}

export interface WatchdogReport {
  credential: CredentialKind;
  action: "fresh" | "refreshed" | "failed";
  expiresAt?: number;
  reason?: string;
}

export const RECENT_FAILURES_KEPT = 5;
