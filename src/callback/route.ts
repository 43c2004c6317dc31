/**
 * `/wechat`: the URL configured as the account's 服务器地址(URL).
 *
 * GET answers WeChat's URL verification with the plain echostr (in every encryption mode).
 * POST opens the push (signature, replay window, decryption), runs the bot, and seals the reply.
 * Bad input gets a 4xx with a one-line reason and never reaches a handler.
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
import { recordQrAttribution } from "../qr/attribution";

const STATUS: Record<PushFailure["kind"], 400 | 401 | 503> = {
  "bad-request": 400,
  unauthorized: 401,
  "not-configured": 503,
};

const nowSeconds = () => Math.floor(Date.now() / 1000);

function plain(text: string, status: 200 | 400 | 401 | 413 | 503 = 200) {
  // nosniff: the echostr is caller input sent back verbatim; it must never be read as HTML.
  return new Response(text, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" },
  });
}

export function callbackRoutes(bot: WeChatRouter<BotContext>) {
  const app = new Hono<AppEnv>();

  app.get("/", async (c) => {
    const config = c.var.config;
    const query = c.req.query();
    if (query.echostr === undefined) return plain("missing echostr", 400);
    // The URL check is replayable by nature (it carries no body); a stale timestamp is still refused.
    const failure = await verifyRequestSignature(query, config, nowSeconds());
    if (failure) return plain(failure.reason, STATUS[failure.kind]);
    return plain(query.echostr);
  });

  app.post("/", async (c) => {
    const arrivedAt = Date.now();
    const config = c.var.config;
    const body = await readBoundedText(c.req.raw);
    if (!body.ok) return plain(body.reason, body.status);
    const now = nowSeconds();
    const push = await openPush(c.req.query(), body.text, config, now);
    if (!push.ok) {
      log.warn("push.rejected", { reason: push.reason, kind: push.kind });
      return plain(push.reason, STATUS[push.kind]);
    }
    if (config.dedupe && push.mode === "plaintext") {
      // The push already passed its signature and timestamp; if the ledger cannot be asked,
      // answering it beats showing the follower an error for an outage of ours.
      const replay = await checkReplayedSignature(
        c.env,
        push,
        body.text,
        config.timestampToleranceSeconds,
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
    c.executionCtx.waitUntil(recordQrAttribution(c.env, config, push.message));
    // Most pushes never touch the API: build the client on first use only.
    let api: BotContext["api"] | undefined;
    const context: BotContext = {
      env: c.env,
      config,
      get api() {
        return (api ??= createApiClient(c.env, config));
      },
      waitUntil: (promise) => c.executionCtx.waitUntil(promise),
    };
    const replyXml = await answerPush(bot, push, context, {
      arrivedAt,
      budgetMs: config.replyBudgetMs,
      dedupe: config.dedupe ? { env: c.env } : undefined,
      send: (message) => sendCustomMessage(context.api, message),
    });
    if (replyXml === undefined) return plain(NO_REPLY_BODY);
    const sealed = await sealReply(replyXml, push, config, nowSeconds());
    return new Response(sealed, { headers: { "content-type": "application/xml; charset=utf-8" } });
  });

  return app;
}
