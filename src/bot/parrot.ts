/**
 * The demo bot: the tutorial's parrot, written against the public router the way a user would
 * write theirs. Text comes back unchanged, voice comes back as its recognised text, a follow gets
 * a welcome, anything else gets a line saying what arrived.
 */
import { WeChatRouter } from "../wechat/router";
import { reply } from "../wechat/reply";
import type { InboundMessage } from "../wechat/message";
import type { BotContext } from "./context";

const WELCOME = "欢迎关注！Send me any text and I will say it back.";

function describe(message: InboundMessage): string {
  switch (message.msgType) {
    case "image":
      return "Got your image.";
    case "video":
    case "shortvideo":
      return "Got your video.";
    case "location":
      return `Got your location: ${message.label || `${message.latitude}, ${message.longitude}`}.`;
    case "link":
      return `Got your link: ${message.title}`;
    case "unknown":
      return `Got a ${message.originalMsgType} message.`;
    default:
      return `Got a ${message.msgType} message.`;
  }
}

export const parrot = new WeChatRouter<BotContext>()
  .on("text", (message) => reply.text(message.content))
  .on("voice", (message) =>
    message.recognition
      ? reply.text(message.recognition)
      : reply.text("Sorry, I could not recognise that voice message."),
  )
  .event("subscribe", (event) =>
    event.qr ? `${WELCOME} (You came from scene ${event.qr.scene}.)` : WELCOME,
  )
  // Other events (menu clicks, location reports, job results) need no answer.
  .event("unsubscribe", () => undefined)
  .fallback((message) => (message.msgType === "event" ? undefined : describe(message)));
