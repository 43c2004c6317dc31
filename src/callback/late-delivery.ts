/**
 * Delivering a reply that missed the passive window through the customer-service API.
 *
 * WeChat refuses it for accounts without the permission (48001, e.g. unverified subscription
 * accounts), outside the 48-hour window (45015) and over quota (45047). The reply is then kept
 * and given as the passive answer to the follower's next message: the known workaround for
 * accounts without customer-service messages.
 */
import { describeError, log } from "../log";
import { customMessageFromReply, type CustomMessage } from "../wechat/custom-message";
import type { Reply } from "../wechat/reply";

/** Sends one customer-service message; rejects with an error carrying `errcode` when WeChat refuses. */
export type SendCustomMessage = (message: CustomMessage) => Promise<unknown>;

const REFUSALS: Record<number, string> = {
  48001: "the account has no customer-service message permission (48001)",
  45015: "the follower is outside the 48-hour customer-service window (45015)",
  45047: "the customer-service quota for this follower is used up (45047)",
};

/** True when delivered; false when the reply should be kept for the follower's next message. */
export async function deliverLate(
  reply: Reply,
  openid: string,
  send: SendCustomMessage,
): Promise<boolean> {
  const message = customMessageFromReply(reply, openid);
  if (!message) {
    log.warn("late_reply.unsupported", { replyType: reply.type });
    return true;
  }
  const started = Date.now();
  try {
    await send(message);
    log.info("late_reply.delivered", { replyType: reply.type, ms: Date.now() - started });
    return true;
  } catch (error) {
    const errcode = (error as { errcode?: unknown }).errcode;
    const reason =
      typeof errcode === "number" && REFUSALS[errcode] ? REFUSALS[errcode] : describeError(error);
    log.warn("late_reply.kept", {
      replyType: reply.type,
      errcode: typeof errcode === "number" ? errcode : undefined,
      reason,
    });
    return false;
  }
}
