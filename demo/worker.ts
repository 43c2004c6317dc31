/**
 * This repository's own Worker, built exactly as a user builds theirs: a demo bot around the
 * public entry point, and the Durable Object classes wrangler.toml binds, re-exported.
 *
 * WECHAT_DEMO_BOT picks the bot per request: `parrot` (default) or `assistant`. createWorker
 * prepares its handler once per bot, so both are built here, once, and the env only chooses.
 * Any other value answers 503 naming the variable, as the library does for its own settings.
 */
import { createWorker } from "../src/index";
import { assistant, type AssistantEnv } from "./assistant";
import { parrot } from "./parrot";

export {
  AuthorizerAuthority,
  ComponentAuthority,
  ConversationMemory,
  PushLedger,
  QrScanStats,
  QrTicketIssuer,
  TokenAuthority,
} from "../src/index";

export interface DemoEnv extends AssistantEnv {
  /** Which demo bot answers: parrot (default) or assistant. */
  WECHAT_DEMO_BOT?: string;
}

const workers = { parrot: createWorker(parrot), assistant: createWorker(assistant) };

function selected(env: DemoEnv) {
  const name = env.WECHAT_DEMO_BOT?.trim().toLowerCase() || "parrot";
  return name === "parrot" || name === "assistant" ? workers[name] : undefined;
}

export default {
  fetch: (request, env, ctx) => {
    const worker = selected(env);
    if (worker) return worker.fetch(request, env, ctx);
    const reason = "WECHAT_DEMO_BOT must be parrot or assistant";
    console.error(JSON.stringify({ reason, level: "error", event: "config.invalid" }));
    return Response.json({ error: reason }, { status: 503 });
  },
  // The token watchdog is the same whichever bot answers, and must run even while
  // WECHAT_DEMO_BOT is wrong.
  scheduled: (controller, env, ctx) => workers.parrot.scheduled(controller, env, ctx),
} satisfies ExportedHandler<DemoEnv>;
