/**
 * The signed authorisation link a vendor hands to a 公众号's administrator:
 * `/component/authorize?expires=<unix seconds>&sig=<hex>`, where `sig` is HMAC-SHA256 of
 * `component-authorize\n<expires>` under a key derived from the component's secrets
 * (component-keys.ts). Anyone holding the link may start an authorisation until it expires, and
 * nothing else: it grants no admin power, and what the authorisation registers is decided by
 * WeChat (the account whose administrator scans), not by the link.
 *
 * `crypto.subtle.verify` compares the MAC in constant time.
 */
import { fromHex, toHex, utf8 } from "../wechat/encoding";
import { componentKey } from "./component-keys";
import type { ComponentSettings } from "./settings";

type KeySettings = Pick<
  ComponentSettings,
  "componentAppId" | "componentAppSecret" | "encodingAESKey"
>;

/** A link lives at most this long: it is handed out, so it should not outlive its purpose. */
export const MAX_LINK_SECONDS = 30 * 86_400;
export const DEFAULT_LINK_SECONDS = 7 * 86_400;

const signed = (expires: number) => utf8(`component-authorize\n${expires}`);

/** The query of a link valid until `expires` (Unix seconds). */
export async function signAuthorizeLink(settings: KeySettings, expires: number): Promise<string> {
  const key = await componentKey(settings, "authorize-link");
  const sig = toHex(await crypto.subtle.sign("HMAC", key, signed(expires)));
  return new URLSearchParams({ expires: String(expires), sig }).toString();
}

export type LinkCheck = "valid" | "expired" | "invalid";

/** Whether `expires` and `sig` from a request's query form a link valid at `now` (Unix seconds). */
export async function checkAuthorizeLink(
  settings: KeySettings,
  expires: string | undefined,
  sig: string | undefined,
  now: number,
): Promise<LinkCheck> {
  if (!expires || !sig || !/^\d{1,12}$/.test(expires)) return "invalid";
  const mac = fromHex(sig);
  if (!mac || mac.length !== 32) return "invalid";
  const key = await componentKey(settings, "authorize-link");
  if (!(await crypto.subtle.verify("HMAC", key, mac, signed(Number(expires))))) return "invalid";
  // Checked after the MAC, so a forged link learns nothing from the answer.
  return Number(expires) < now ? "expired" : "valid";
}
