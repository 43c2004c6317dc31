/** The admin key on /qr: checked as /admin checks it, with the same failure budget. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { InstalledFakeWeChat } from "../../dev/fake-wechat/install";
import type { Env } from "../../src/env";
import { forgetBlockedClients } from "../../src/http/failure-limit";
import { qrTicketCache } from "../../src/qr/ticket-cache";
import { startClean } from "../token/helpers";
import { ADMIN_KEY, call, PAGE_ORIGIN, qrEnv } from "./helpers";

const CREATE = "/cgi-bin/qrcode/create";
const SHORT_KEY = "short-admin-key-0123";
const shortKeyEnv: Env = { ...qrEnv, ADMIN_KEY: SHORT_KEY };

let fake: InstalledFakeWeChat;
let sequence = 0;
const newScene = () => `key-${++sequence}-${Date.now()}`;
const created = () => fake.count(CREATE);

beforeEach(async () => {
  fake = await startClean();
  qrTicketCache.clear();
  forgetBlockedClients();
});
afterEach(() => {
  fake.uninstall();
  forgetBlockedClients();
});

describe("GET /qr with ADMIN_KEY set but too short", () => {
  it("any Authorization header and any permanent=1 get 503 naming ADMIN_KEY; visitors go on", async () => {
    for (const key of [SHORT_KEY, ADMIN_KEY, "anything"]) {
      const answer = await call(`/qr?scene=${newScene()}`, { key, env: shortKeyEnv });
      expect(answer.status).toBe(503);
      expect(answer.json()).toEqual({ error: expect.stringMatching(/^ADMIN_KEY /) });
      expect(answer.body).not.toContain(SHORT_KEY);
    }
    const permanent = await call("/qr?scene=7&permanent=1", { env: shortKeyEnv });
    expect(permanent.status).toBe(503);
    expect(permanent.json().error).toMatch(/^ADMIN_KEY /);
    expect((await call("/qr/stats", { key: SHORT_KEY, env: shortKeyEnv })).status).toBe(503);
    expect(created()).toBe(0);

    const visitor = await call(`/qr?scene=${newScene()}`, { env: shortKeyEnv });
    expect(visitor.status).toBe(200);
    expect(created()).toBe(1);
  });
});

describe("GET /qr: wrong admin keys", () => {
  it("count against the client (an IPv6 one by its /64): past 30 a minute, 429, then even the right key", async () => {
    // The limiter's windows are aligned to the wall-clock minute: a run that straddles a minute
    // boundary starts a new window, so it is repeated (from a new /64) rather than misread.
    const minute = () => Math.floor(Date.now() / 60_000);
    let prefix = "";
    let statuses: number[] = [];
    let over: Awaited<ReturnType<typeof call>> | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      prefix = `2001:db8:4b1d:${attempt + 1}`;
      forgetBlockedClients();
      const started = minute();
      statuses = [];
      for (let i = 0; i < 30; i++) {
        // Every guess from a different address of the same /64.
        const ip = `${prefix}::${(i + 1).toString(16)}`;
        statuses.push((await call("/qr?scene=1", { ip, key: `guess-${i}` })).status);
      }
      over = await call("/qr?scene=1", {
        ip: `${prefix}:abcd::1`,
        key: "guess-31",
        origin: PAGE_ORIGIN,
      });
      if (minute() === started) break;
    }
    expect(statuses).toEqual(Array(30).fill(401));
    expect(over!.status).toBe(429);
    expect(over!.headers.get("retry-after")).toBe("60");
    expect(over!.headers.get("access-control-allow-origin")).toBe(PAGE_ORIGIN);

    // Blocked: the right key is refused before any comparison, so a right guess looks like a wrong one.
    const right = await call(`/qr?scene=${newScene()}`, { ip: `${prefix}::99`, key: ADMIN_KEY });
    expect(right.status).toBe(429);
    expect(Number(right.headers.get("retry-after"))).toBeGreaterThan(0);
    const permanent = await call("/qr?scene=9&permanent=1", {
      ip: `${prefix}::99`,
      key: ADMIN_KEY,
    });
    expect(permanent.status).toBe(429);
    expect(created()).toBe(0);

    // Without a header the same client is an ordinary visitor; another client keeps its key.
    expect((await call(`/qr?scene=${newScene()}`, { ip: `${prefix}::99` })).status).toBe(200);
    const elsewhere = await call(`/qr?scene=${newScene()}`, { ip: "192.0.2.61", key: ADMIN_KEY });
    expect(elsewhere.status).toBe(200);
    expect(created()).toBe(2);
  });

  it("a wrong key is a 401 with a challenge, also when ADMIN_KEY is unset", async () => {
    const wrong = await call(`/qr?scene=${newScene()}`, { key: "not-the-key" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toMatch(/^Bearer realm="qr"/);
    const unset = await call(`/qr?scene=${newScene()}`, {
      key: ADMIN_KEY,
      env: { ...qrEnv, ADMIN_KEY: undefined },
    });
    expect(unset.status).toBe(401);
    expect(created()).toBe(0);
  });
});
