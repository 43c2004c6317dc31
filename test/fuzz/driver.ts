/**
 * The Worker the fuzz suite drives: the deployed handler (createWorker) around a bot that counts
 * its runs and answers with every reply type in turn, hostile content included, so that reply
 * rendering and sealing run on fuzzed pushes too; one in eleven runs throws.
 *
 * Unlike test/fixtures/worker.ts it does not wait for each request's waitUntil work (the push
 * ledger records answers in batches about 500 ms later, which would make thousands of requests
 * take minutes); it waits for all of them together in `settle()`.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import type { BotContext } from "../../src/bot/context";
import type { Env } from "../../src/env";
import { reply, type Reply } from "../../src/wechat/reply";
import { WeChatRouter } from "../../src/wechat/router";
import { createWorker } from "../../src/worker";
import { ORIGIN } from "../fixtures/worker";

const HOSTILE = "]]> <![CDATA[ &amp; \u0000\u0008\uFFFE \uD800 😀 <b>\r\n你好";

const article = (i: number) => ({
  title: `${HOSTILE} #${i}`,
  description: "]]>",
  picUrl: "https://example.test/p.png?a=1&b=2",
  url: "https://example.test/?x=<y>",
});

const REPLIES: readonly (() => Reply | string | undefined)[] = [
  () => reply.text(HOSTILE),
  () => "counted",
  () => reply.news(...Array.from({ length: 10 }, (_, i) => article(i))),
  () => reply.image(HOSTILE),
  () => reply.voice("media"),
  () => reply.video("media", { title: HOSTILE }),
  () => reply.music({ thumbMediaId: "thumb", title: HOSTILE, musicUrl: "https://example.test/m" }),
  () => reply.transferToCustomerService("kf@test"),
  () => reply.none(),
  () => undefined,
  () => {
    throw new Error("handler exploded");
  },
];

export function fuzzWorker() {
  const state = { runs: 0 };
  const bot = new WeChatRouter<BotContext>().fallback(() => {
    const answer = REPLIES[state.runs++ % REPLIES.length]!;
    return answer();
  });
  const worker = createWorker(bot);
  const pending: ExecutionContext[] = [];

  async function fetch(url: string, init: RequestInit, overrides: Partial<Env>) {
    const ctx = createExecutionContext();
    pending.push(ctx);
    return worker.fetch(
      new Request(`${ORIGIN}${url}`, init) as Request<unknown, IncomingRequestCfProperties>,
      { ...env, ...overrides },
      ctx,
    );
  }

  /** Waits for the background work of every request so far. */
  async function settle() {
    await Promise.all(pending.splice(0).map((ctx) => waitOnExecutionContext(ctx)));
  }

  return { state, fetch, settle, pendingCount: () => pending.length };
}

/**
 * The deployed Worker (wrangler.toml's `main`, with the test env) as the runtime serves it. Typed
 * here as what it is, a fetcher: the generated type of `exports` follows the entry module.
 */
export const deployedWorker = (exports as unknown as { default: Fetcher }).default;
