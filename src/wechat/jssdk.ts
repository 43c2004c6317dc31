/**
 * The JS-SDK signature for `wx.config` (JS-SDK 说明文档, 附录1).
 *
 * signature = sha1("jsapi_ticket=…&noncestr=…&timestamp=…&url=…"), keys in that order. The url is
 * the page's URL exactly as the browser has it, without the `#fragment`, and neither URL-decoded
 * nor HTML-escaped (`&amp;`): the usual cause of "invalid signature". So the fragment is cut from
 * the raw string; parsing and re-serialising would change it (`http://a.com` → `http://a.com/`).
 */
import { randomAlphanumeric } from "./encoding";
import { sha1Hex } from "./signature";

export interface JssdkConfig {
  appId: string;
  timestamp: number;
  nonceStr: string;
  signature: string;
}

/** The page URL as WeChat signs it: everything before the first `#`. */
export function signableUrl(pageUrl: string): string {
  const hash = pageUrl.indexOf("#");
  return hash === -1 ? pageUrl : pageUrl.slice(0, hash);
}

export function jssdkSignature(
  jsapiTicket: string,
  nonceStr: string,
  timestamp: number | string,
  pageUrl: string,
): Promise<string> {
  return sha1Hex(
    `jsapi_ticket=${jsapiTicket}&noncestr=${nonceStr}&timestamp=${timestamp}&url=${signableUrl(pageUrl)}`,
  );
}

/** A fresh `wx.config` argument (without jsApiList) for one page URL. */
export async function buildJssdkConfig(
  appId: string,
  jsapiTicket: string,
  pageUrl: string,
  now = Date.now(),
): Promise<JssdkConfig> {
  const timestamp = Math.floor(now / 1000);
  const nonceStr = randomAlphanumeric(16);
  return {
    appId,
    timestamp,
    nonceStr,
    signature: await jssdkSignature(jsapiTicket, nonceStr, timestamp, pageUrl),
  };
}
