import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { textPushXml } from "../../dev/fake-wechat/sign-push";
import type { BotContext } from "../../src/bot/context";
import { answerPush, type PushAnswer, type AnswerOptions } from "../../src/callback/answer-push";
import { IsolateMemory } from "../../src/dedupe/isolate-memory";
import { CustomServiceRefusal } from "../../src/wechat/api/custom-service";
import { WeChatApiError } from "../../src/wechat/api/errors";
import type { CustomMessage } from "../../src/wechat/custom-message";
import type { OpenedPush } from "../../src/wechat/push";
import { reply } from "../../src/wechat/reply";
import { WeChatRouter } from "../../src/wechat/router";
import { parseMessage } from "../../src/wechat/parse-message";
import { parseXml, textOf } from "../../src/wechat/xml";

let followerSeq = 0;

function openedText(content: string, options: { from?: string; msgId?: string } = {}): OpenedPush {
  const xml = textPushXml(content, options);
  const root = parseXml(xml);
  if (!root.ok) throw new Error(root.reason);
  const parsed = parseMessage(root.root);
  if (!parsed.ok) throw new Error(parsed.reason);
  return { ok: true, mode: "plaintext", message: parsed.message, xml, timestamp: "1", nonce: "n" };
}

function harness() {
  const pending: Promise<unknown>[] = [];
  const sent: CustomMessage[] = [];
  const context = {
    env,
    account: { appid: undefined, appId: undefined },
    conversation: undefined as unknown as BotContext["conversation"],
    // answerPush reaches WeChat only through options.send; a handler touching the API is a bug here.
    api: undefined as unknown as BotContext["api"],
    waitUntil: (p: Promise<unknown>) => void pending.push(p),
  } satisfies BotContext;
  const openid = `oFollower${++followerSeq}`;
  const options = (overrides: Partial<AnswerOptions> = {}): AnswerOptions => ({
    arrivedAt: Date.now(),
    budgetMs: 200,
    dedupe: { env, recordDelayMs: 50 },
    send: async (message) => void sent.push(message),
    ...overrides,
  });
  const settle = async () => {
    while (pending.length) await pending.shift();
  };
  return { context, openid, options, sent, settle };
}

/** A handler whose completion the test controls, counting its runs. */
function gate() {
  let release!: (value: string) => void;
  const done = new Promise<string>((resolve) => (release = resolve));
  const state = { runs: 0 };
  const bot = new WeChatRouter<BotContext>().on("text", async () => {
    state.runs++;
    return reply.text(await done);
  });
  return { bot, release, state };
}

const contentOf = (xml: PushAnswer) => {
  if (typeof xml !== "string") return undefined;
  const parsed = parseXml(xml);
  return parsed.ok ? textOf(parsed.root, "Content") : undefined;
};

describe("answerPush: the 5-second window", () => {
  it("answers passively when the handler is in time", async () => {
    const h = harness();
    const bot = new WeChatRouter<BotContext>().on("text", (m) => `echo ${m.content}`);
    const xml = await answerPush(bot, openedText("hi", { from: h.openid }), h.context, h.options());
    expect(contentOf(xml)).toBe("echo hi");
    await h.settle();
    expect(h.sent).toEqual([]);
  });

  it("answers success at the budget and delivers the late reply once through customer service", async () => {
    const h = harness();
    const g = gate();
    const push = openedText("slow", { from: h.openid });
    // The gate is still closed: the answer came from the budget, not from the handler.
    const xml = await answerPush(g.bot, push, h.context, h.options({ budgetMs: 50 }));
    expect(xml).toBeUndefined();
    expect(g.state.runs).toBe(1);
    g.release("finally");
    await h.settle();
    expect(h.sent).toEqual([{ touser: h.openid, msgtype: "text", text: { content: "finally" } }]);
    expect(g.state.runs).toBe(1);
  });

  it("runs the handler once for three deliveries and gives retries the same reply", async () => {
    const h = harness();
    let runs = 0;
    const bot = new WeChatRouter<BotContext>().on("text", () => `n=${++runs}`);
    const push = openedText("again", { from: h.openid });
    const answers: PushAnswer[] = [];
    for (let i = 0; i < 3; i++) {
      answers.push(await answerPush(bot, push, h.context, h.options()));
      await h.settle();
    }
    expect(runs).toBe(1);
    expect(answers.map(contentOf)).toEqual(["n=1", "n=1", "n=1"]);
  });

  it("lets a retry that arrives while the first is running wait for the same reply", async () => {
    const h = harness();
    const g = gate();
    const push = openedText("wait", { from: h.openid });
    const first = answerPush(g.bot, push, h.context, h.options({ budgetMs: 5000 }));
    await new Promise((r) => setTimeout(r, 20));
    const retry = answerPush(g.bot, push, h.context, h.options({ budgetMs: 5000 }));
    await new Promise((r) => setTimeout(r, 20));
    g.release("same");
    expect((await Promise.all([first, retry])).map(contentOf)).toEqual(["same", "same"]);
    expect(g.state.runs).toBe(1);
  });

  it("gives a late reply to a waiting retry instead of customer service", async () => {
    const h = harness();
    const g = gate();
    const push = openedText("late", { from: h.openid });
    const first = await answerPush(g.bot, push, h.context, h.options({ budgetMs: 20 }));
    expect(first).toBeUndefined();
    const retry = answerPush(g.bot, push, h.context, h.options({ budgetMs: 3000 }));
    await new Promise((r) => setTimeout(r, 20));
    g.release("via retry");
    expect(contentOf(await retry)).toBe("via retry");
    await h.settle();
    expect(h.sent).toEqual([]);
  });

  it("answers a retry that outlives its own budget with success, and still delivers once", async () => {
    const h = harness();
    const g = gate();
    const push = openedText("very slow", { from: h.openid });
    expect(await answerPush(g.bot, push, h.context, h.options({ budgetMs: 10 }))).toBeUndefined();
    expect(await answerPush(g.bot, push, h.context, h.options({ budgetMs: 30 }))).toBeUndefined();
    expect(await answerPush(g.bot, push, h.context, h.options({ budgetMs: 30 }))).toBeUndefined();
    g.release("once");
    await h.settle();
    expect(h.sent).toHaveLength(1);
    expect(g.state.runs).toBe(1);
  });

  it("keeps a reply customer service refuses and gives it with the follower's next message", async () => {
    const h = harness();
    const g = gate();
    const refusing = async () => {
      const path = "/cgi-bin/message/custom/send";
      throw new CustomServiceRefusal(new WeChatApiError(48001, "api unauthorized", path));
    };
    const push = openedText("question", { from: h.openid });
    await answerPush(g.bot, push, h.context, h.options({ budgetMs: 10, send: refusing }));
    g.release("the answer");
    await h.settle();

    const echo = new WeChatRouter<BotContext>().on("text", (m) => m.content);
    const next = await answerPush(
      echo,
      openedText("?", { from: h.openid }),
      h.context,
      h.options(),
    );
    expect(contentOf(next)).toBe("the answer\n\n?");
    await h.settle();
    // Handed over once: the message after that gets only its own reply.
    const after = await answerPush(
      echo,
      openedText("ok", { from: h.openid }),
      h.context,
      h.options(),
    );
    expect(contentOf(after)).toBe("ok");
  });

  it("answers success and delivers nothing when the handler throws late", async () => {
    const h = harness();
    const bot = new WeChatRouter<BotContext>().on("text", async () => {
      await new Promise((r) => setTimeout(r, 50));
      throw new Error("backend down");
    });
    const xml = await answerPush(
      bot,
      openedText("x", { from: h.openid }),
      h.context,
      h.options({ budgetMs: 5 }),
    );
    expect(xml).toBeUndefined();
    await h.settle();
    expect(h.sent).toEqual([]);
  });

  it("without a ledger (dedupe off) still keeps the deadline", async () => {
    const h = harness();
    const g = gate();
    const push = openedText("nodedupe", { from: h.openid });
    const xml = await answerPush(
      g.bot,
      push,
      h.context,
      h.options({ budgetMs: 20, dedupe: undefined }),
    );
    expect(xml).toBeUndefined();
    g.release("later");
    await h.settle();
    expect(h.sent).toHaveLength(1);
  });
});

describe("answerPush when the ledger cannot be reached", () => {
  // Stands in for a Durable Object that is overloaded or unreachable: every call rejects.
  const failing = () => Promise.reject(new Error("Durable Object is overloaded"));
  const stub = {
    claim: failing,
    settle: failing,
    keepReply: failing,
    recordAnswered: failing,
    exchange: failing,
    keptFollowers: failing,
    takeKeptReplies: failing,
  };
  const PUSH_LEDGER = {
    idFromName: (name: string) => ({ toString: () => name }),
    get: () => stub,
  } as unknown as typeof env.PUSH_LEDGER;
  const unreachable = (): AnswerOptions["dedupe"] => ({
    env: { PUSH_LEDGER },
    memory: new IsolateMemory(),
    recordDelayMs: 50,
  });

  it("still answers passively, without deduplication", async () => {
    const h = harness();
    const bot = new WeChatRouter<BotContext>().on("text", (m) => `echo ${m.content}`);
    const xml = await answerPush(
      bot,
      openedText("hi", { from: h.openid }),
      h.context,
      h.options({ dedupe: unreachable() }),
    );
    expect(contentOf(xml)).toBe("echo hi");
    await h.settle();
  });

  it("still delivers a late reply once", async () => {
    const h = harness();
    const g = gate();
    const push = openedText("slow", { from: h.openid });
    const xml = await answerPush(
      g.bot,
      push,
      h.context,
      h.options({ budgetMs: 10, dedupe: unreachable() }),
    );
    expect(xml).toBeUndefined();
    g.release("late but there");
    await h.settle();
    expect(h.sent).toEqual([
      { touser: h.openid, msgtype: "text", text: { content: "late but there" } },
    ]);
  });
});
