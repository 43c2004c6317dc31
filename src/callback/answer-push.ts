/**
 * Runs the bot for one opened push, within WeChat's 5-second window, at most once per push.
 *
 * - The push is admitted first (src/dedupe/push-admission.ts): a copy of a push already handled
 *   gets the very same reply; a copy of one still running waits for it within its own budget.
 *   A first delivery runs at once; older pushes claim in the follower's PushLedger first.
 * - The handler races the reply budget. In time, its reply is the passive answer. Late, WeChat
 *   gets `success` at once (no retry, no "该公众号暂时无法提供服务"), the handler goes on after the
 *   response, and its reply is delivered once through customer service, or kept for the
 *   follower's next message when that is refused.
 * - A handler that throws is logged and answered with `success`.
 * - When the ledger cannot be reached, the push is answered without deduplication: a reply
 *   that might, rarely, run twice is better than a follower shown "该公众号暂时无法提供服务".
 */
import type { BotContext } from "../bot/context";
import {
  admitPush,
  CLAIM_AFTER_MS,
  ledgerUnavailable,
  type IsolateMemory,
  type PushTicket,
} from "../dedupe";
import type { Env } from "../env";
import { describeError, log } from "../log";
import { dedupeKey, type InboundMessage } from "../wechat/message";
import type { OpenedPush } from "../wechat/push";
import { renderReplyXml, type Reply } from "../wechat/reply";
import type { WeChatRouter } from "../wechat/router";
import { combineReplies } from "./kept-replies";
import { deliverLate, type SendCustomMessage } from "./late-delivery";
import { answeredAtOnce, withinDeadline, type DeadlineOutcome } from "./reply-deadline";

export interface AnswerOptions {
  /** When the request arrived (ms since epoch): the budget counts from here. */
  arrivedAt: number;
  budgetMs: number;
  /** Where pushes are deduplicated; undefined when deduplication is off. */
  dedupe: { env: Pick<Env, "PUSH_LEDGER">; memory?: IsolateMemory } | undefined;
  send: SendCustomMessage;
}

/** Resolves to the reply XML to send now, or undefined for `success`. */
export async function answerPush(
  bot: WeChatRouter<BotContext>,
  push: OpenedPush,
  context: BotContext,
  options: AnswerOptions,
): Promise<string | undefined> {
  const { message } = push;
  const remaining = () => options.arrivedAt + options.budgetMs - Date.now();

  const admission = options.dedupe
    ? await admitPush(
        options.dedupe.env,
        message,
        dedupeKey(message),
        remaining(),
        options.dedupe.memory,
      )
    : { run: true as const, kept: [], ticket: undefined };
  if (!admission.run) return admission.replyXml;
  const { kept, ticket } = admission;

  const work = runHandler(bot, message, context);
  let outcome: DeadlineOutcome<Reply | undefined> | undefined = await answeredAtOnce(work).then(
    (done) => (done ? { inTime: true as const, value: done.value } : undefined),
  );
  if (!outcome) {
    // A slow handler claims its push long before WeChat could retry it.
    const claimTimer = ticket ? setTimeout(() => void ticket.claim(), CLAIM_AFTER_MS) : undefined;
    if (claimTimer !== undefined) void work.then(() => clearTimeout(claimTimer));
    outcome = await withinDeadline(work, remaining());
  }
  if (outcome.inTime) {
    const { first, rest } = combineReplies(kept, outcome.value);
    const replyXml = first ? renderReplyXml(first, message, Date.now() / 1000) : undefined;
    if (ticket) {
      ticket.answered(replyXml, context.waitUntil);
      if (rest.length > 0) {
        context.waitUntil(Promise.all(rest.map((r) => ticket.keep(r))).catch(ledgerUnavailable));
      }
    }
    return replyXml;
  }

  log.info("reply.late", { msgType: message.msgType, budgetMs: options.budgetMs });
  // Answered `success` but still running: from now on a retry must find it claimed.
  void ticket?.claim();
  context.waitUntil(finishLate(work, message, kept, ticket, options.send));
  return undefined;
}

async function finishLate(
  work: Promise<Reply | undefined>,
  message: InboundMessage,
  kept: Reply[],
  ticket: PushTicket | undefined,
  send: SendCustomMessage,
): Promise<void> {
  const { first, rest } = combineReplies(kept, await work);
  const replyXml = first ? renderReplyXml(first, message, Date.now() / 1000) : undefined;
  // The ledger decides between a retry that is waiting right now and customer service, so the
  // reply goes out once however many retries arrived. Without an answer from the ledger,
  // delivering (once, from here) beats not delivering.
  const mustDeliver = ticket ? await ticket.answeredLate(replyXml) : replyXml !== undefined;
  const undelivered: Reply[] = [];
  for (const reply of mustDeliver && first ? [first, ...rest] : rest) {
    if (!(await deliverLate(reply, message.fromUserName, send))) undelivered.push(reply);
  }
  if (ticket && undelivered.length > 0) {
    await Promise.all(undelivered.map((reply) => ticket.keep(reply))).catch(ledgerUnavailable);
  }
}

/** The bot's reply, or undefined; never rejects. */
async function runHandler(
  bot: WeChatRouter<BotContext>,
  message: InboundMessage,
  context: BotContext,
): Promise<Reply | undefined> {
  try {
    return await bot.dispatch(message, context);
  } catch (error) {
    log.error("handler.failed", {
      msgType: message.msgType,
      eventName: message.msgType === "event" ? message.event : undefined,
      error: describeError(error),
    });
    return undefined;
  }
}
