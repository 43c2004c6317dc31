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
    if (reply.type !== "text" || utf8Length(reply.content) <= room) {
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

/** `reply` with the continuation hint on its own line, when it is a text; else as it is. */
export function withContinueHint(reply: Reply, continueHint: string): Reply {
  return reply.type === "text"
    ? { type: "text", content: `${reply.content}\n${continueHint}` }
    : reply;
}
