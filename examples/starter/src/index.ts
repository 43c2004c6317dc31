/**
 * Your bot: a parrot with one command. Write yours with the router's .text, .on, .event and
 * .fallback; a handler returns a reply, a string, or nothing ("success"). The Durable Object
 * classes are re-exported because wrangler.toml binds them by these names.
 */
import { createWorker, reply, WeChatRouter, type BotContext } from "wechat-edge";

export {
  ConversationMemory,
  PushLedger,
  QrScanStats,
  QrTicketIssuer,
  TokenAuthority,
} from "wechat-edge";

const bot = new WeChatRouter<BotContext<Env>>()
  .text(/^\/roll\s*$/, () => `🎲 ${1 + Math.floor(Math.random() * 6)}`)
  .on("text", (message) => reply.text(message.content))
  .event("subscribe", () => "欢迎关注！Send me any text and I will say it back. Try /roll.");

export default createWorker<Env>(bot);
