/**
 * Delivering a reply that missed the passive window through the customer-service API.
 *
 * WeChat refuses it for accounts without the permission (48001, e.g. unverified subscription
 * accounts), outside the 48-hour window (45015) and over quota (45047). The reply is then kept
 * and given as the passive answer to the follower's next message: the known workaround for
 * accounts without customer-service messages.
 */
import { describeError, log } from "../log";
import { CustomServiceRefusal } from "../wechat/api/custom-service";
import { WeChatApiError } from "../wechat/api/errors";
import { customMessageFromReply, type CustomMessage } from "../wechat/custom-message";
import type { Reply } from "../wechat/reply";

/** Sends one customer-service message; rejects when WeChat refuses it. */
export type SendCustomMessage = (message: CustomMessage) => Promise<unknown>;

/** True when delivered (or undeliverable by nature); false when it should be kept for later. */
export async function deliverLate(
  reply: Reply,
  openid: string,
  send: SendCustomMessage,
  onRefused?: (errcode: number) => void,
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
    if (error instanceof WeChatApiError) onRefused?.(error.errcode);
    log.warn("late_reply.kept", {
      replyType: reply.type,
      errcode: error instanceof WeChatApiError ? error.errcode : undefined,
      reason: error instanceof CustomServiceRefusal ? error.reason : describeError(error),
    });
    return false;
  }
}
