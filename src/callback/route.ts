/**
 * `/wechat`: the URL configured as the account's 服务器地址(URL).
 *
 * GET answers WeChat's URL verification with the plain echostr (in every encryption mode).
 * POST opens the push (signature, replay window, decryption), runs the bot, and seals the reply.
 * Bad input gets a 4xx with a one-line reason and never reaches a handler.
 *
 * A plain function of the request, so that the Worker can reach it without the router: every
 * push pays for this path, and WeChat only ever calls this one URL (src/worker.ts).
 */
import { Hono } from "hono/tiny";
import type { AppEnv } from "../app-env";
import type { BotContext } from "../bot/context";
import { createApiClient } from "../token/api-client";
import { sendCustomMessage } from "../wechat/api/custom-service";
import { describeError, log } from "../log";
import { openPush, sealReply, verifyRequestSignature, type PushFailure } from "../wechat/push";
import { NO_REPLY_BODY } from "../wechat/reply";
import type { WeChatRouter } from "../wechat/router";
import { readBoundedText } from "./read-body";
import { checkReplayedSignature } from "../dedupe/replay-guard";
import { answerPush } from "./answer-push";
import { countsForQrStats, recordQrAttribution } from "../qr/attribution";
import type { WeChatConfig } from "../config";
import type { Env } from "../env";
import { readPushQuery, type CallbackQuery } from "./push-query";

const STATUS: Record<PushFailure["kind"], 400 | 401 | 503> = {
  "bad-request": 400,
  unauthorized: 401,
  "not-configured": 503,
};

const nowSeconds = () => Math.floor(Date.now() / 1000);

// Built once: a Response copies its headers, and a literal object costs a conversion per request
// (about 4 µs of a push's CPU in workerd, npm run bench).
// nosniff: the echostr is caller input sent back verbatim; it must never be read as HTML.
const PLAIN_HEADERS = new Headers({
  "content-type": "text/plain; charset=utf-8",
  "x-content-type-options": "nosniff",
});
const XML_HEADERS = new Headers({ "content-type": "application/xml; charset=utf-8" });

function plain(text: string, status: 200 | 400 | 401 | 413 | 503 = 200) {
  return new Response(text, { status, headers: PLAIN_HEADERS });
}

/** Answers one request to the callback URL; `config` is the Worker's, already validated. */
export type CallbackHandler = (
  request: Request,
  env: Env,
  ctx: ExecutionContext,
  config: WeChatConfig,
) => Promise<Response>;

export function callbackHandler(bot: WeChatRouter<BotContext>): CallbackHandler {
  return (request, env, ctx, config) => {
    if (request.method === "POST") return answerPushRequest(bot, request, env, ctx, config);
    if (request.method === "GET") return answerUrlCheck(readPushQuery(request.url), config);
    if (request.method === "HEAD") {
      // GET's status and headers, no body.
      return answerUrlCheck(readPushQuery(request.url), config).then(
        (response) => new Response(null, response),
      );
    }
    return Promise.resolve(
      new Response("method not allowed", {
        status: 405,
        headers: { allow: "GET, HEAD, POST", "content-type": "text/plain; charset=utf-8" },
      }),
    );
  };
}

/** The callback as a Hono sub-app, for apps that mount it themselves. */
export function callbackRoutes(bot: WeChatRouter<BotContext>) {
  const handle = callbackHandler(bot);
  // Hono's ExecutionContext type is its own subset of the runtime's; the object is the same.
  return new Hono<AppEnv>().all("/", (c) =>
    handle(c.req.raw, c.env, c.executionCtx as ExecutionContext, c.var.config),
  );
}

async function answerUrlCheck(query: CallbackQuery, config: WeChatConfig) {
  if (query.echostr === undefined) return plain("missing echostr", 400);
  // The URL check is replayable by nature (it carries no body); a stale timestamp is still refused.
  const failure = await verifyRequestSignature(query, config, nowSeconds());
  if (failure) return plain(failure.reason, STATUS[failure.kind]);
  return plain(query.echostr);
}

async function answerPushRequest(
  bot: WeChatRouter<BotContext>,
  request: Request,
  env: Env,
  ctx: ExecutionContext,
  config: WeChatConfig,
): Promise<Response> {
  const arrivedAt = Date.now();
  const body = await readBoundedText(request);
  if (!body.ok) return plain(body.reason, body.status);
  const now = nowSeconds();
  const push = await openPush(readPushQuery(request.url), body.text, config, now);
  if (!push.ok) {
    log.warn("push.rejected", { reason: push.reason, kind: push.kind });
    return plain(push.reason, STATUS[push.kind]);
  }
  if (config.dedupe && push.mode === "plaintext") {
    // The push already passed its signature and timestamp; if the ledger cannot be asked,
    // answering it beats showing the follower an error for an outage of ours.
    const replay = await checkReplayedSignature(
      env,
      push,
      body.text,
      config.timestampToleranceSeconds,
      (promise) => ctx.waitUntil(promise),
    ).catch((error: unknown) => {
      log.error("replay_guard.unavailable", { error: describeError(error) });
      return "fresh" as const;
    });
    if (replay === "conflict") {
      log.warn("push.rejected", { reason: "replayed signature", kind: "unauthorized" });
      return plain("signature was already used with a different body (replay)", 401);
    }
  }
  // Scans and follows per QR scene (/qr/stats): off the reply's path, and it never throws.
  if (countsForQrStats(push.message)) {
    ctx.waitUntil(recordQrAttribution(env, config, push.message));
  }
  // Most pushes never touch the API: build the client on first use only.
  let api: BotContext["api"] | undefined;
  const context: BotContext = {
    env,
    config,
    get api() {
      return (api ??= createApiClient(env, config));
    },
    waitUntil: (promise) => ctx.waitUntil(promise),
  };
  const replyXml = await answerPush(bot, push, context, {
    arrivedAt,
    budgetMs: config.replyBudgetMs,
    dedupe: config.dedupe ? { env } : undefined,
    send: (message) => sendCustomMessage(context.api, message),
  });
  if (replyXml === undefined) return plain(NO_REPLY_BODY);
  const sealed = await sealReply(replyXml, push, config, nowSeconds());
  return new Response(sealed, { headers: XML_HEADERS });
}
