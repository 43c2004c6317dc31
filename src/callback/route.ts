/**
 * `/wechat`: the URL configured as the account's 服务器地址(URL); `/wechat/<appid>` for each
 * account of WECHAT_ACCOUNTS (and any the account resolver knows, src/accounts). The account
 * decides everything a push is checked and answered with: token, key, mode, ledger partition,
 * token authority. An appid no account has is answered 404 before anything else is read.
 *
 * GET answers WeChat's URL verification with the plain echostr (in every encryption mode).
 * POST opens the push (mode, signature, replay window, decryption), runs the bot, and seals the
 * reply. Bad input gets a 4xx with a one-line reason and never reaches a handler.
 *
 * Every accepted signature is used once (src/dedupe/replay-guard.ts); a client whose signatures
 * keep failing is answered 429 before any check (src/http/failure-limit.ts).
 *
 * A plain function of the request, so that the Worker can reach it without the router: every
 * push pays for this path, and WeChat only ever calls these URLs (src/worker.ts).
 */
import type { Context } from "hono";
import { Hono } from "hono/tiny";
import type { AppEnv } from "../app-env";
import type { BotContext } from "../bot/context";
import { createApiClient } from "../token";
import { sendCustomMessage } from "../wechat/api/custom-service";
import { describeError, log } from "../log";
import { openPush, sealReply, verifyRequestSignature, type PushFailure } from "../wechat/push";
import { NO_REPLY_BODY, renderReplyXml } from "../wechat/reply";
import type { WeChatRouter } from "../wechat/router";
import { readBoundedText } from "../http/read-body";
import {
  checkSignatureUse,
  ledgerPartition,
  ledgerUnavailable,
  type SignedRequestKind,
} from "../dedupe";
import { blockedForSeconds, recordFailure } from "../http/failure-limit";
import { answerPush, HELD } from "./answer-push";
import { holdTimes, slowReplyPolicy } from "./slow-reply";
import { configuredAccount, type WeChatConfig } from "../config";
import { resolveUnlistedAccount } from "../accounts";
import { releaseTestReply } from "../component";
import type { Env } from "../env";
import { conversationFor } from "../conversation";
import type { InboundMessage } from "../wechat/message";
import { readPushQuery, type CallbackQuery } from "./push-query";

const STATUS: Record<PushFailure["kind"], 400 | 401 | 503> = {
  "bad-request": 400,
  unauthorized: 401,
  "bad-signature": 401,
  "not-configured": 503,
};

const nowSeconds = () => Math.floor(Date.now() / 1000);

// Built once: a Response copies its headers, and a literal object costs a conversion per request
// on the path every push takes (npm run bench measures it).
// nosniff: the echostr is caller input sent back verbatim; it must never be read as HTML.
const PLAIN_HEADERS = new Headers({
  "content-type": "text/plain; charset=utf-8",
  "x-content-type-options": "nosniff",
});
const XML_HEADERS = new Headers({ "content-type": "application/xml; charset=utf-8" });

function plain(text: string, status: 200 | 400 | 401 | 404 | 413 | 503 = 200) {
  return new Response(text, { status, headers: PLAIN_HEADERS });
}

function tooManyFailures(retryAfterSeconds: number): Response {
  return new Response("too many failed signature checks from this client; try again later", {
    status: 429,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "retry-after": String(retryAfterSeconds),
    },
  });
}

/**
 * The core names the single account's variables in its reasons; for any other account the
 * setting is that account's own (its WECHAT_ACCOUNTS entry), and the reason says so.
 */
function accountReason(failure: PushFailure, config: CallbackAccount): PushFailure {
  if (config.accountSource === "single") return failure;
  const reason = failure.reason
    .replace("WECHAT_ENCODING_AES_KEY is not set", "this account has no encodingAESKey")
    .replace("WECHAT_MESSAGE_MODE is", "this account's mode is");
  return reason === failure.reason ? failure : { ...failure, reason };
}

/** The answer to a refused request; a signature that does not verify counts against the client. */
async function refuse(failure: PushFailure, request: Request, env: Env): Promise<Response> {
  if (failure.kind === "bad-signature") {
    const retryAfter = await recordFailure(
      env.AUTH_FAILURE_LIMITER,
      "signature",
      request.headers.get("cf-connecting-ip"),
    );
    if (retryAfter > 0) return tooManyFailures(retryAfter);
  }
  return plain(failure.reason, STATUS[failure.kind]);
}

const UNKNOWN_ACCOUNT = "no account with this appid is configured here";
const NO_SINGLE_ACCOUNT = "WECHAT_TOKEN is not set: each account's callback is /wechat/<appid>";
const APPID = /^wx[0-9a-f]{16}$/;

/** An account's view as the callback needs it: its token is set. */
type CallbackAccount = WeChatConfig & { token: string };

const HELD_REASON = "held: the reply goes to WeChat's next delivery of this push";
const URL_CHECK_AS_PUSH = "a URL check's signature cannot carry a push (echostr on a POST)";
const REPLAYED = "signature was already used for another request (replay)";

/**
 * Records this use of the request's signature. If the ledger cannot be asked, answering beats
 * showing the follower an error for an outage of ours: the request already passed its signature
 * and timestamp checks (the README's security model says so).
 */
async function signatureReused(
  env: Env,
  ctx: ExecutionContext,
  config: WeChatConfig,
  pair: { timestamp: string; nonce: string },
  kind: SignedRequestKind,
  content: string,
): Promise<boolean> {
  if (!config.dedupe) return false;
  const use = await checkSignatureUse(
    env,
    pair,
    kind,
    content,
    config.timestampToleranceSeconds,
    (promise) => ctx.waitUntil(promise),
    ledgerPartition(config),
  ).catch((error: unknown) => ledgerUnavailable(error, "replay-guard") ?? ("fresh" as const));
  if (use !== "conflict") return false;
  log.warn("request.rejected", { reason: "replayed signature", kind });
  return true;
}

/**
 * Runs for every push that was opened and passed the replay guard, just before its handler, off
 * the reply's path: features that watch the traffic plug in here instead of being wired into the
 * callback. `account` is the account the push was sent to, as handlers see it (`ctx.account`).
 * Returns the work to wait for, or nothing when the push is not its business (most pushes are
 * nobody's); a failure is logged, never answered.
 */
export type PushHook = (
  message: InboundMessage,
  env: Env,
  account: BotContext["account"],
) => Promise<void> | undefined;

/**
 * A push hook of the library's own features (QR scan attribution), given the account's whole
 * view, secrets included, to record under its appid; never handed to user code.
 */
export type AccountPushHook = (
  message: InboundMessage,
  env: Env,
  account: WeChatConfig,
) => Promise<void> | undefined;

/** A user's push hook as the callback runs it: it sees the account as handlers do. */
export function userPushHook(hook: PushHook): AccountPushHook {
  return (message, env, account) =>
    hook(message, env, { appid: account.appId, appId: account.appId });
}

/**
 * Answers one request to the callback URL; `config` is the Worker's, already validated. Without
 * `appid` the request is for `/wechat` (the single account); with it, for `/wechat/<appid>`.
 */
export type CallbackHandler = (
  request: Request,
  env: Env,
  ctx: ExecutionContext,
  config: WeChatConfig,
  appid?: string,
) => Promise<Response>;

export function callbackHandler(
  bot: WeChatRouter<BotContext>,
  hooks: readonly AccountPushHook[] = [],
): CallbackHandler {
  const answer = accountCallback(bot, hooks);
  return (request, env, ctx, config, appid) => {
    if (appid === undefined) {
      if (config.token === undefined) return Promise.resolve(plain(NO_SINGLE_ACCOUNT, 503));
      return answer(request, env, ctx, config as CallbackAccount);
    }
    // Only a well-formed appid is looked up: junk never reaches the resolver.
    if (!APPID.test(appid)) return Promise.resolve(plain(UNKNOWN_ACCOUNT, 404));
    const account = configuredAccount(config, appid);
    if (account) {
      // The single account also answers at /wechat/<its appid>, with the same ledger partition.
      if (account.token === undefined) {
        return Promise.resolve(plain("WECHAT_TOKEN is not set", 503));
      }
      return answer(request, env, ctx, account as CallbackAccount);
    }
    return resolveUnlistedAccount(env, config, appid, readPushQuery(request.url)).then(
      (resolved) => (resolved ? answer(request, env, ctx, resolved) : plain(UNKNOWN_ACCOUNT, 404)),
      (error: unknown) => {
        log.error("account.resolve_failed", { error: describeError(error) });
        return plain("this account cannot be looked up right now; try again later", 503);
      },
    );
  };
}

/** The callback of one account, already chosen. */
function accountCallback(bot: WeChatRouter<BotContext>, hooks: readonly AccountPushHook[]) {
  return (
    request: Request,
    env: Env,
    ctx: ExecutionContext,
    config: CallbackAccount,
  ): Promise<Response> => {
    if (request.method !== "POST" && request.method !== "GET" && request.method !== "HEAD") {
      return Promise.resolve(
        new Response("method not allowed", {
          status: 405,
          headers: { allow: "GET, HEAD, POST", "content-type": "text/plain; charset=utf-8" },
        }),
      );
    }
    // An empty map costs nothing to ask: only clients that failed recently are in it.
    const blocked = blockedForSeconds("signature", request.headers.get("cf-connecting-ip"));
    if (blocked > 0) return Promise.resolve(tooManyFailures(blocked));
    if (request.method === "POST") return answerPushRequest(bot, hooks, request, env, ctx, config);
    if (request.method === "GET") return answerUrlCheck(request, env, ctx, config);
    // HEAD: GET's status and headers, no body.
    return answerUrlCheck(request, env, ctx, config).then(
      (response) => new Response(null, response),
    );
  };
}

/** The callback as a Hono sub-app (`/` and `/:appid`), for apps that mount it themselves. */
export function callbackRoutes(
  bot: WeChatRouter<BotContext>,
  hooks: readonly AccountPushHook[] = [],
) {
  const handle = callbackHandler(bot, hooks);
  // Hono's ExecutionContext type is its own subset of the runtime's; the object is the same.
  const forAccount = (c: Context<AppEnv>) =>
    handle(
      c.req.raw,
      c.env,
      c.executionCtx as ExecutionContext,
      c.var.config,
      c.req.param("appid"),
    );
  return new Hono<AppEnv>()
    .all("/", (c) => handle(c.req.raw, c.env, c.executionCtx as ExecutionContext, c.var.config))
    .all("/:appid", forAccount)
    .all("/:appid/", forAccount);
}

async function answerUrlCheck(
  request: Request,
  env: Env,
  ctx: ExecutionContext,
  config: CallbackAccount,
) {
  const query: CallbackQuery = readPushQuery(request.url);
  if (query.echostr === undefined) return plain("missing echostr", 400);
  const failure = await verifyRequestSignature(query, config, nowSeconds());
  if (failure) return refuse(failure, request, env);
  const pair = { timestamp: query.timestamp!, nonce: query.nonce! };
  if (await signatureReused(env, ctx, config, pair, "url-check", query.echostr)) {
    return plain(REPLAYED, 401);
  }
  return plain(query.echostr);
}

async function answerPushRequest(
  bot: WeChatRouter<BotContext>,
  hooks: readonly AccountPushHook[],
  request: Request,
  env: Env,
  ctx: ExecutionContext,
  config: CallbackAccount,
): Promise<Response> {
  const arrivedAt = Date.now();
  const query = readPushQuery(request.url);
  // WeChat's pushes never carry an echostr: this is a URL check's signature reused on a body,
  // refused without needing the replay guard (which may be off or unreachable).
  if (query.echostr !== undefined) return plain(URL_CHECK_AS_PUSH, 401);
  const body = await readBoundedText(request);
  if (!body.ok) return plain(body.reason, body.status);
  const now = nowSeconds();
  const push = await openPush(query, body.text, config, now);
  if (!push.ok) {
    log.warn("push.rejected", {
      reason: push.reason,
      kind: push.kind,
      ...(push.detail ? { detail: push.detail } : {}),
    });
    return refuse(accountReason(push, config), request, env);
  }
  const kind = push.mode === "plaintext" ? "plaintext-push" : "encrypted-push";
  if (await signatureReused(env, ctx, config, push, kind, body.text)) return plain(REPLAYED, 401);
  // WeChat's 全网发布 test is answered here, before any hook or handler sees it (its test
  // accounts only, src/component/release-test.ts).
  const releaseTest = releaseTestReply(push.message, env, config, (promise) =>
    ctx.waitUntil(promise),
  );
  if (releaseTest) {
    const xml = renderReplyXml(releaseTest, push.message, nowSeconds());
    if (xml === undefined) return plain(NO_REPLY_BODY);
    return new Response(await sealReply(xml, push, config, nowSeconds()), {
      headers: XML_HEADERS,
    });
  }
  for (const hook of hooks) {
    const work = hook(push.message, env, config);
    if (work)
      ctx.waitUntil(
        work.catch((error: unknown) =>
          log.warn("push_hook.failed", { error: describeError(error) }),
        ),
      );
  }
  // Most pushes never touch the API: build the client on first use only.
  let api: BotContext["api"] | undefined;
  let conversation: BotContext["conversation"] | undefined;
  const context: BotContext = {
    env,
    account: { appid: config.appId, appId: config.appId },
    get api() {
      return (api ??= createApiClient(env, config));
    },
    get conversation() {
      return (conversation ??= conversationFor(
        env,
        config.appId ?? "",
        push.message.fromUserName,
        config.conversationTtlDays,
      ));
    },
    waitUntil: (promise) => ctx.waitUntil(promise),
  };
  const replyXml = await answerPush(bot, push, context, {
    arrivedAt,
    budgetMs: config.replyBudgetMs,
    dedupe: config.dedupe
      ? { env, partition: ledgerPartition(config), recordDelayMs: config.dedupeRecordDelayMs }
      : undefined,
    send: (message) => sendCustomMessage(context.api, message),
    slow: slowReplyPolicy(env, config, context.waitUntil),
  });
  // WeChat gave up on this delivery long ago (it waits 5 s) and sends the push again; whatever is
  // said here reaches only a client that is not WeChat, and must not look like an answer.
  if (replyXml === HELD) {
    const { closeAt } = holdTimes(arrivedAt, config.replyBudgetMs);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, closeAt - Date.now())));
    return plain(HELD_REASON, 503);
  }
  if (replyXml === undefined) return plain(NO_REPLY_BODY);
  const sealed = await sealReply(replyXml, push, config, nowSeconds());
  return new Response(sealed, { headers: XML_HEADERS });
}
