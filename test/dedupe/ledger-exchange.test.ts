/**
 * One isolate's line to an account's ledger instance: the call a push must make (its signature
 * check) carries the answers of earlier pushes and brings back who is owed a kept reply, so that
 * a push costs one Durable Object request.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { LedgerLine } from "../../src/dedupe/ledger-exchange";
import { accountLedger } from "../../src/dedupe/ledger-instances";
import type { LedgerExchangeRequest, SignatureClaim } from "../../src/dedupe/push-ledger";
import { reply } from "../../src/wechat/reply";

/** The test env's ledger namespace, recording every call made through it. */
function countedLedgers() {
  const calls: { method: string; request?: LedgerExchangeRequest }[] = [];
  const namespace = env.PUSH_LEDGER;
  const PUSH_LEDGER = {
    idFromName: (name: string) => namespace.idFromName(name),
    get: (id: DurableObjectId) =>
      new Proxy(namespace.get(id), {
        get: (target, property) => {
          if (typeof property !== "string" || property === "then" || property === "id") {
            return Reflect.get(target, property);
          }
          // An RPC stub's methods are stubs too: call them on the stub, never through .apply.
          const stub = target as unknown as Record<string, (...args: unknown[]) => unknown>;
          return (...args: unknown[]) => {
            calls.push({
              method: property,
              ...(property === "exchange" ? { request: args[0] as LedgerExchangeRequest } : {}),
            });
            return stub[property]!(...args);
          };
        },
      }),
  } as unknown as typeof env.PUSH_LEDGER;
  return { calls, env: { PUSH_LEDGER } };
}

function background() {
  const pending: Promise<unknown>[] = [];
  return {
    waitUntil: (promise: Promise<unknown>) => void pending.push(promise),
    settle: async () => {
      while (pending.length > 0) await pending.shift();
    },
  };
}

let seq = 0;
const claim = (): SignatureClaim => ({
  timestamp: String(Math.floor(Date.now() / 1000)),
  nonce: `n${++seq}`,
  fingerprint: `f${seq}`,
  expiresAt: Date.now() + 60_000,
});

describe("LedgerLine", () => {
  it("sends an answer along with the next signature check: one call for both", async () => {
    const partition = "wx0000000000000e01";
    const { calls, env: counted } = countedLedgers();
    const line = new LedgerLine(partition);
    const { waitUntil, settle } = background();

    line.record(counted, { key: "msg:rides", replyXml: "<xml>r</xml>" }, waitUntil, 1000);
    expect(calls).toEqual([]);
    expect(await line.check(counted, claim(), waitUntil)).toBe("fresh");
    await settle();

    expect(calls.map((call) => call.method)).toEqual(["exchange"]);
    expect(calls[0]!.request!.checks).toHaveLength(1);
    expect(calls[0]!.request!.answered).toEqual([{ key: "msg:rides", replyXml: "<xml>r</xml>" }]);
    expect(await accountLedger(env, partition).claim("msg:rides", 0)).toEqual({
      state: "answered",
      replyXml: "<xml>r</xml>",
    });
  });

  it("sends an answer on its own when no push comes within the delay", async () => {
    const partition = "wx0000000000000e02";
    const { calls, env: counted } = countedLedgers();
    const line = new LedgerLine(partition);
    const { waitUntil, settle } = background();

    line.record(counted, { key: "msg:alone", replyXml: undefined }, waitUntil, 30);
    line.record(counted, { key: "msg:alone2", replyXml: "<xml>2</xml>" }, waitUntil, 30);
    await settle();

    expect(calls.map((call) => call.method)).toEqual(["exchange"]);
    expect(calls[0]!.request!.checks).toEqual([]);
    expect(calls[0]!.request!.answered.map((push) => push.key)).toEqual([
      "msg:alone",
      "msg:alone2",
    ]);
    expect(await accountLedger(env, partition).claim("msg:alone2", 0)).toEqual({
      state: "answered",
      replyXml: "<xml>2</xml>",
    });
  });

  it("learns who is owed a kept reply from the check's answer, without asking", async () => {
    const partition = "wx0000000000000e03";
    const owedOpenid = `${partition}:oOwedByCheck`;
    await accountLedger(env, partition).keepReply(owedOpenid, reply.text("kept"));
    const { calls, env: counted } = countedLedgers();
    const line = new LedgerLine(partition);
    const { waitUntil, settle } = background();

    await line.check(counted, claim(), waitUntil);
    const owed = await line.owedFollowers(counted, Date.now());
    await settle();

    expect(owed.has(owedOpenid)).toBe(true);
    expect(calls.map((call) => call.method)).toEqual(["exchange"]);
  });

  it("asks on its own when it has not heard from its instance lately", async () => {
    const partition = "wx0000000000000e04";
    const owedOpenid = `${partition}:oOwedAsked`;
    await accountLedger(env, partition).keepReply(owedOpenid, reply.text("kept"));
    const { calls, env: counted } = countedLedgers();
    const line = new LedgerLine(partition);

    expect((await line.owedFollowers(counted, Date.now())).has(owedOpenid)).toBe(true);
    expect(calls.map((call) => call.method)).toEqual(["keptFollowers"]);
  });
});
