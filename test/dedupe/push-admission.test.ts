/**
 * At most once across isolates: each IsolateMemory here stands for one isolate, the PushLedger is
 * the real Durable Object both share.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { textPushXml } from "../../dev/fake-wechat/sign-push";
import type { BotContext } from "../../src/bot/context";
import { answerPush, type PushAnswer, type AnswerOptions } from "../../src/callback/answer-push";
import { IsolateMemory } from "../../src/dedupe/isolate-memory";
import { accountLedger } from "../../src/dedupe/ledger-instances";
import { CLAIM_AFTER_MS, FRESH_PUSH_SECONDS } from "../../src/dedupe/push-admission";
import { CustomServiceRefusal } from "../../src/wechat/api/custom-service";
import { WeChatApiError } from "../../src/wechat/api/errors";
import type { CustomMessage } from "../../src/wechat/custom-message";
import { dedupeKey } from "../../src/wechat/message";
import { parseMessage } from "../../src/wechat/parse-message";
import type { OpenedPush } from "../../src/wechat/push";
import { WeChatRouter } from "../../src/wechat/router";
import { parseXml, textOf } from "../../src/wechat/xml";

let seq = 0;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function opened(content: string, from: string, msgId: string, createTime: number): OpenedPush {
  const parsed = parseXml(textPushXml(content, { from, msgId, createTime }));
  if (!parsed.ok) throw new Error(parsed.reason);
  const message = parseMessage(parsed.root);
  if (!message.ok) throw new Error(message.reason);
  return {
    ok: true,
    mode: "plaintext",
    message: message.message,
    xml: "",
    timestamp: "1",
    nonce: "n",
  };
}

/** One isolate: its own memory, its own waitUntil list. */
function isolate(sent: CustomMessage[], send?: AnswerOptions["send"]) {
  const memory = new IsolateMemory();
  const pending: Promise<unknown>[] = [];
  const context = {
    env,
    account: { appid: undefined, appId: undefined },
    conversation: undefined as unknown as BotContext["conversation"],
    api: undefined as unknown as BotContext["api"],
    waitUntil: (p: Promise<unknown>) => void pending.push(p),
  } satisfies BotContext;
  return {
    answer: (bot: WeChatRouter<BotContext>, push: OpenedPush, budgetMs = 2000) =>
      answerPush(bot, push, context, {
        arrivedAt: Date.now(),
        budgetMs,
        dedupe: { env, memory, recordDelayMs: 50 },
        send: send ?? (async (message) => void sent.push(message)),
      }),
    settle: async () => {
      while (pending.length) await pending.shift();
    },
  };
}

const contentOf = (xml: PushAnswer) => {
  const parsed = typeof xml === "string" ? parseXml(xml) : undefined;
  return parsed?.ok ? textOf(parsed.root, "Content") : undefined;
};

function countingBot(delayMs = 0) {
  const state = { runs: 0 };
  const bot = new WeChatRouter<BotContext>().on("text", async (m) => {
    const run = ++state.runs;
    if (delayMs) await sleep(delayMs);
    return `${m.content} #${run}`;
  });
  return { bot, state };
}

describe("a first delivery runs without a claim, and its answer still reaches every isolate", () => {
  it("records an in-time answer in the ledger shortly after, for a retry on another isolate", async () => {
    const sent: CustomMessage[] = [];
    const [first, second] = [isolate(sent), isolate(sent)];
    const { bot, state } = countingBot();
    const openid = `oFresh${++seq}`;
    const now = Math.floor(Date.now() / 1000);
    const push = opened("hello", openid, `9${seq}001`, now);

    expect(contentOf(await first.answer(bot, push))).toBe("hello #1");
    // Not claimed: the ledger learns of it from the batch, after the answer.
    await first.settle();
    const recorded = await accountLedger(env, undefined).claim(dedupeKey(push.message), 0);
    expect(recorded.state).toBe("answered");

    // WeChat's retry (same push, so same CreateTime) on another isolate, seconds later.
    const retry = opened("hello", openid, `9${seq}001`, now - FRESH_PUSH_SECONDS - 2);
    expect(contentOf(await second.answer(bot, retry))).toBe("hello #1");
    expect(state.runs).toBe(1);
  });

  it("claims a push whose handler outlives CLAIM_AFTER_MS, so a retry elsewhere waits for it", async () => {
    const sent: CustomMessage[] = [];
    const [first, second] = [isolate(sent), isolate(sent)];
    const { bot, state } = countingBot(CLAIM_AFTER_MS + 300);
    const openid = `oSlowFresh${++seq}`;
    const now = Math.floor(Date.now() / 1000);
    const answering = first.answer(bot, opened("slow", openid, `9${seq}002`, now), 5000);
    await sleep(CLAIM_AFTER_MS + 100);
    const retry = second.answer(bot, opened("slow", openid, `9${seq}002`, now - 10), 5000);
    const answers = await Promise.all([answering, retry]);
    expect(answers.map(contentOf)).toEqual(["slow #1", "slow #1"]);
    expect(state.runs).toBe(1);
  });

  it("hands a late reply to a retry waiting on another isolate, not to customer service", async () => {
    const sent: CustomMessage[] = [];
    const [first, second] = [isolate(sent), isolate(sent)];
    const { bot, state } = countingBot(300);
    const openid = `oLateFresh${++seq}`;
    const now = Math.floor(Date.now() / 1000);
    expect(await first.answer(bot, opened("late", openid, `9${seq}003`, now), 20)).toBeUndefined();
    await sleep(50);
    const retry = await second.answer(bot, opened("late", openid, `9${seq}003`, now - 6), 2000);
    expect(contentOf(retry)).toBe("late #1");
    await first.settle();
    await second.settle();
    expect(sent).toEqual([]);
    expect(state.runs).toBe(1);
  });

  it("gives a kept reply to the follower's next message on another isolate", async () => {
    const sent: CustomMessage[] = [];
    const refusing = async () => {
      throw new CustomServiceRefusal(
        new WeChatApiError(48001, "api unauthorized", "/cgi-bin/message/custom/send"),
      );
    };
    const first = isolate(sent, refusing);
    const { bot } = countingBot(100);
    const openid = `oOwed${++seq}`;
    const now = Math.floor(Date.now() / 1000);
    expect(await first.answer(bot, opened("q", openid, `9${seq}004`, now), 10)).toBeUndefined();
    await first.settle();

    const second = isolate(sent);
    const echo = new WeChatRouter<BotContext>().on("text", (m) => m.content);
    const next = await second.answer(echo, opened("again?", openid, `9${seq}005`, now));
    expect(contentOf(next)).toBe("q #1\n\nagain?");
    await second.settle();
    const after = await second.answer(echo, opened("ok", openid, `9${seq}006`, now));
    expect(contentOf(after)).toBe("ok");
    expect(sent).toEqual([]);
  });
});
