import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installFakeWeChat, type InstalledFakeWeChat } from "../../dev/fake-wechat/install";
import { signPush, textPushXml } from "../../dev/fake-wechat/sign-push";
import { createApp } from "../../src/app";
import { parrot } from "../../demo/parrot";
import { MessageCrypt } from "../../src/wechat/message-crypt";
import { parseXml, textOf } from "../../src/wechat/xml";

const account = {
  token: env.WECHAT_TOKEN!,
  appId: env.WECHAT_APPID!,
  encodingAESKey: env.WECHAT_ENCODING_AES_KEY!,
};
const app = createApp(parrot);
// Late replies go out through customer service: to the fake, never to the network.
let fake: InstalledFakeWeChat;
beforeAll(() => void (fake = installFakeWeChat()));
afterAll(() => fake.uninstall());

async function deliver(path: string, body: string, overrides: Record<string, string> = {}) {
  const ctx = createExecutionContext();
  const res = await app.fetch(
    new Request(`https://worker.test${path}`, { method: "POST", body }),
    { ...env, ...overrides },
    ctx,
  );
  const text = await res.text();
  await waitOnExecutionContext(ctx);
  return { status: res.status, text };
}

async function contentOf(text: string, encrypted = false) {
  const outer = parseXml(text);
  if (!outer.ok) return text;
  if (!encrypted) return textOf(outer.root, "Content");
  const crypt = new MessageCrypt(account.encodingAESKey, account.appId);
  const inner = parseXml((await crypt.decrypt(textOf(outer.root, "Encrypt")!)).message);
  return inner.ok ? textOf(inner.root, "Content") : undefined;
}

describe("WeChat's retries through the Worker", () => {
  it("gives a retried /roll the very same number, in plaintext and in safe mode", async () => {
    for (const mode of ["plaintext", "safe"] as const) {
      const push = await signPush(account, textPushXml("/roll"), { mode });
      const answers = [];
      for (let i = 0; i < 3; i++) {
        const res = await deliver(push.path, push.body);
        expect(res.status).toBe(200);
        answers.push(await contentOf(res.text, mode === "safe"));
      }
      expect(answers[0]).toMatch(/^🎲 \d+$/);
      expect(new Set(answers).size).toBe(1);
    }
  });

  it("rolls anew for a new push", async () => {
    const rolls = new Set<string | undefined>();
    for (let i = 0; i < 5; i++) {
      const push = await signPush(account, textPushXml("/roll"));
      rolls.add(await contentOf((await deliver(push.path, push.body)).text));
    }
    expect(rolls.size).toBeGreaterThan(1);
  });

  it("refuses a captured signature replayed with another body", async () => {
    const original = await signPush(account, textPushXml("pay 1 yuan", { from: "oVictim" }));
    expect((await deliver(original.path, original.body)).status).toBe(200);
    const forged = textPushXml("pay 1000 yuan", { from: "oSomeoneElse" });
    const replay = await deliver(original.path, forged);
    expect(replay.status).toBe(401);
    expect(replay.text).toMatch(/replay/);
    // The genuine retry (same pair, same body) is still answered.
    expect(await contentOf((await deliver(original.path, original.body)).text)).toBe("pay 1 yuan");
  });

  it("does not check bodies against signatures when dedupe is off", async () => {
    const original = await signPush(account, textPushXml("a"));
    const off = { WECHAT_DEDUPE: "off" };
    expect((await deliver(original.path, original.body, off)).status).toBe(200);
    expect((await deliver(original.path, textPushXml("b"), off)).status).toBe(200);
  });

  it("answers /slow success within the budget", async () => {
    const push = await signPush(account, textPushXml("/slow 0.2", { from: "oSlowA" }));
    const res = await deliver(push.path, push.body, { WECHAT_REPLY_BUDGET_MS: "50" });
    expect(res.text).toBe("success");
  });

  it("answers /slow in time passively when the budget allows", async () => {
    const push = await signPush(account, textPushXml("/slow 0.05", { from: "oSlowB" }));
    const res = await deliver(push.path, push.body);
    expect(await contentOf(res.text)).toBe("done after 0.05 s");
  });

  it("refuses /slow beyond 30 seconds", async () => {
    const push = await signPush(account, textPushXml("/slow 31", { from: "oSlowC" }));
    expect(await contentOf((await deliver(push.path, push.body)).text)).toMatch(/at most 30/);
  });
});

describe("when the ledger's Durable Objects cannot be reached", () => {
  const failing = () => Promise.reject(new Error("Durable Object is overloaded"));
  const unreachableNamespace = {
    idFromName: (name: string) => ({ toString: () => name }),
    get: () => ({
      claim: failing,
      settle: failing,
      keepReply: failing,
      checkSignatures: failing,
      recordAnswered: failing,
      exchange: failing,
      keptFollowers: failing,
      takeKeptReplies: failing,
    }),
  };

  it("answers the push anyway (plaintext: replay guard and claim both down)", async () => {
    const push = await signPush(account, textPushXml("still here", { from: "oOutage1" }));
    const ctx = createExecutionContext();
    const res = await app.fetch(
      new Request(`https://worker.test${push.path}`, { method: "POST", body: push.body }),
      { ...env, PUSH_LEDGER: unreachableNamespace as unknown as typeof env.PUSH_LEDGER },
      ctx,
    );
    expect(res.status).toBe(200);
    expect(await contentOf(await res.text())).toBe("still here");
    await waitOnExecutionContext(ctx);
  });
});
