import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { signPush, textPushXml, randomMsgId } from "../dev/fake-wechat/sign-push";
import { createApp } from "../src/app";
import { parrot } from "../demo/parrot";
import { textOf } from "../src/wechat/xml";
import {
  account,
  countingApp,
  ORIGIN,
  openReply,
  root,
  verificationQuery,
} from "./fixtures/worker";

describe("the Worker reaches /wechat without the router", () => {
  it("refuses methods WeChat never uses with 405 and the ones it does", async () => {
    const { fetch, state } = countingApp();
    for (const method of ["PUT", "DELETE", "PATCH", "OPTIONS"]) {
      const res = await fetch("/wechat", { method });
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("GET, HEAD, POST");
    }
    expect(state.runs).toBe(0);
  });

  it("answers HEAD like GET, without a body", async () => {
    const { fetch } = countingApp();
    const query = await verificationQuery("echo-head");
    const res = await fetch(`/wechat?${query}`, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await res.text()).toBe("");
  });

  it("takes /wechat/ as the app's router does, and leaves near misses to the app", async () => {
    const { fetch } = countingApp();
    const slash = await fetch("/wechat/?nonce=1", { method: "POST", body: "<xml/>" });
    expect(slash.status).toBe(400);
    expect(await slash.text()).toBe("missing signature, timestamp or nonce");
    for (const path of ["/wechatx", "/wechat/a/b", "/WeChat", "/x/wechat"]) {
      const res = await fetch(path, { method: "POST", body: "<xml/>" });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: "not found" });
    }
    // /wechat/<appid> is an account's callback (docs/many-accounts.md); this one has none.
    const other = await fetch("/wechat/extra", { method: "POST", body: "<xml/>" });
    expect(other.status).toBe(404);
    expect(await other.text()).toBe("no account with this appid is configured here");
    expect((await fetch("/healthz")).status).toBe(200);
  });

  it("answers a push exactly as the app that mounts the same handler does", async () => {
    const app = createApp(parrot);
    const { fetch } = countingApp();
    for (const mode of ["plaintext", "safe"] as const) {
      for (const via of ["worker", "app"] as const) {
        const push = await signPush(
          account,
          textPushXml("echo me", { from: `oVia${via}`, msgId: randomMsgId() }),
          mode === "safe" ? { mode } : {},
        );
        const init = { method: "POST", body: push.body };
        let res: Response;
        if (via === "app") {
          const ctx = createExecutionContext();
          res = await app.fetch(new Request(`${ORIGIN}${push.path}`, init), env, ctx);
          await waitOnExecutionContext(ctx);
        } else {
          res = await fetch(push.path, init);
        }
        expect(res.status).toBe(200);
        const body = await res.text();
        const reply = mode === "safe" ? await openReply(body) : root(body);
        // The counting bot answers "counted"; the parrot echoes.
        expect(textOf(reply, "Content")).toBe(via === "app" ? "echo me" : "counted");
        expect(textOf(reply, "ToUserName")).toBe(`oVia${via}`);
      }
    }
  });
});
