/**
 * The demo bot: the tutorial's parrot, written against the public router the way a user would
 * write theirs. Text comes back unchanged, voice comes back as its recognised text, a follow gets
 * a welcome, anything else gets a line saying what arrived.
 *
 * Two commands show what the framework does about WeChat's 5-second window:
 * - `/slow N` pretends to call a slow backend for N seconds (up to 30). Past the reply budget the
 *   framework's slow-reply strategy takes over (docs/five-second-window.md): customer service,
 *   or, on an account without it, WeChat's re-sends of the push carry the answer.
 * - `/roll` replies a random number: a retried push gets the very same number.
 *
 * Two more show the follower's conversation memory (`ctx.conversation`), which outlives the
 * isolate: `/remember <text>` keeps a text, `/recall` answers it on a later message.
 */
import { reply, WeChatRouter, type BotContext, type InboundMessage } from "../src/index";

const WELCOME = "欢迎关注！Send me any text and I will say it back. Try /roll, or /slow 8.";
const MAX_SLOW_SECONDS = 30;

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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const parrot = new WeChatRouter<BotContext>()
  .text(/^\/slow\s+(\d{1,3}(?:\.\d+)?)\s*$/, async (message) => {
    const seconds = Number(message.match[1]);
    if (seconds > MAX_SLOW_SECONDS) return `/slow takes at most ${MAX_SLOW_SECONDS} seconds.`;
    await sleep(seconds * 1000);
    return `done after ${seconds} s`;
  })
  .text(/^\/roll\s*$/, () => `🎲 ${1 + Math.floor(Math.random() * 1_000_000)}`)
  .text(/^\/remember\s+(\S[\s\S]*)$/, async (message, ctx) => {
    const text = message.match[1]!.trim();
    await ctx.conversation.set({ remembered: text });
    return `记住了: ${text}`;
  })
  .text(/^\/recall\s*$/, async (_message, ctx) => {
    const stored = await ctx.conversation.get<{ remembered?: unknown }>();
    return typeof stored?.remembered === "string"
      ? `你让我记住的是: ${stored.remembered}`
      : "Nothing is stored yet. Try /remember <text>.";
  })
  .on("text", (message) => reply.text(message.content))
  .on("voice", (message) =>
    message.recognition
      ? reply.text(message.recognition)
      : reply.text("Sorry, I could not recognise that voice message."),
  )
  .event("subscribe", (event) =>
    event.qr ? `${WELCOME}\n(You came from scene ${event.qr.scene}.)` : WELCOME,
  )
  // A follower scanning a parametric QR code: greet them with the channel that brought them.
  .event("SCAN", (event) => `Welcome back! (You came from scene ${event.qr.scene}.)`)
  // Subscription notices (订阅通知): say what WeChat reported for each template.
  .event(
    "subscribe_msg_popup_event",
    (event) =>
      `订阅 Subscription: ${event.list.map((i) => `${i.templateId} ${i.subscribeStatusString}`).join(", ")}`,
  )
  .event(
    "subscribe_msg_change_event",
    (event) =>
      `拒收 Refused: ${event.list.map((i) => `${i.templateId} ${i.subscribeStatusString}`).join(", ")}`,
  )
  .event(
    "subscribe_msg_sent_event",
    (event) =>
      `下发结果 Delivery: ${event.list.map((i) => `${i.msgId} ${i.errorCode} ${i.errorStatus}`).join(", ")}`,
  )
  // Other events (menu clicks, location reports, job results) need no answer.
  .event("unsubscribe", () => undefined)
  .fallback((message) => (message.msgType === "event" ? undefined : describe(message)));
