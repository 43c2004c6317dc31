/**
 * JSON from WeChat's API, parsed without losing 64-bit ids.
 *
 * Template `msgid`, mass `msg_id` and `msg_data_id` can exceed 2^53 (co-wechat-api #89), where
 * `JSON.parse` silently rounds them. The reviver reads each number's source text (JSON.parse
 * source text access, in V8 since 11.4, so in workerd and Node) and keeps it as a string when it
 * is an integer beyond the safe range, or when its key names an id. Id keys are always strings,
 * so a typed result never has to be `number | string`.
 */

/** Keys whose values are ids: always returned as strings, whatever their size. */
const ID_KEYS: ReadonlySet<string> = new Set(["msgid", "msg_id", "msg_data_id", "MsgId", "MsgID"]);

const INTEGER = /^-?\d+$/;

type ReviverContext = { source?: string };

function keepIds(this: unknown, key: string, value: unknown, context?: ReviverContext): unknown {
  if (typeof value !== "number" || context?.source === undefined) return value;
  const source = context.source;
  if (!INTEGER.test(source)) return value;
  if (ID_KEYS.has(key) || !Number.isSafeInteger(value)) return source;
  return value;
}

/** Parses JSON keeping big integers and id fields as strings; throws SyntaxError like JSON.parse. */
export function parseWeChatJson(text: string): unknown {
  return JSON.parse(text, keepIds as (key: string, value: unknown) => unknown);
}
