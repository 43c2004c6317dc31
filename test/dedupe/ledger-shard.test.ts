import { env } from "cloudflare:test";
import { expect, it } from "vitest";
import {
  followerLedger,
  keptLedger,
  LEDGER_SHARDS,
  signatureLedger,
} from "../../src/dedupe/ledger-shard";
import { reply } from "../../src/wechat/reply";

const idOf = (stub: { id: DurableObjectId }) => stub.id.toString();

it("spreads followers over a fixed set of instances, always the same one per follower", () => {
  const ids = new Set<string>();
  for (let i = 0; i < 2000; i++) ids.add(idOf(followerLedger(env, `oFollower${i}`)));
  expect(ids.size).toBe(LEDGER_SHARDS);
  expect(idOf(followerLedger(env, "oSame"))).toBe(idOf(followerLedger(env, "oSame")));
  expect(idOf(signatureLedger(env))).toBe(idOf(signatureLedger(env)));
});

it("keeps replies per follower in one instance, and says who is owed one", async () => {
  const kept = keptLedger(env);
  const before = await kept.keptFollowers();
  expect(before.openids).toEqual([]);
  // Nothing changed: the list is not sent again.
  expect(await kept.keptFollowers(before.version)).toEqual({ version: before.version });

  await kept.keepReply("oOwedA", reply.text("for A"));
  await kept.keepReply("oOwedA", reply.text("again for A"));
  const owed = await kept.keptFollowers(before.version);
  expect(owed.openids).toEqual(["oOwedA"]);
  expect(await kept.takeKeptReplies("oOwedB")).toEqual([]);
  expect(await kept.takeKeptReplies("oOwedA")).toEqual([
    reply.text("for A"),
    reply.text("again for A"),
  ]);
  expect(await kept.takeKeptReplies("oOwedA")).toEqual([]);
  expect((await kept.keptFollowers(owed.version)).openids).toEqual([]);
});

it("records pushes answered without a claim, and wakes a retry waiting for one", async () => {
  const ledger = followerLedger(env, "oRecorded");
  expect(await ledger.claim("msg:running", 0)).toEqual({ state: "owner" });
  const waiting = ledger.claim("msg:running", 2000);
  await ledger.recordAnswered([
    { key: "msg:running", replyXml: "<xml>one</xml>" },
    { key: "msg:other", replyXml: undefined },
  ]);
  expect(await waiting).toEqual({ state: "answered", replyXml: "<xml>one</xml>" });
  expect(await ledger.claim("msg:other", 0)).toEqual({ state: "answered", replyXml: undefined });

  // A batch larger than one statement takes.
  const many = Array.from({ length: 70 }, (_, i) => ({
    key: `msg:b${i}`,
    replyXml: `<xml>${i}</xml>`,
  }));
  await ledger.recordAnswered(many);
  for (const i of [0, 32, 33, 69]) {
    expect(await ledger.claim(`msg:b${i}`, 0)).toEqual({
      state: "answered",
      replyXml: `<xml>${i}</xml>`,
    });
  }
});
