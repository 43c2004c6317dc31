import {
  createExecutionContext,
  env,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { signPush } from "../../dev/fake-wechat/sign-push";
import { createWorker } from "../../src/worker";
import { parrot } from "../../demo/parrot";
import type { Env } from "../../src/env";
import { qrScanStats } from "../../src/qr/attribution";
import { renderXml, textOf, parseXml } from "../../src/wechat/xml";
import { ADMIN_KEY, call, qrEnv } from "./helpers";

// The whole Worker: scan attribution is a push hook that createWorker plugs in.
const app = createWorker(parrot);
const account = { token: env.WECHAT_TOKEN!, appId: env.WECHAT_APPID! };
let clock = Math.floor(Date.now() / 1000) - 100;

function eventXml(from: string, event: string, eventKey?: string, createTime = ++clock) {
  return renderXml({
    ToUserName: "gh_0123456789ab",
    FromUserName: from,
    CreateTime: createTime,
    MsgType: "event",
    Event: event,
    ...(eventKey !== undefined ? { EventKey: eventKey, Ticket: "TICKET" } : {}),
  });
}

/** Delivers a push as WeChat does (signed), waits for the Worker's background work, returns the reply. */
async function deliver(xml: string, target: Env = qrEnv, nonce?: string, timestamp?: number) {
  const push = await signPush(account, xml, {
    ...(nonce ? { nonce } : {}),
    ...(timestamp ? { timestamp } : {}),
  });
  const ctx = createExecutionContext();
  const response = await app.fetch(
    new Request(`https://worker.test${push.path}`, { method: "POST", body: push.body }),
    target,
    ctx,
  );
  const body = await response.text();
  await waitOnExecutionContext(ctx);
  const doc = parseXml(body);
  return {
    status: response.status,
    body,
    content: doc.ok ? textOf(doc.root, "Content") : undefined,
  };
}

async function stats(query = "") {
  const answer = await call(`/qr/stats${query}`, { key: ADMIN_KEY });
  expect(answer.status).toBe(200);
  return answer.json();
}

describe("scan attribution from the callback to /qr/stats", () => {
  it("counts scans, new follows and unfollows per scene; retries count once", async () => {
    const follow = eventXml("oFollowerA000000000000000000", "subscribe", "qrscene_spring");
    const first = await deliver(follow, qrEnv, "111", clock);
    expect(first.status).toBe(200);
    expect(first.content).toContain("spring");
    // WeChat's retry of the same push (same body, same signature) is not a second follow.
    await deliver(follow, qrEnv, "111", clock);
    await deliver(eventXml("oFollowerB000000000000000000", "SCAN", "spring"));
    await deliver(eventXml("oFollowerC000000000000000000", "subscribe", "qrscene_42"));
    // Not from a scene: counted nowhere.
    await deliver(eventXml("oFollowerD000000000000000000", "subscribe"));
    await deliver(eventXml("oFollowerD000000000000000000", "unsubscribe"));
    // A came through "spring": the unfollow is counted there.
    await deliver(eventXml("oFollowerA000000000000000000", "unsubscribe"));
    const body = await stats();
    expect(body.scenes).toEqual([
      { scene: "spring", scans: 2, follows: 1, unfollows: 1 },
      { scene: "42", scans: 1, follows: 1, unfollows: 0 },
    ]);
    expect(body.totals).toEqual({ scans: 3, follows: 2, unfollows: 1 });
    expect(body.retention_days).toBe(400);
    expect((await stats("?scene=42")).scenes).toEqual([
      { scene: "42", scans: 1, follows: 1, unfollows: 0 },
    ]);
  });

  it("keeps no openid in the clear, and forgets an unfollowed follower", async () => {
    await deliver(eventXml("oPrivacyFollower00000000000", "subscribe", "qrscene_privacy"));
    await deliver(eventXml("oPrivacyLeaver000000000000", "subscribe", "qrscene_privacy"));
    await deliver(eventXml("oPrivacyLeaver000000000000", "unsubscribe"));
    await runInDurableObject(qrScanStats(env, account.appId), async (_, state) => {
      const dump = JSON.stringify(
        ["scene_hour", "follower", "recent_push"].map((table) =>
          state.storage.sql.exec(`SELECT * FROM ${table}`).toArray(),
        ),
      );
      expect(dump).not.toMatch(/oPrivacy|oFollower/);
      const followers = state.storage.sql
        .exec<{ follower: string; scene: string }>(
          "SELECT follower, scene FROM follower WHERE scene = 'privacy'",
        )
        .toArray();
      expect(followers).toHaveLength(1);
      expect(followers[0]!.follower).toMatch(/^[0-9a-f]{32}$/);
    });
  });

  it("a broken stats store never fails or delays WeChat's answer", async () => {
    const broken = {
      ...qrEnv,
      QR_SCAN_STATS: {
        idFromName: () => {
          throw new Error("stats unavailable");
        },
      },
    } as unknown as Env;
    const answer = await deliver(
      eventXml("oFollowerE000000000000000000", "subscribe", "qrscene_x"),
      broken,
    );
    expect(answer.status).toBe(200);
    expect(answer.content).toMatch(/欢迎关注/);
  });

  it("ranges: whole hours, dates include the whole day, bad values are 400s", async () => {
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const today = new Date().toISOString().slice(0, 10);
    const later = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    expect((await stats(`?from=${tomorrow}&to=${later}`)).scenes).toEqual([]);
    const todays = await stats(`?from=${today}&to=${today}`);
    expect(todays.scenes.length).toBeGreaterThan(0);
    expect(todays.to).toBe(`${tomorrow}T00:00:00.000Z`);
    const unix = await stats(`?from=${Math.floor(Date.now() / 1000) - 7200}`);
    expect(unix.totals.follows).toBeGreaterThan(0);
    for (const [query, parameter] of [
      ["?from=yesterday", "from"],
      ["?to=2026-13-45", "to"],
      [`?from=${tomorrow}&to=${today}`, "from"],
    ]) {
      const answer = await call(`/qr/stats${query}`, { key: ADMIN_KEY });
      expect(answer.status).toBe(400);
      expect(answer.json().parameter).toBe(parameter);
    }
  });

  it("needs the admin key: 401 without or with a wrong one, 404 when ADMIN_KEY is unset", async () => {
    expect((await call("/qr/stats")).status).toBe(401);
    expect((await call("/qr/stats", { key: "wrong" })).status).toBe(401);
    expect(
      (await call("/qr/stats", { key: ADMIN_KEY, env: { ...qrEnv, ADMIN_KEY: undefined } })).status,
    ).toBe(404);
  });
});
