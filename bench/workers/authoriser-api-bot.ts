/**
 * The Worker of the authoriser storm (bench/lib/component-storm.ts): a user's Worker, built from
 * the public entry point exactly as demo/worker.ts is, whose bot calls WeChat's API for every
 * text. A service provider's bot does that for its authorisers (a 第三方平台 exists to call the
 * API on their behalf), and the demo parrot never does for a text, so the deployed bundle has no
 * such caller. The handler asks `ctx.api`, which takes the authoriser's authorizer_access_token
 * from its AuthorizerAuthority: the caller path the storm measures.
 *
 * Not type-checked by `npx tsc -p bench` (that runs on Node's types, this on the Worker's); it is
 * bundled by wrangler like the demo.
 */
import { createWorker, WeChatRouter, type BotContext } from "../../src/index";

export {
  AuthorizerAuthority,
  ComponentAuthority,
  ConversationMemory,
  PushLedger,
  QrScanStats,
  QrTicketIssuer,
  TokenAuthority,
} from "../../src/index";

const bot = new WeChatRouter<BotContext>().on("text", async (_message, ctx) => {
  // get_api_domain_ip: the cheapest call there is (the one /admin/check makes).
  await ctx.api.get("/cgi-bin/get_api_domain_ip");
  // The bench checks every reply for this line, naming the authoriser the push was for.
  return `api ok for ${ctx.account.appid}`;
});

export default createWorker(bot);
