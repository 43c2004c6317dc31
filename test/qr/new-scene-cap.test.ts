/** The daily cap on temporary codes created for visitors (QR_NEW_SCENES_PER_DAY). */
import { abortAllDurableObjects, env, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { InstalledFakeWeChat } from "../../dev/fake-wechat/install";
import type { Env } from "../../src/env";
import { qrScanStats } from "../../src/qr/attribution";
import { beijingDay, secondsToBeijingMidnight } from "../../src/qr/new-scene-cap";
import { qrTicketCache } from "../../src/qr/ticket-cache";
import { qrTicketIssuerName } from "../../src/qr/ticket-issuer";
import type { QrTicket } from "../../src/qr/ticket-life";
import { startClean } from "../token/helpers";
import { ADMIN_KEY, call, PAGE_ORIGIN, qrEnv } from "./helpers";

const CREATE = "/cgi-bin/qrcode/create";
const APPID = env.WECHAT_APPID!;
// Config is cached per env object: one object per distinct setting.
const capped: Env = { ...qrEnv, QR_NEW_SCENES_PER_DAY: "2" };
const closed: Env = { ...qrEnv, QR_NEW_SCENES_PER_DAY: "0" };

let fake: InstalledFakeWeChat;
let sequence = 0;
/** Storage lives for the whole file: every test takes scenes nobody used before. */
const newScene = () => `cap-${++sequence}-${Date.now()}`;
const created = () => fake.count(CREATE);
const stats = () => qrScanStats(env, APPID);

function issuer(scene: string) {
  const spec = { kind: "temporary", scene: { type: "str", str: scene }, expireSeconds: 0 } as const;
  return env.QR_TICKET_ISSUER.get(env.QR_TICKET_ISSUER.idFromName(qrTicketIssuerName(APPID, spec)));
}

/** Moves a scene's stored ticket's expiry to `expiresInMs` from now, as if created long ago. */
async function age(scene: string, expiresInMs: number) {
  await runInDurableObject(issuer(scene), async (_, state) => {
    const stored = (await state.storage.get<QrTicket>("ticket"))!;
    await state.storage.put("ticket", { ...stored, expiresAt: Date.now() + expiresInMs });
  });
  qrTicketCache.clear();
}

beforeEach(async () => {
  fake = await startClean();
  qrTicketCache.clear();
  await runInDurableObject(stats(), async (_, state) => {
    state.storage.sql.exec("DELETE FROM new_scenes");
  });
});
afterEach(() => fake.uninstall());

describe("GET /qr: new temporary codes for visitors are capped per account and day", () => {
  it("past the cap a new scene gets 429 until midnight in Beijing; scenes with a ticket are still served", async () => {
    const [a, b, c] = [newScene(), newScene(), newScene()];
    const first = await call(`/qr?scene=${a}`, { env: capped });
    expect(first.status).toBe(200);
    expect((await call(`/qr?scene=${b}`, { env: capped })).status).toBe(200);

    const refused = await call(`/qr?scene=${c}`, { env: capped, origin: PAGE_ORIGIN });
    expect(refused.status).toBe(429);
    expect(refused.json().error).toMatch(/QR_NEW_SCENES_PER_DAY/);
    expect(refused.headers.get("cache-control")).toBe("no-store");
    expect(refused.headers.get("access-control-allow-origin")).toBe(PAGE_ORIGIN);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
    expect(Math.abs(retryAfter - secondsToBeijingMidnight(Date.now()))).toBeLessThanOrEqual(2);
    expect(created()).toBe(2);

    // From memory, from the issuer, and after eviction: a scene with a ticket is not new.
    expect((await call(`/qr?scene=${a}`, { env: capped })).json().ticket).toBe(first.json().ticket);
    qrTicketCache.clear();
    await abortAllDurableObjects();
    expect((await call(`/qr?scene=${a}`, { env: capped })).json().ticket).toBe(first.json().ticket);
    expect((await call(`/qr?scene=${b}&format=svg`, { env: capped })).status).toBe(200);
    expect(created()).toBe(2);
  });

  it("the admin key is not capped, and its codes leave the visitors' day untouched", async () => {
    for (let i = 0; i < 3; i++) {
      const answer = await call(`/qr?scene=${newScene()}`, { env: capped, key: ADMIN_KEY });
      expect(answer.status).toBe(200);
    }
    expect((await call(`/qr?scene=${newScene()}`, { env: capped })).status).toBe(200);
    expect((await call(`/qr?scene=${newScene()}`, { env: capped })).status).toBe(200);
    expect((await call(`/qr?scene=${newScene()}`, { env: capped })).status).toBe(429);
    expect((await call(`/qr?scene=${newScene()}`, { env: capped, key: ADMIN_KEY })).status).toBe(
      200,
    );
    expect(created()).toBe(6);
  });

  it("past the cap a live ticket short of comfortable life is served rather than renewed; an expired one is not", async () => {
    const [a, b] = [newScene(), newScene()];
    const first = (await call(`/qr?scene=${a}`, { env: capped })).json();
    await call(`/qr?scene=${b}`, { env: capped });
    // 12 hours left: under the 1-day comfort of a 30-day code, so it would be renewed.
    await age(a, 12 * 3600_000);
    const kept = await call(`/qr?scene=${a}`, { env: capped });
    expect(kept.status).toBe(200);
    expect(kept.json().ticket).toBe(first.ticket);
    // Not cacheable: a cache must not keep handing it out once a renewal is possible again.
    expect(kept.headers.get("cache-control")).toBe("no-cache");
    expect(created()).toBe(2);

    await age(a, -1000);
    const expired = await call(`/qr?scene=${a}`, { env: capped });
    expect(expired.status).toBe(429);
    expect(created()).toBe(2);
  });

  it("a renewal is a qrcode/create call too, and counts like a new scene", async () => {
    const a = newScene();
    const first = (await call(`/qr?scene=${a}`, { env: capped })).json();
    await age(a, 12 * 3600_000);
    const renewed = (await call(`/qr?scene=${a}`, { env: capped })).json();
    expect(renewed.ticket).not.toBe(first.ticket);
    expect(created()).toBe(2);
    expect((await call(`/qr?scene=${newScene()}`, { env: capped })).status).toBe(429);
  });

  it("a failed qrcode/create gives its slot back", async () => {
    fake.inject("busy", { path: CREATE, times: 1 });
    expect((await call(`/qr?scene=${newScene()}`, { env: capped })).status).toBe(502);
    fake.inject({ ipNotWhitelisted: "1.2.3.4" }, { path: CREATE, times: 1 });
    expect((await call(`/qr?scene=${newScene()}`, { env: capped })).status).toBe(502);
    expect((await call(`/qr?scene=${newScene()}`, { env: capped })).status).toBe(200);
    expect((await call(`/qr?scene=${newScene()}`, { env: capped })).status).toBe(200);
    expect((await call(`/qr?scene=${newScene()}`, { env: capped })).status).toBe(429);
  });

  it("concurrent requests for many new scenes never pass the cap", async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => call(`/qr?scene=${newScene()}`, { env: capped })),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([200, 200, 429, 429, 429, 429, 429, 429]);
    expect(created()).toBe(2);
  });

  it("QR_NEW_SCENES_PER_DAY=0: visitors create nothing, the admin still can", async () => {
    expect((await call(`/qr?scene=${newScene()}`, { env: closed })).status).toBe(429);
    expect((await call(`/qr?scene=${newScene()}`, { env: closed, key: ADMIN_KEY })).status).toBe(
      200,
    );
    expect(created()).toBe(1);
  });
});

describe("the cap's days", () => {
  it("are Beijing days: they turn at 16:00 UTC", () => {
    const beforeMidnight = Date.UTC(2026, 0, 31, 15, 59, 59);
    expect(beijingDay(beforeMidnight)).toBe("2026-01-31");
    expect(secondsToBeijingMidnight(beforeMidnight)).toBe(1);
    const midnight = Date.UTC(2026, 0, 31, 16, 0, 0);
    expect(beijingDay(midnight)).toBe("2026-02-01");
    expect(secondsToBeijingMidnight(midnight)).toBe(86_400);
    expect(beijingDay(Date.UTC(2026, 1, 1, 0, 0, 0))).toBe("2026-02-01");
    expect(secondsToBeijingMidnight(Date.UTC(2026, 1, 1, 0, 0, 0))).toBe(16 * 3600);
  });

  it("are counted apart, a slot given back can be taken again, and old days are forgotten", async () => {
    await runInDurableObject(stats(), async (_, state) => {
      state.storage.sql.exec("INSERT INTO new_scenes (day, count) VALUES ('2020-01-01', 5)");
    });
    const take = (day: string) => stats().reserveNewScene(day, 2);
    expect([await take("2099-01-01"), await take("2099-01-01"), await take("2099-01-01")]).toEqual([
      true,
      true,
      false,
    ]);
    expect(await take("2099-01-02")).toBe(true);
    await stats().releaseNewScene("2099-01-01");
    expect(await take("2099-01-01")).toBe(true);
    expect(await take("2099-01-01")).toBe(false);
    await runInDurableObject(stats(), async (_, state) => {
      const days = state.storage.sql
        .exec<{ day: string; count: number }>("SELECT day, count FROM new_scenes ORDER BY day")
        .toArray();
      expect(days).toEqual([
        { day: "2099-01-01", count: 2 },
        { day: "2099-01-02", count: 1 },
      ]);
    });
  });
});
