/**
 * Runs the bot for one opened push, within WeChat's 5-second window, at most once per push.
 *
 * - The push is admitted first (src/dedupe/push-admission.ts): a copy of a push already handled
 *   gets the very same reply; a copy of one still running waits for it within its own budget.
 *   A first delivery runs at once; older pushes claim in the follower's PushLedger first.
 * - The handler races the reply budget. In time, its reply is the passive answer.
 * - Late, the slow-reply policy decides (src/callback/slow-reply.ts). Without holding, WeChat gets
 *   `success` at once (no retry, no "该公众号暂时无法提供服务"), the handler goes on after the
 *   response, and its reply is delivered once through customer service, or kept for the
 *   follower's next message when that is refused. Holding, the delivery is left unanswered so
 *   that WeChat sends the push again, and whichever delivery is open when the reply is ready
 *   carries it; the last one answers a placeholder (or `success` with customer service) instead.
 * - Replies owed to the follower go first, one per answer; a long text goes in parts
 *   (src/callback/kept-replies.ts).
 * - A handler that throws is logged and answered with `success`.
 * - When the ledger cannot be reached, the push is answered without deduplication and without
 *   holding (which needs the ledger to count deliveries): a reply that might, rarely, run twice
 *   is better than a follower shown "该公众号暂时无法提供服务".
 */
import type { BotContext } from "../bot/context";
import {
  admitPush,
  CLAIM_AFTER_MS,
  ledgerUnavailable,
  type HoldOptions,
  type IsolateMemory,
  type PushTicket,
} from "../dedupe";
import type { Env } from "../env";
import { describeError, log } from "../log";
import { dedupeKey, type InboundMessage } from "../wechat/message";
import type { OpenedPush } from "../wechat/push";
import { renderReplyXml, type Reply } from "../wechat/reply";
import type { WeChatRouter } from "../wechat/router";
import { queueReplies, withContinueHint } from "./kept-replies";
import { deliverLate, type SendCustomMessage } from "./late-delivery";
import { answeredAtOnce, withinDeadline, type DeadlineOutcome } from "./reply-deadline";
import { holdTimes, LAST_DELIVERY, type SlowReplyPolicy } from "./slow-reply";

export interface AnswerOptions {
  /** When the request arrived (ms since epoch): the budget counts from here. */
  arrivedAt: number;
  budgetMs: number;
  /**
   * Where pushes are deduplicated; undefined when deduplication is off. `partition` is the
   * account's (its appid; undefined for the single account); `recordDelayMs` how long an answer
   * waits to ride on the account's next ledger call (WECHAT_DEDUPE_RECORD_DELAY_MS).
   */
  dedupe:
    | {
        env: Pick<Env, "PUSH_LEDGER">;
        memory?: IsolateMemory;
        partition?: string | undefined;
        recordDelayMs?: number;
      }
    | undefined;
  send: SendCustomMessage;
  /** Default: never hold, customer service for late replies (WECHAT_SLOW_REPLY=customer-service). */
  slow?: SlowReplyPolicy;
}

type ResolvedOptions = AnswerOptions & { slow: SlowReplyPolicy };

const NEVER_HOLD: SlowReplyPolicy = {
  holds: async () => false,
  customerServiceAllowed: async () => true,
  noteRefusal: () => undefined,
  placeholder: { type: "none" },
  continueHint: "",
};

/** The answer to one delivery: reply XML, `success` (undefined), or held (no answer at all). */
export const HELD = Symbol("held");
export type PushAnswer = string | undefined | typeof HELD;

/** Resolves to the reply XML to send now, undefined for `success`, or HELD. */
export async function answerPush(
  bot: WeChatRouter<BotContext>,
  push: OpenedPush,
  context: BotContext,
  given: AnswerOptions,
): Promise<PushAnswer> {
  const { message } = push;
  const resolved: ResolvedOptions = { ...given, slow: given.slow ?? NEVER_HOLD };
  const options = resolved;
  const remaining = () => options.arrivedAt + options.budgetMs - Date.now();
  const { listenUntil } = holdTimes(options.arrivedAt, options.budgetMs);
  const hold = async (): Promise<HoldOptions | undefined> =>
    (await options.slow.holds())
      ? { waitMs: Math.max(0, listenUntil - Date.now()), lastDelivery: LAST_DELIVERY }
      : undefined;

  const admission = options.dedupe
    ? await admitPush(
        options.dedupe.env,
        message,
        dedupeKey(message),
        remaining(),
        options.dedupe.memory,
        hold,
        options.dedupe.partition,
        options.dedupe.recordDelayMs,
      )
    : { run: true as const, kept: [], ticket: undefined };
  if (!admission.run) {
    if (!admission.busy || admission.replyXml !== undefined) return admission.replyXml;
    const { delivery, closed } = admission.busy;
    if (closed) {
      // The last delivery, and still no reply: customer service will carry it, or the follower
      // gets the placeholder now and the reply on their next message.
      log.info("reply.placeholder", { delivery });
      if (await options.slow.customerServiceAllowed()) return undefined;
      return renderReplyXml(options.slow.placeholder, message, Date.now() / 1000);
    }
    return delivery !== undefined && delivery < LAST_DELIVERY && (await hold()) ? HELD : undefined;
  }
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
  if (outcome.inTime) return answerInTime(outcome.value, message, kept, ticket, context, options);

  // Holding needs the ledger: it counts the deliveries and hands the reply to the open one.
  if (ticket && (await options.slow.holds()) && (await ticket.claim())) {
    log.info("reply.held", { msgType: message.msgType, budgetMs: options.budgetMs });
    // This delivery stays open: the reply may yet come before WeChat gives up on it.
    const later = await withinDeadline(work, listenUntil - Date.now());
    if (later.inTime)
      return finishHeld(Promise.resolve(later.value), message, kept, ticket, options);
    context.waitUntil(finishHeld(work, message, kept, ticket, options));
    return HELD;
  }

  log.info("reply.late", { msgType: message.msgType, budgetMs: options.budgetMs });
  // Answered `success` but still running: from now on a retry must find it claimed.
  void ticket?.claim();
  context.waitUntil(finishLate(work, message, kept, ticket, options));
  return undefined;
}

/** The reply (and owed ones) as this delivery's passive answer; the rest queued or sent. */
async function answerInTime(
  current: Reply | undefined,
  message: InboundMessage,
  kept: Reply[],
  ticket: PushTicket | undefined,
  context: BotContext,
  options: ResolvedOptions,
): Promise<string | undefined> {
  const queued = queueReplies(kept, current, options.slow.continueHint);
  const viaCustomerService =
    queued.rest.length > 0 && (await options.slow.customerServiceAllowed());
  // The rest owed for later: the passive answer says so.
  const { first, rest } =
    queued.rest.length > 0 && !viaCustomerService && ticket
      ? withContinueHint(queued, options.slow.continueHint)
      : queued;
  const replyXml = first ? renderReplyXml(first, message, Date.now() / 1000) : undefined;
  ticket?.answered(replyXml, context.waitUntil);
  if (rest.length > 0) {
    context.waitUntil(
      viaCustomerService ? sendInOrder(rest, message, ticket, options) : keepAll(rest, ticket),
    );
  }
  return replyXml;
}

async function finishLate(
  work: Promise<Reply | undefined>,
  message: InboundMessage,
  kept: Reply[],
  ticket: PushTicket | undefined,
  options: ResolvedOptions,
): Promise<void> {
  const { first, rest } = queueReplies(kept, await work, options.slow.continueHint);
  const replyXml = first ? renderReplyXml(first, message, Date.now() / 1000) : undefined;
  // The ledger decides between a retry that is waiting right now and customer service, so the
  // reply goes out once however many retries arrived. Without an answer from the ledger,
  // delivering (once, from here) beats not delivering.
  const mustDeliver = ticket ? await ticket.answeredLate(replyXml) : replyXml !== undefined;
  await sendInOrder(mustDeliver && first ? [first, ...rest] : rest, message, ticket, options);
}

/**
 * The held push's reply: handed to the delivery open now, or stored for the next one, or (the
 * last delivery has closed the push) sent through customer service or kept. Resolves the passive
 * XML, for the delivery of this isolate if it is still open.
 */
async function finishHeld(
  work: Promise<Reply | undefined>,
  message: InboundMessage,
  kept: Reply[],
  ticket: PushTicket,
  options: ResolvedOptions,
): Promise<string | undefined> {
  const current = await work;
  const queued = queueReplies(kept, current, options.slow.continueHint);
  const allowed = await options.slow.customerServiceAllowed();
  // The passive copy of the first reply carries the hint when the rest will be kept.
  const passive =
    queued.rest.length > 0 && !allowed
      ? withContinueHint(queued, options.slow.continueHint)
      : queued;
  const replyXml = passive.first
    ? renderReplyXml(passive.first, message, Date.now() / 1000)
    : undefined;
  const mustDeliver = await ticket.answeredHeld(replyXml);
  // Handed to a delivery: the rest as the hint said. Closed: everything, the first unhinted.
  const owed = mustDeliver && queued.first ? [queued.first, ...queued.rest] : passive.rest;
  if (owed.length > 0) {
    if (allowed) await sendInOrder(owed, message, ticket, options);
    else await keepAll(owed, ticket);
  }
  return mustDeliver ? undefined : replyXml;
}

/** Sends replies through customer service in order; what WeChat refuses is kept, in order. */
async function sendInOrder(
  replies: Reply[],
  message: InboundMessage,
  ticket: PushTicket | undefined,
  options: ResolvedOptions,
): Promise<void> {
  const undelivered: Reply[] = [];
  for (const reply of replies) {
    // Once one is refused, the rest are kept behind it, so the follower gets them in order.
    if (
      undelivered.length > 0 ||
      !(await deliverLate(reply, message.fromUserName, options.send, options.slow.noteRefusal))
    ) {
      undelivered.push(reply);
    }
  }
  await keepAll(undelivered, ticket);
}

async function keepAll(replies: Reply[], ticket: PushTicket | undefined): Promise<void> {
  if (!ticket) {
    // Without the ledger (WECHAT_DEDUPE=off, or unreachable) nothing can be owed to a follower.
    if (replies.length > 0) log.warn("reply.dropped", { replies: replies.length });
    return;
  }
  // One at a time: the kept-reply queue is ordered by insertion.
  for (const reply of replies) await ticket.keep(reply).catch(ledgerUnavailable);
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
