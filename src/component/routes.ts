/**
 * `/component/*`: the 第三方平台's public surface.
 *
 * POST /component/events          授权事件接收URL: the ticket and authorisation changes → `success`
 * GET  /component/authorize       admin key or signed link → 302 to WeChat's authorisation page
 * POST /component/authorize-link  admin key → { url, expiresAt }: a signed link to hand out
 * GET  /component/callback        WeChat's redirect after the authorisation → confirmation page
 *
 * Forgery of the callback. `/component/callback?auth_code=…` registers whatever account the code
 * belongs to, so it must only complete an authorisation this Worker started in this browser:
 * /component/authorize creates a one-time record in the ComponentAuthority (random `state`,
 * expiring with the pre_auth_code), puts `state` in the redirect_uri it gives WeChat, and sets it
 * in a `__Host-` cookie (HttpOnly, Secure, SameSite=Lax: sent on WeChat's top-level redirect
 * back, never on a cross-site subrequest, and not settable by a sibling subdomain). The callback
 * requires the query's `state` to equal the cookie's and consumes the record, once. A link
 * crafted by an attacker fails (no cookie in the victim's browser, or no record), and so does a
 * replayed callback (the record is gone). The record alone would not do (an attacker could start
 * a flow and send the victim the callback URL); the cookie alone would not make it single-use.
 *
 * WeChat's own authorized / updateauthorized pushes register the account as well: they are
 * signed and encrypted with the component's key, so they need no browser binding.
 */
import { Hono } from "hono/tiny";
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { checkSignatureUse, ledgerUnavailable } from "../dedupe";
import { missingBinding, missingBindingResponse } from "../bindings";
import { identifyAdminCaller } from "../http/admin-caller";
import { apiErrorResponse } from "../http/api-error-response";
import { blockedForSeconds, recordFailure } from "../http/failure-limit";
import { readBoundedText } from "../http/read-body";
import { describeError, log } from "../log";
import { timingSafeEqualText } from "../wechat/signature";
import type { PushFailure, PushQuery } from "../wechat/push";
import {
  checkAuthorizeLink,
  DEFAULT_LINK_SECONDS,
  MAX_LINK_SECONDS,
  signAuthorizeLink,
} from "./authorize-link";
import { createPreAuthCode } from "./component-api";
import { openComponentPush, type ComponentNotice } from "./component-push";
import { componentAuthority } from "./component-stub";
import { withComponentToken } from "./component-token";
import { componentTransport } from "./component-transport";
import { NothingToRegister, registerAuthorization, revokeAuthorization } from "./registration";
import { componentSurface, settingsOf } from "./surface";
import type { ComponentSettings } from "./settings";

export const STATE_COOKIE = "__Host-wechat-edge-component";
const NO_STORE = { "cache-control": "no-store" };
const STATUS: Record<PushFailure["kind"], 400 | 401 | 503> = {
  "bad-request": 400,
  unauthorized: 401,
  "bad-signature": 401,
  "not-configured": 503,
};
/** auth_type=1: the authorisation page offers 公众号 only (2: 小程序, 3: both). */
const AUTH_TYPE_OFFICIAL_ACCOUNT = "1";
const APPID = /^wx[0-9a-f]{16}$/;

const plain = (text: string, status: 200 | 400 | 401 | 403 | 413 | 429 | 503 = 200) =>
  new Response(text, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", ...NO_STORE },
  });

export function componentRoutes() {
  const routes = new Hono<AppEnv>();
  routes.use("*", componentSurface());
  routes.post("/events", receiveEvent);
  routes.get("/authorize", startAuthorization);
  routes.post("/authorize-link", mintAuthorizeLink);
  routes.get("/callback", completeAuthorization);
  return routes;
}

async function receiveEvent(c: Context<AppEnv>): Promise<Response> {
  const settings = settingsOf(c);
  const config = c.var.config;
  const ip = c.req.header("cf-connecting-ip");
  const blocked = blockedForSeconds("signature", ip);
  if (blocked > 0) return plain("too many failed signature checks from this client", 429);
  if (config.dedupe) {
    const missing = missingBinding(c.env, ["PUSH_LEDGER"]);
    if (missing) return missingBindingResponse(missing);
  }
  const body = await readBoundedText(c.req.raw);
  if (!body.ok) return plain(body.reason, body.status);
  const url = new URL(c.req.url);
  const query: PushQuery = {
    signature: url.searchParams.get("signature") ?? undefined,
    timestamp: url.searchParams.get("timestamp") ?? undefined,
    nonce: url.searchParams.get("nonce") ?? undefined,
    encrypt_type: url.searchParams.get("encrypt_type") ?? undefined,
    msg_signature: url.searchParams.get("msg_signature") ?? undefined,
  };
  const opened = await openComponentPush(
    query,
    body.text,
    {
      componentAppId: settings.componentAppId,
      token: settings.token,
      encodingAESKey: settings.encodingAESKey,
      timestampToleranceSeconds: config.timestampToleranceSeconds,
    },
    Math.floor(Date.now() / 1000),
  );
  if (!opened.ok) {
    log.warn("component.push_refused", { reason: opened.reason, detail: opened.detail });
    if (opened.kind === "bad-signature") {
      const retryAfter = await recordFailure(c.env.AUTH_FAILURE_LIMITER, "signature", ip);
      if (retryAfter > 0) return plain("too many failed signature checks from this client", 429);
    }
    return plain(opened.reason, STATUS[opened.kind]);
  }
  // One use per signature, as for /wechat (src/dedupe/replay-guard.ts): a re-send of the same
  // push is a retry and is handled again (every step is idempotent); anything else is a replay.
  if (config.dedupe) {
    const use = await checkSignatureUse(
      c.env,
      { timestamp: opened.timestamp, nonce: opened.nonce },
      "encrypted-push",
      body.text,
      config.timestampToleranceSeconds,
      (promise) => c.executionCtx.waitUntil(promise),
      // The component's pairs are its own, apart from every account's.
      settings.componentAppId,
    ).catch((error: unknown) => ledgerUnavailable(error, "replay-guard") ?? ("fresh" as const));
    if (use === "conflict") {
      return plain("signature was already used for another request (replay)", 401);
    }
  }
  const notice = opened.notice;
  const failed = (error: unknown) =>
    log.error("component.event_failed", { infoType: notice.infoType, error: describeError(error) });
  if (notice.infoType === "authorized" || notice.infoType === "updateauthorized") {
    // WeChat waits 5 s for `success`; exchanging the auth_code calls WeChat, so it runs after.
    c.executionCtx.waitUntil(handleNotice(c.env, settings, notice).catch(failed));
    return plain("success");
  }
  // The ticket and a revocation are stored before `success`: if that fails, WeChat sends again.
  try {
    await handleNotice(c.env, settings, notice);
  } catch (error) {
    failed(error);
    return plain("could not store the notice; WeChat will send it again", 503);
  }
  return plain("success");
}

async function handleNotice(
  env: AppEnv["Bindings"],
  settings: ComponentSettings,
  notice: ComponentNotice,
): Promise<void> {
  switch (notice.infoType) {
    case "component_verify_ticket":
      await componentAuthority(env, settings.componentAppId).storeTicket(
        notice.ticket,
        notice.createTime,
      );
      log.info("component.ticket_stored", { createTime: notice.createTime });
      return;
    case "authorized":
    case "updateauthorized":
      await registerAuthorization(env, settings, notice.authorizationCode);
      return;
    case "unauthorized":
      await revokeAuthorization(env, settings, notice.authorizerAppId, "unauthorized event");
      return;
    case "other":
      log.info("component.event_ignored", { infoType: notice.name });
      return;
  }
}

/** The admin key (Bearer) or a valid signed link; the response to answer otherwise. */
async function authorizeCaller(c: Context<AppEnv>): Promise<Response | undefined> {
  const config = c.var.config;
  const caller = await identifyAdminCaller({
    authorization: c.req.header("authorization"),
    connectingIp: c.req.header("cf-connecting-ip"),
    adminKeys: config.adminKeys,
    adminKeyProblem: config.adminKeyProblem,
    limiter: c.env.AUTH_FAILURE_LIMITER,
    realm: "component",
  });
  if (caller.kind === "refused") return caller.response;
  if (caller.kind === "admin") return undefined;
  const link = await checkAuthorizeLink(
    settingsOf(c),
    c.req.query("expires"),
    c.req.query("sig"),
    Math.floor(Date.now() / 1000),
  );
  if (link === "valid") return undefined;
  if (link === "expired") {
    return c.json(
      { error: "this authorisation link has expired: ask for a new one" },
      403,
      NO_STORE,
    );
  }
  return c.json(
    { error: "the admin key or a signed authorisation link is required" },
    401,
    NO_STORE,
  );
}

async function startAuthorization(c: Context<AppEnv>): Promise<Response> {
  const refused = await authorizeCaller(c);
  if (refused) return refused;
  const settings = settingsOf(c);
  const bizAppId = c.req.query("biz_appid");
  if (bizAppId !== undefined && !APPID.test(bizAppId)) {
    return c.json({ error: "biz_appid must be wx followed by 16 lowercase hex digits" }, 400);
  }
  const { transport } = componentTransport(c.env, settings);
  let preAuth: { preAuthCode: string; expiresIn: number };
  try {
    preAuth = await withComponentToken(c.env, settings, (token) =>
      createPreAuthCode(transport, token, settings.componentAppId),
    );
  } catch (error) {
    return apiErrorResponse(error);
  }
  const pending = await componentAuthority(c.env, settings.componentAppId).beginAuthorization(
    preAuth.expiresIn * 1000,
  );
  const origin = new URL(c.req.url).origin;
  const redirectUri = `${origin}/component/callback?state=${pending.state}`;
  const page = new URL(`${c.var.config.mpBase}/cgi-bin/componentloginpage`);
  page.searchParams.set("component_appid", settings.componentAppId);
  page.searchParams.set("pre_auth_code", preAuth.preAuthCode);
  page.searchParams.set("redirect_uri", redirectUri);
  page.searchParams.set("auth_type", AUTH_TYPE_OFFICIAL_ACCOUNT);
  if (bizAppId) page.searchParams.set("biz_appid", bizAppId);
  const maxAge = Math.max(1, Math.floor((pending.expiresAt - Date.now()) / 1000));
  return new Response(null, {
    status: 302,
    headers: {
      location: page.toString(),
      "set-cookie": `${STATE_COOKIE}=${pending.state}; Path=/; Max-Age=${maxAge}; HttpOnly; Secure; SameSite=Lax`,
      ...NO_STORE,
    },
  });
}

async function mintAuthorizeLink(c: Context<AppEnv>): Promise<Response> {
  const config = c.var.config;
  const caller = await identifyAdminCaller({
    authorization: c.req.header("authorization"),
    connectingIp: c.req.header("cf-connecting-ip"),
    adminKeys: config.adminKeys,
    adminKeyProblem: config.adminKeyProblem,
    limiter: c.env.AUTH_FAILURE_LIMITER,
    realm: "component",
  });
  if (caller.kind === "refused") return caller.response;
  if (caller.kind === "no-header") {
    return c.json({ error: "the admin key is required" }, 401, {
      ...NO_STORE,
      "www-authenticate": 'Bearer realm="component"',
    });
  }
  const body = await readBoundedText(c.req.raw, 4096);
  if (!body.ok) return c.json({ error: body.reason }, body.status);
  let seconds = DEFAULT_LINK_SECONDS;
  if (body.text.trim() !== "") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.text);
    } catch {
      return c.json({ error: 'the body must be JSON: { "ttlSeconds": N }' }, 400);
    }
    const ttl = (parsed as { ttlSeconds?: unknown } | null)?.ttlSeconds;
    if (ttl !== undefined) {
      if (typeof ttl !== "number" || !Number.isInteger(ttl) || ttl < 60 || ttl > MAX_LINK_SECONDS) {
        return c.json(
          { error: `ttlSeconds must be a whole number from 60 to ${MAX_LINK_SECONDS}` },
          400,
        );
      }
      seconds = ttl;
    }
  }
  const expires = Math.floor(Date.now() / 1000) + seconds;
  const query = await signAuthorizeLink(settingsOf(c), expires);
  const url = `${new URL(c.req.url).origin}/component/authorize?${query}`;
  return c.json({ url, expiresAt: expires * 1000 }, 200, NO_STORE);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return rest.join("=");
  }
  return undefined;
}

const CLEAR_COOKIE = `${STATE_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax`;
const FORGED =
  "this authorisation was not started from this browser, or it expired: start again from /component/authorize";

async function completeAuthorization(c: Context<AppEnv>): Promise<Response> {
  const settings = settingsOf(c);
  const authCode = c.req.query("auth_code");
  const state = c.req.query("state");
  const cookie = cookieValue(c.req.header("cookie"), STATE_COOKIE);
  if (!authCode || authCode.length > 512) return page(400, "auth_code is missing");
  if (
    !state ||
    !cookie ||
    !/^[A-Za-z0-9]{32}$/.test(state) ||
    !timingSafeEqualText(state, cookie)
  ) {
    log.warn("component.callback_refused", { reason: "state does not match the browser's" });
    return page(403, FORGED);
  }
  const consumed = await componentAuthority(c.env, settings.componentAppId).consumeAuthorization(
    state,
  );
  if (!consumed) {
    log.warn("component.callback_refused", { reason: "no pending authorisation for this state" });
    return page(403, FORGED);
  }
  try {
    const view = await registerAuthorization(c.env, settings, authCode);
    return page(200, `已授权 / Authorised: ${view.appid}`);
  } catch (error) {
    if (error instanceof NothingToRegister) return page(400, error.message);
    const answer = apiErrorResponse(error);
    const detail = (await answer.json()) as { error?: string };
    return page(answer.status === 502 ? 502 : 503, detail.error ?? "WeChat could not be asked");
  }
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** The small page the administrator's browser lands on; it never carries a token. */
function page(status: 200 | 400 | 403 | 502 | 503, message: string): Response {
  const text = message.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
  const html = `<!doctype html><html lang="zh"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>第三方平台授权</title><p>${text}</p></html>`;
  return new Response(html, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "set-cookie": CLEAR_COOKIE,
      "content-security-policy": "default-src 'none'",
      ...NO_STORE,
    },
  });
}
