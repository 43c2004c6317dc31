/**
 * Replies owed to a follower and the reply due now, as a queue of what can be sent, oldest
 * first, one per answer. A text longer than a passive reply may carry (2048 bytes of UTF-8) is cut
 * into parts (src/wechat/text-parts.ts) that queue one after another, each leaving room for the
 * continuation hint, which is added only to a part sent passively while more are owed. Whole
 * texts next to each other are merged into one answer while they fit; a part is never merged
 * with what follows it, so a long text's parts joined without their hints are the original text.
 */
import { isNoReply, type Reply } from "../wechat/reply";
import { MAX_TEXT_REPLY_BYTES, splitText, utf8Length } from "../wechat/text-parts";

/** A queued reply; `continues` marks a text cut short, which the next queued text continues. */
type QueuedReply = Reply & { continues?: true };

export interface QueuedReplies {
  first: Reply | undefined;
  rest: Reply[];
}

const SEPARATOR = "\n\n";

export function queueReplies(
  kept: readonly Reply[],
  current: Reply | undefined,
  continueHint: string,
): QueuedReplies {
  const room = MAX_TEXT_REPLY_BYTES - utf8Length(`\n${continueHint}`);
  const queue: QueuedReply[] = [];
  for (const reply of [...kept, ...(current ? [current] : [])] as QueuedReply[]) {
    if (isNoReply(reply)) continue;
    const previous = queue.at(-1);
    if (
      reply.type === "text" &&
      previous?.type === "text" &&
      !previous.continues &&
      utf8Length(previous.content) + utf8Length(SEPARATOR + reply.content) <= room
    ) {
      queue[queue.length - 1] = {
        type: "text",
        content: previous.content + SEPARATOR + reply.content,
        ...(reply.continues ? { continues: true } : {}),
      };
      continue;
    }
    // A text that fits one passive reply stays whole; one that does not is cut with room for
    // the hint on each part.
    if (reply.type !== "text" || utf8Length(reply.content) <= MAX_TEXT_REPLY_BYTES) {
      queue.push(reply);
      continue;
    }
    const parts = splitText(reply.content, room);
    parts.forEach((content, i) => {
      const last = i === parts.length - 1;
      queue.push({
        type: "text",
        content,
        ...(!last || reply.continues ? { continues: true as const } : {}),
      });
    });
  }
  return { first: queue[0], rest: queue.slice(1) };
}

/**
 * The first queued reply as a passive answer that tells the follower more is owed: a text gets
 * the hint on its own line, cut first if the hint would take it past WeChat's limit (the cut-off
 * part then leads the rest). Other types go as they are.
 */
export function withContinueHint(queued: QueuedReplies, continueHint: string): QueuedReplies {
  const { first, rest } = queued;
  if (first?.type !== "text") return queued;
  const suffix = `\n${continueHint}`;
  if (utf8Length(first.content + suffix) <= MAX_TEXT_REPLY_BYTES) {
    return { first: { type: "text", content: first.content + suffix }, rest };
  }
  const [head, ...tail] = splitText(first.content, MAX_TEXT_REPLY_BYTES - utf8Length(suffix));
  const continuation: QueuedReply = { type: "text", content: tail.join("") };
  if ((first as QueuedReply).continues) continuation.continues = true;
  return { first: { type: "text", content: head + suffix }, rest: [continuation, ...rest] };
}
