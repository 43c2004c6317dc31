/**
 * Fetching the account's credentials from WeChat: the access_token (stable or classic) and the
 * jsapi_ticket. Only the token authority calls these; everyone else asks the authority.
 *
 * stable_token (POST /cgi-bin/stable_token) in normal mode returns the same token while it is
 * valid and always with expires_in >= 300, and it is isolated from the classic GET /cgi-bin/token,
 * whose every call invalidates the previous token. One source per account, never both.
 */
import type { WeChatApiClient } from "./client";
import { WeChatTransportError } from "./errors";
import { callJson, type TransportOptions } from "./transport";

export type TokenSource = "stable" | "classic";

export interface Account {
  appId: string;
  appSecret: string;
}

/** A credential as WeChat issued it. */
export interface IssuedCredential {
  value: string;
  /** Seconds of life WeChat granted ("目前是7200秒之内的值": do not hard-code 7200). */
  expiresIn: number;
}

function issued(body: Record<string, unknown>, field: string, path: string): IssuedCredential {
  const value = body[field];
  const expiresIn = body.expires_in;
  if (
    typeof value !== "string" ||
    value === "" ||
    typeof expiresIn !== "number" ||
    !(expiresIn > 0)
  ) {
    throw new WeChatTransportError("malformed", path, `answered without ${field} and expires_in`);
  }
  return { value, expiresIn };
}

/**
 * Fetches an access_token. `forceRefresh` (stable only) invalidates the current token and is
 * limited to 20 a day, 30 s apart: only for a token WeChat itself rejected.
 */
export async function fetchAccessToken(
  transport: TransportOptions,
  account: Account,
  source: TokenSource,
  options: { forceRefresh?: boolean; timeoutMs?: number } = {},
): Promise<IssuedCredential> {
  if (source === "stable") {
    const path = "/cgi-bin/stable_token";
    const body = await callJson(transport, path, {
      method: "POST",
      json: {
        grant_type: "client_credential",
        appid: account.appId,
        secret: account.appSecret,
        force_refresh: options.forceRefresh ?? false,
      },
      timeoutMs: options.timeoutMs,
    });
    return issued(body, "access_token", path);
  }
  const path = "/cgi-bin/token";
  const body = await callJson(transport, path, {
    method: "GET",
    query: { grant_type: "client_credential", appid: account.appId, secret: account.appSecret },
    timeoutMs: options.timeoutMs,
  });
  return issued(body, "access_token", path);
}

/** Fetches a jsapi_ticket (getticket's quota is "非常有限": cache it like the token). */
export async function fetchJsapiTicket(
  client: WeChatApiClient,
  options: { timeoutMs?: number } = {},
): Promise<IssuedCredential> {
  const path = "/cgi-bin/ticket/getticket";
  const body = await client.get(path, { type: "jsapi" }, { timeoutMs: options.timeoutMs });
  return issued(body, "ticket", path);
}
