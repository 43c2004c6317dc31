import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { signPush, textPushXml } from "../../dev/fake-wechat/sign-push";
import { accountLedger } from "../../src/dedupe/ledger-instances";
import { SignaturePairs } from "../../src/dedupe/signature-pairs";
import type { LedgerExchangeRequest, SignatureClaim } from "../../src/dedupe/push-ledger";
import { account, countingApp } from "../fixtures/worker";

const claim = (pair: string, fingerprint: string, expiresAt = Date.now() + 60_000) => {
  const [timestamp, nonce] = pair.split(":") as [string, string];
  return { timestamp, nonce, fingerprint, expiresAt } satisfies SignatureClaim;
};

describe("PushLedger.checkSignatures", () => {
  it("answers a batch in order: fresh, retry for the same body, conflict for another", async () => {
    const ledger = accountLedger(env, undefined);
    expect(
      await ledger.checkSignatures([
        claim("100:a", "body1"),
        claim("100:b", "body2"),
        claim("100:a", "body1"),
        claim("100:a", "forged"),
      ]),
    ).toEqual(["fresh", "fresh", "retry", "conflict"]);
    // Remembered for the next batch, and an expired pair is as good as new.
    expect(
      await ledger.checkSignatures([
        claim("100:b", "other"),
        claim("100:a", "body1"),
        claim("100:c", "x", Date.now() - 1),
      ]),
    ).toEqual(["conflict", "retry", "fresh"]);
    expect(await ledger.checkSignatures([claim("100:c", "y")])).toEqual(["fresh"]);
  });

  it("takes a batch larger than one statement", async () => {
    const ledger = accountLedger(env, undefined);
    const many = Array.from({ length: 100 }, (_, i) => claim(`200:${i}`, `f${i}`));
    expect(await ledger.checkSignatures(many)).toEqual(many.map(() => "fresh"));
    expect(
      await ledger.checkSignatures([
        claim("200:0", "f0"),
        claim("200:33", "x"),
        claim("200:99", "f99"),
      ]),
    ).toEqual(["retry", "conflict", "retry"]);
  });
});

describe("the pairs' storage", () => {
  it("writes one row per call however many pairs are new, and knows them all after a restart", async () => {
    const ledger = accountLedger(env, "wx00000000000000c1");
    expect(
      await ledger.checkSignatures([
        claim("400:a", "f1"),
        claim("400:b", "f2"),
        claim("400:c", "f3"),
      ]),
    ).toEqual(["fresh", "fresh", "fresh"]);
    // A call with nothing new writes nothing.
    expect(await ledger.checkSignatures([claim("400:a", "f1")])).toEqual(["retry"]);
    await runInDurableObject(ledger, (_instance, state) => {
      const rows = state.storage.sql
        .exec<{ n: number }>("SELECT COUNT(*) AS n FROM signature_batches")
        .one().n;
      expect(rows).toBe(1);
      // A new life of the instance reads its pairs back from storage, and rows of one pair
      // each (written before batches) too.
      state.storage.sql.exec(
        "INSERT INTO signatures (pair, fingerprint, expires_at) VALUES (?, ?, ?)",
        "400:old",
        "f0",
        Date.now() + 60_000,
      );
      const restarted = new SignaturePairs(state.storage.sql);
      expect(
        restarted.check([
          claim("400:b", "f2"),
          claim("400:c", "forged"),
          claim("400:old", "forged"),
          claim("400:d", "f4"),
        ]).results,
      ).toEqual(["retry", "conflict", "conflict", "fresh"]);
    });
  });

  it("forgets expired rows in the sweep, and an expired pair is fresh again", async () => {
    const ledger = accountLedger(env, "wx00000000000000c2");
    const soon = Date.now() + 50;
    expect(await ledger.checkSignatures([claim("500:a", "f1", soon)])).toEqual(["fresh"]);
    await new Promise((resolve) => setTimeout(resolve, 80));
    await runInDurableObject(ledger, (_instance, state) => {
      const pairs = new SignaturePairs(state.storage.sql);
      expect(pairs.sweep(Date.now())).toBe(false);
      expect(pairs.check([claim("500:a", "other")]).results).toEqual(["fresh"]);
    });
  });
});

describe("the replay guard under concurrent pushes", () => {
  /** The test env's ledger namespace, counting the signature calls made through it. */
  function countingLedgers() {
    const calls: number[] = [];
    const namespace = env.PUSH_LEDGER;
    const counted = {
      idFromName: (name: string) => namespace.idFromName(name),
      get: (id: DurableObjectId) => {
        const stub = namespace.get(id);
        return new Proxy(stub, {
          get: (target, property) =>
            property === "exchange"
              ? (request: LedgerExchangeRequest) => {
                  if (request.checks.length > 0) calls.push(request.checks.length);
                  return target.exchange(request);
                }
              : Reflect.get(target, property),
        });
      },
    };
    return { calls, namespace: counted as unknown as typeof env.PUSH_LEDGER };
  }

  it("checks every push, each in its own request, in fewer calls, and still refuses a forgery", async () => {
    const { calls, namespace } = countingLedgers();
    const { fetch, state } = countingApp();
    const genuine = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        signPush(account, textPushXml(`push ${i}`, { from: `oBatch${i}` })),
      ),
    );
    const captured = genuine[0]!;
    const forged = textPushXml("pay 1000 yuan", { from: "oBatchForger" });
    const answers = await Promise.all([
      ...genuine.map((push) =>
        fetch(push.path, { method: "POST", body: push.body }, { PUSH_LEDGER: namespace }),
      ),
      fetch(captured.path, { method: "POST", body: forged }, { PUSH_LEDGER: namespace }),
    ]);
    const statuses = answers.map((res) => res.status);
    expect(statuses.slice(0, 40)).toEqual(genuine.map(() => 200));
    expect(statuses[40]).toBe(401);
    expect(await answers[40]!.text()).toMatch(/replay/);
    expect(state.runs).toBe(40);
    expect(calls.reduce((sum, n) => sum + n, 0)).toBe(41);
    expect(calls.length).toBeLessThan(41);
  });
});
