/**
 * Runs the bot for one opened push, within WeChat's 5-second window, at most once per push.
 *
 * - The push is claimed in the follower's PushLedger first: a retry of a push already handled
 *   gets the very same reply; a retry of one still running waits for it within its own budget.
 * - The handler races the reply budget. In time, its reply is the passive answer. Late, WeChat
 *   gets `success` at once (no retry, no "该公众号暂时无法提供服务"), the handler goes on after the
 *   response, and its reply is delivered once through customer service, or kept for the
 *   follower's next message when that is refused.
 * - A handler that throws is logged and answered with `success`.
 * - When the ledger cannot be reached, the push is answered without deduplication: a reply
 *   that might, rarely, run twice is better than a follower shown "该公众号暂时无法提供服务".
 */
import type { BotContext } from "../bot/context";
import type { PushLedger } from "../dedupe/push-ledger";
import { describeError, log } from "../log";
import { dedupeKey, type InboundMessage } from "../wechat/message";
import type { OpenedPush } from "../wechat/push";
import { renderReplyXml, type Reply } from "../wechat/reply";
import type { WeChatRouter } from "../wechat/router";
import { combineReplies } from "./kept-replies";
import { deliverLate, type SendCustomMessage } from "./late-delivery";
import { withinDeadline } from "./reply-deadline";

export interface AnswerOptions {
  /** When the request arrived (ms since epoch): the budget counts from here. */
  arrivedAt: number;
  budgetMs: number;
  /** The follower's ledger; undefined when deduplication is off. */
  ledger: DurableObjectStub<PushLedger> | undefined;
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
  const key = dedupeKey(message);

  let ledger = options.ledger;
  let kept: Reply[] = [];
  const claim = ledger
    ? await ledger.claim(key, message.fromUserName, remaining()).catch(ledgerUnavailable)
    : undefined;
  if (!claim) ledger = undefined;
  else {
    switch (claim.state) {
      case "answered":
        return claim.replyXml;
      case "busy":
      case "delivered":
        return undefined;
      case "owner":
        kept = claim.kept;
    }
  }

  const work = runHandler(bot, message, context);
  const outcome = await withinDeadline(work, remaining());
  if (outcome.inTime) {
    const { first, rest } = combineReplies(kept, outcome.value);
    const replyXml = first ? renderReplyXml(first, message, Date.now() / 1000) : undefined;
    if (ledger) {
      const settled = ledger;
      context.waitUntil(
        Promise.all([
          settled.settle(key, replyXml, false),
          ...rest.map((r) => settled.keepReply(message.fromUserName, r)),
        ]).catch(ledgerUnavailable),
      );
    }
    return replyXml;
  }

  log.info("reply.late", { msgType: message.msgType, budgetMs: options.budgetMs });
  context.waitUntil(finishLate(work, message, kept, key, { ...options, ledger }));
  return undefined;
}

function ledgerUnavailable(error: unknown): undefined {
  log.error("ledger.unavailable", { error: describeError(error) });
  return undefined;
}

async function finishLate(
  work: Promise<Reply | undefined>,
  message: InboundMessage,
  kept: Reply[],
  key: string,
  { ledger, send }: AnswerOptions,
): Promise<void> {
  const { first, rest } = combineReplies(kept, await work);
  const replyXml = first ? renderReplyXml(first, message, Date.now() / 1000) : undefined;
  // The ledger decides between a retry that is waiting right now and customer service, so the
  // reply goes out once however many retries arrived.
  // Without an answer from the ledger, delivering (once, from here) beats not delivering.
  const settled = ledger
    ? await ledger.settle(key, replyXml, true).catch(ledgerUnavailable)
    : undefined;
  const mustDeliver = settled ? settled.deliverLate : replyXml !== undefined;
  const undelivered: Reply[] = [];
  for (const reply of mustDeliver && first ? [first, ...rest] : rest) {
    if (!(await deliverLate(reply, message.fromUserName, send))) undelivered.push(reply);
  }
  if (ledger && undelivered.length > 0) {
    await Promise.all(
      undelivered.map((reply) => ledger.keepReply(message.fromUserName, reply)),
    ).catch(ledgerUnavailable);
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
