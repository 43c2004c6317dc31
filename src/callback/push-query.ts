/**
 * The query of a callback request (signature, timestamp, nonce, encrypt_type, msg_signature,
 * openid, echostr), read with string operations.
 *
 * Every push pays for this, and `new URL(…).searchParams` costs more CPU in workerd (npm run
 * bench compares them). Decoding follows URLSearchParams (`+` is a space, percent escapes are
 * UTF-8, the first occurrence of a name wins), falling back to it for anything malformed.
 */
import type { PushQuery } from "../wechat/push";

export type CallbackQuery = PushQuery & { echostr?: string | undefined };

/** The parameters WeChat puts on the callback URL; any other is ignored. */
export const CALLBACK_QUERY_NAMES: readonly string[] = [
  "signature",
  "timestamp",
  "nonce",
  "encrypt_type",
  "msg_signature",
  "openid",
  "echostr",
];
const NAMES = new Set(CALLBACK_QUERY_NAMES);

export function readPushQuery(url: string): CallbackQuery {
  const query: Record<string, string> = {};
  const start = url.indexOf("?");
  if (start < 0) return query;
  const hash = url.indexOf("#", start);
  const end = hash < 0 ? url.length : hash;
  for (let at = start + 1; at < end;) {
    let next = url.indexOf("&", at);
    if (next < 0 || next > end) next = end;
    const equals = url.indexOf("=", at);
    const nameEnd = equals < 0 || equals > next ? next : equals;
    const name = decode(url.slice(at, nameEnd));
    if (name !== undefined && NAMES.has(name) && !(name in query)) {
      const value = nameEnd === next ? "" : decode(url.slice(nameEnd + 1, next));
      query[name] = value ?? new URLSearchParams(url.slice(start + 1, end)).get(name) ?? "";
    }
    at = next + 1;
  }
  return query;
}

/** URLSearchParams' decoding of one component; undefined when a percent escape is not UTF-8. */
function decode(part: string): string | undefined {
  const spaced = part.includes("+") ? part.replaceAll("+", " ") : part;
  if (!spaced.includes("%")) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return undefined;
  }
}
