/**
 * createWorker as a user meets it: surfaces turned off by option, and a wrangler.toml without a
 * binding answered 503 naming it, never a stack trace.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { BotContext } from "../src/bot/context";
import type { WeChatEdgeEnv } from "../src/env";
import { WeChatRouter } from "../src/wechat/router";
import { createWorker, type WorkerOptions } from "../src/worker";
import { verificationQuery } from "./fixtures/worker";

const bot = new WeChatRouter<BotContext>().on("text", (m) => m.content);

async function call(path: string, bindings: Partial<WeChatEdgeEnv>, options: WorkerOptions = {}) {
  const ctx = createExecutionContext();
  const response = await createWorker(bot, options).fetch(
    new Request(`https://worker.test${path}`) as never,
    { ...env, ...bindings } as WeChatEdgeEnv,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: response.status, text: await response.text() };
}

describe("createWorker", () => {
  it("turns surfaces off: they answer 404 like any unknown path, the callback stays", async () => {
    const off = { qr: false, oauth: false, jssdk: false, admin: false };
    for (const path of ["/qr?scene=1", "/oauth/login", "/jssdk/config?url=x", "/admin/token"]) {
      expect((await call(path, {}, off)).status, path).toBe(404);
    }
    const query = await verificationQuery("still here");
    expect((await call(`/wechat?${query}`, {}, off)).text).toBe("still here");
  });

  it.each([
    ["/wechat?echostr=x", "PUSH_LEDGER"],
    ["/wechat?echostr=x", "AUTH_FAILURE_LIMITER"],
    ["/qr?scene=1", "QR_TICKET_ISSUER"],
    ["/qr?scene=1", "QR_RATE_LIMITER"],
    ["/admin/token", "TOKEN_AUTHORITY"],
    ["/jssdk/config?url=x", "TOKEN_CACHE"],
    ["/oauth/login", "TOKEN_AUTHORITY"],
  ] as const)("%s without %s answers 503 naming it", async (path, binding) => {
    const answer = await call(path, { [binding]: undefined, ADMIN_KEY: "k".repeat(40) });
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.text).error).toContain(`${binding} binding is missing`);
    expect(answer.text).not.toMatch(/\n\s+at /);
  });

  it("needs no PUSH_LEDGER with WECHAT_DEDUPE=off", async () => {
    const query = await verificationQuery("no ledger");
    const answer = await call(`/wechat?${query}`, {
      PUSH_LEDGER: undefined,
      WECHAT_DEDUPE: "off",
    } as Partial<WeChatEdgeEnv>);
    expect(answer.text).toBe("no ledger");
  });
});
