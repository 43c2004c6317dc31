import { env } from "cloudflare:test";
import { expect, it } from "vitest";
import { accountLedger, ledgerNamed } from "../../src/dedupe/ledger-instances";
import { LEGACY_KEPT_LEDGER } from "../../src/dedupe/ledger-names";
import { reply } from "../../src/wechat/reply";

const idOf = (stub: { id: DurableObjectId }) => stub.id.toString();
const PARTITION = "wx00000000000000aa";

// First in the file: the single account's instance has not yet looked for replies kept before.
it("takes over, once, the replies each account had kept in the one instance of before", async () => {
  const legacy = ledgerNamed(env, LEGACY_KEPT_LEDGER);
  await legacy.keepReply("oLegacySingle", reply.text("kept before the upgrade"));
  await legacy.keepReply(`${PARTITION}:oLegacyOther`, reply.text("another account's"));

  const single = accountLedger(env, undefined);
  expect((await single.keptFollowers()).openids).toEqual(["oLegacySingle"]);
  expect(await single.takeKeptReplies("oLegacySingle")).toEqual([
    reply.text("kept before the upgrade"),
  ]);
  // Only its own: the other account's reply is still there, for its own instance.
  expect(await single.takeKeptReplies(`${PARTITION}:oLegacyOther`)).toEqual([]);
  expect((await legacy.keptFollowers()).openids).toEqual([`${PARTITION}:oLegacyOther`]);
  const other = accountLedger(env, PARTITION);
  expect(await other.takeKeptReplies(`${PARTITION}:oLegacyOther`)).toEqual([
    reply.text("another account's"),
  ]);
  expect((await legacy.keptFollowers()).openids).toEqual([]);

  // Once: a reply left in the old instance later is not taken again.
  await legacy.keepReply("oLegacyLate", reply.text("late"));
  expect(await single.takeKeptReplies("oLegacyLate")).toEqual([]);
  expect(await legacy.takeKeptReplies("oLegacyLate")).toEqual([reply.text("late")]);
});

it("gives each account one instance; the single account's keeps the replay guard's old name", () => {
  expect(idOf(accountLedger(env, undefined))).toBe(
    env.PUSH_LEDGER.idFromName("ledger:signatures").toString(),
  );
  expect(idOf(accountLedger(env, PARTITION))).toBe(idOf(accountLedger(env, PARTITION)));
  expect(idOf(accountLedger(env, PARTITION))).not.toBe(idOf(accountLedger(env, undefined)));
  expect(idOf(accountLedger(env, "wx00000000000000bb"))).not.toBe(
    idOf(accountLedger(env, PARTITION)),
  );
});

it("keeps replies per follower, and says who is owed one", async () => {
  const kept = accountLedger(env, undefined);
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
  const ledger = accountLedger(env, undefined);
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

it("exchanges in one call: answers recorded first, then the checks, and who is owed a reply", async () => {
  const ledger = accountLedger(env, PARTITION);
  expect(await ledger.claim("msg:waiting", 0)).toEqual({ state: "owner" });
  const waiting = ledger.claim("msg:waiting", 2000);
  const first = await ledger.exchange({
    checks: [
      { timestamp: "300", nonce: "a", fingerprint: "f1", expiresAt: Date.now() + 60_000 },
      { timestamp: "300", nonce: "a", fingerprint: "forged", expiresAt: Date.now() + 60_000 },
    ],
    answered: [{ key: "msg:waiting", replyXml: "<xml>w</xml>" }],
  });
  expect(first.checks).toEqual(["fresh", "conflict"]);
  expect(first.kept.openids).toEqual([]);
  expect(await waiting).toEqual({ state: "answered", replyXml: "<xml>w</xml>" });

  // Nothing changed: the version only. A kept reply changes it, and the list comes along.
  const same = await ledger.exchange({ checks: [], answered: [], keptVersion: first.kept.version });
  expect(same).toEqual({ checks: [], kept: { version: first.kept.version } });
  await ledger.keepReply(`${PARTITION}:oOwedX`, reply.text("x"));
  const changed = await ledger.exchange({
    checks: [],
    answered: [{ key: "msg:alone", replyXml: undefined }],
    keptVersion: first.kept.version,
  });
  expect(changed.kept.openids).toEqual([`${PARTITION}:oOwedX`]);
  expect(await ledger.claim("msg:alone", 0)).toEqual({ state: "answered", replyXml: undefined });
});
