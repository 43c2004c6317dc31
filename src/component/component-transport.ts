/**
 * How the component reaches WeChat: WECHAT_COMPONENT_API_BASE, with the Worker's timeout, proxy
 * secret and redacted failure logs (the token feature's transport, another base URL).
 */
import { loadConfig } from "../config";
import type { Env } from "../env";
import { credentialFetchTimeout, upstreamTransport } from "../token";
import type { TransportOptions } from "../wechat/api/transport";
import type { ComponentSettings } from "./settings";

const FALLBACK_TIMEOUT_MS = 4000;

export function componentTransport(
  env: Env,
  settings: Pick<ComponentSettings, "apiBase">,
): { transport: TransportOptions; credentialTimeoutMs: number } {
  const loaded = loadConfig(env);
  if (!loaded.ok) {
    return {
      transport: { apiBase: settings.apiBase, timeoutMs: FALLBACK_TIMEOUT_MS },
      credentialTimeoutMs: FALLBACK_TIMEOUT_MS,
    };
  }
  return {
    transport: { ...upstreamTransport(loaded.config), apiBase: settings.apiBase },
    credentialTimeoutMs: credentialFetchTimeout(loaded.config),
  };
}
