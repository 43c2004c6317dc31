import { env } from "cloudflare:test";
import { expect, it } from "vitest";
import { followerLedger, LEDGER_SHARDS, signatureLedger } from "../../src/dedupe/ledger-shard";
import { reply } from "../../src/wechat/reply";

const idOf = (stub: { id: DurableObjectId }) => stub.id.toString();

it("spreads followers over a fixed set of instances, always the same one per follower", () => {
  const ids = new Set<string>();
  for (let i = 0; i < 2000; i++) ids.add(idOf(followerLedger(env, `oFollower${i}`)));
  expect(ids.size).toBe(LEDGER_SHARDS);
  expect(idOf(followerLedger(env, "oSame"))).toBe(idOf(followerLedger(env, "oSame")));
  expect(idOf(signatureLedger(env, "1714112445", "415670741"))).toBe(
    idOf(signatureLedger(env, "1714112445", "415670741")),
  );
});

it("keeps replies per follower even when two followers share an instance", async () => {
  const first = "oSharedA";
  let second = "";
  for (let i = 0; !second; i++) {
    if (idOf(followerLedger(env, `oSharedB${i}`)) === idOf(followerLedger(env, first))) {
      second = `oSharedB${i}`;
    }
  }
  const ledger = followerLedger(env, first);
  await ledger.keepReply(first, reply.text("for A"));
  const claimB = await ledger.claim("msg:1", second, 0);
  expect(claimB).toEqual({ state: "owner", kept: [] });
  const claimA = await ledger.claim("msg:2", first, 0);
  expect(claimA).toEqual({ state: "owner", kept: [reply.text("for A")] });
});
