/**
 * Replies owed to a follower (late replies that customer service could not deliver) and the
 * reply due now, combined into what can be sent in one answer. Texts merge into one text; other
 * types go one at a time, oldest first, the rest kept for later.
 */
import { isNoReply, type Reply } from "../wechat/reply";

interface CombinedReplies {
  first: Reply | undefined;
  rest: Reply[];
}

export function combineReplies(
  kept: readonly Reply[],
  current: Reply | undefined,
): CombinedReplies {
  const all = [...kept, ...(current ? [current] : [])].filter((r) => !isNoReply(r));
  if (all.length > 1 && all.every((r) => r.type === "text")) {
    const content = all.map((r) => (r.type === "text" ? r.content : "")).join("\n\n");
    return { first: { type: "text", content }, rest: [] };
  }
  return { first: all[0], rest: all.slice(1) };
}
