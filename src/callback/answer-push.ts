/**
 * Runs the bot for one opened push and renders its passive reply.
 *
 * A handler that throws is logged and answered with `success`: WeChat then neither retries nor
 * shows the follower "该公众号暂时无法提供服务".
 */
import type { BotContext } from "../bot/context";
import { describeError, log } from "../log";
import type { OpenedPush } from "../wechat/push";
import { renderReplyXml } from "../wechat/reply";
import type { WeChatRouter } from "../wechat/router";

export async function answerPush(
  bot: WeChatRouter<BotContext>,
  push: OpenedPush,
  context: BotContext,
): Promise<string | undefined> {
  const { message } = push;
  try {
    const result = await bot.dispatch(message, context);
    if (!result) return undefined;
    return renderReplyXml(result, message, Date.now() / 1000);
  } catch (error) {
    log.error("handler.failed", {
      msgType: message.msgType,
      event: message.msgType === "event" ? message.event : undefined,
      error: describeError(error),
    });
    return undefined;
  }
}
