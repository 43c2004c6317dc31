/**
 * Which bindings each surface needs, and the 503 a surface answers when one is missing (a
 * `wrangler.toml` without it), instead of a stack trace on first use. The lists are the contract
 * `createWorker`'s documentation and docs/configuration.md state.
 */
import type { WeChatEdgeEnv } from "./env";

type BindingName =
  | "TOKEN_CACHE"
  | "TOKEN_AUTHORITY"
  | "PUSH_LEDGER"
  | "QR_TICKET_ISSUER"
  | "QR_SCAN_STATS"
  | "QR_RATE_LIMITER"
  | "AUTH_FAILURE_LIMITER"
  | "COMPONENT_AUTHORITY"
  | "AUTHORIZER_AUTHORITY";

const TOKEN: readonly BindingName[] = ["TOKEN_AUTHORITY", "TOKEN_CACHE"];

/** The bindings of each surface (the callback needs PUSH_LEDGER unless WECHAT_DEDUPE=off). */
export const SURFACE_BINDINGS = {
  callback: ["PUSH_LEDGER", "AUTH_FAILURE_LIMITER"],
  qr: ["QR_TICKET_ISSUER", "QR_SCAN_STATS", "QR_RATE_LIMITER", "AUTH_FAILURE_LIMITER", ...TOKEN],
  admin: ["AUTH_FAILURE_LIMITER", "QR_SCAN_STATS", ...TOKEN],
  oauth: TOKEN,
  jssdk: TOKEN,
  watchdog: TOKEN,
  /** /component/* and /admin/component/*, only once WECHAT_COMPONENT_APPID is set (docs/component.md). */
  component: ["COMPONENT_AUTHORITY", "AUTHORIZER_AUTHORITY", "AUTH_FAILURE_LIMITER"],
} as const satisfies Record<string, readonly BindingName[]>;

/** The first binding of `names` that `env` lacks, as a one-line reason; undefined when all are there. */
export function missingBinding(
  env: Partial<WeChatEdgeEnv>,
  names: readonly BindingName[],
): string | undefined {
  const missing = names.find((name) => env[name] === undefined || env[name] === null);
  return missing
    ? `the ${missing} binding is missing: add it to wrangler.toml (docs/configuration.md)`
    : undefined;
}

/** 503 naming the missing binding; nothing else. */
export function missingBindingResponse(reason: string): Response {
  return Response.json(
    { error: reason },
    { status: 503, headers: { "cache-control": "no-store" } },
  );
}
