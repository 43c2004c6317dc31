import {
  abortAllDurableObjects,
  env,
  runDurableObjectAlarm,
  runInDurableObject,
} from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { qrCodeBook } from "../../dev/fake-wechat/endpoints/qrcode";
import type { InstalledFakeWeChat } from "../../dev/fake-wechat/install";
import { qrTicketCache } from "../../src/qr/ticket-cache";
import { qrTicketIssuerName } from "../../src/qr/ticket-issuer";
import type { QrTicket } from "../../src/qr/ticket-life";
import type { QrCodeSpec } from "../../src/wechat/qrcode";
import { startClean } from "../token/helpers";
import { ADMIN_KEY, call, decodeQrSvg, PAGE_ORIGIN, qrEnv } from "./helpers";

const CREATE = "/cgi-bin/qrcode/create";
let fake: InstalledFakeWeChat;
let scene = 0;
/** Storage lives for the whole file: every test takes scenes nobody used before. */
const newScene = () => `${Date.now() % 100000}${++scene}`.slice(-9).replace(/^0+/, "") || "1";
const newStrScene = () => `campaign-${++scene}-${Date.now()}`;

beforeEach(async () => {
  fake = await startClean();
  qrTicketCache.clear();
});
afterEach(() => fake.uninstall());

const created = () => fake.count(CREATE);

function issuer(spec: QrCodeSpec) {
  return env.QR_TICKET_ISSUER.get(
    env.QR_TICKET_ISSUER.idFromName(qrTicketIssuerName(env.WECHAT_APPID!, spec)),
  );
}

describe("GET /qr: a temporary code for a scene", () => {
  it("answers the documented JSON, with the ticket WeChat created for that scene", async () => {
    const id = newScene();
    const answer = await call(`/qr?scene=${id}`);
    expect(answer.status).toBe(200);
    const body = answer.json();
    expect(body).toEqual({
      scene: id,
      ticket: expect.any(String),
      url: expect.stringMatching(/^http:\/\/weixin\.qq\.com\/q\//),
      image: `https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=${encodeURIComponent(body.ticket)}`,
      expire_seconds: expect.any(Number),
      expires_at: expect.any(String),
      permanent: false,
    });
    // Default: the longest life WeChat allows.
    expect(body.expire_seconds).toBeGreaterThan(2592000 - 5);
    expect(Date.parse(body.expires_at)).toBeGreaterThan(Date.now() + 2591990_000);
    const issued = qrCodeBook(fake).byTicket.get(body.ticket);
    expect(issued).toMatchObject({ actionName: "QR_SCENE", scene: id, url: body.url });
    expect(issued!.expiresAt! - Date.now()).toBeGreaterThan(2591990_000);
  });

  it("a text scene is QR_STR_SCENE; expire is honoured", async () => {
    const text = "春季活动-landing";
    const answer = await call(`/qr?scene=${encodeURIComponent(text)}&expire=3600`);
    expect(answer.status).toBe(200);
    const body = answer.json();
    expect(body.scene).toBe(text);
    expect(body.expire_seconds).toBeLessThanOrEqual(3600);
    expect(body.expire_seconds).toBeGreaterThan(3590);
    expect(qrCodeBook(fake).byTicket.get(body.ticket)).toMatchObject({
      actionName: "QR_STR_SCENE",
      scene: text,
    });
  });

  it("the same scene gets the same ticket from memory, from the issuer, and after eviction", async () => {
    const id = newScene();
    const first = (await call(`/qr?scene=${id}`)).json();
    expect((await call(`/qr?scene=${id}`)).json().ticket).toBe(first.ticket);
    qrTicketCache.clear();
    expect((await call(`/qr?scene=${id}&format=json`)).json().ticket).toBe(first.ticket);
    await abortAllDurableObjects();
    qrTicketCache.clear();
    expect((await call(`/qr?scene=${id}`)).json().ticket).toBe(first.ticket);
    expect(created()).toBe(1);
  });

  it("concurrent first requests for a new scene create one ticket", async () => {
    const id = newStrScene();
    const answers = await Promise.all(Array.from({ length: 25 }, () => call(`/qr?scene=${id}`)));
    expect(answers.map((a) => a.status)).toEqual(Array(25).fill(200));
    expect(new Set(answers.map((a) => a.json().ticket)).size).toBe(1);
    expect(created()).toBe(1);
  });

  it("concurrent calls straight to the issuer (no isolate cache) also create one", async () => {
    const spec: QrCodeSpec = {
      kind: "temporary",
      scene: { type: "str", str: newStrScene() },
      expireSeconds: 600,
    };
    const results = await Promise.all(Array.from({ length: 10 }, () => issuer(spec).issue(spec)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results.filter((r) => r.ok && r.created)).toHaveLength(1);
    expect(created()).toBe(1);
  });

  it("a ticket without comfortable life left is replaced; a short request still reuses it", async () => {
    const id = newScene();
    const spec: QrCodeSpec = {
      kind: "temporary",
      scene: { type: "id", id: Number(id) },
      expireSeconds: 2592000,
    };
    const first = (await call(`/qr?scene=${id}`)).json();
    // Pretend it was created 29.5 days ago: 12 hours left, under the 1-day comfort for 30-day codes.
    await runInDurableObject(issuer(spec), async (_, state) => {
      const stored = (await state.storage.get<QrTicket>("ticket"))!;
      await state.storage.put("ticket", { ...stored, expiresAt: Date.now() + 12 * 3600_000 });
    });
    qrTicketCache.clear();
    // Someone asking for a 10-minute code is well served by 12 hours.
    expect((await call(`/qr?scene=${id}&expire=600`)).json().ticket).toBe(first.ticket);
    expect(created()).toBe(1);
    const renewed = (await call(`/qr?scene=${id}`)).json();
    expect(renewed.ticket).not.toBe(first.ticket);
    expect(renewed.expire_seconds).toBeGreaterThan(2592000 - 5);
    expect(created()).toBe(2);
    // And the renewed one is what everybody gets from now on.
    qrTicketCache.clear();
    expect((await call(`/qr?scene=${id}`)).json().ticket).toBe(renewed.ticket);
    expect(created()).toBe(2);
  });

  it("format=svg renders at the edge a code that decodes to the ticket's url, cacheably", async () => {
    const id = newScene();
    const json = (await call(`/qr?scene=${id}`)).json();
    const svg = await call(`/qr?scene=${id}&format=svg`);
    expect(svg.status).toBe(200);
    expect(svg.headers.get("content-type")).toBe("image/svg+xml");
    expect(svg.headers.get("cache-control")).toBe("public, max-age=3600");
    expect(decodeQrSvg(svg.body)).toBe(json.url);
    expect(created()).toBe(1);
  });

  it("format=png redirects to WeChat's image with the ticket URL-encoded", async () => {
    const id = newScene();
    const json = (await call(`/qr?scene=${id}`)).json();
    const png = await call(`/qr?scene=${id}&format=png`);
    expect(png.status).toBe(302);
    expect(png.headers.get("location")).toBe(json.image);
  });

  it("WECHAT_MP_BASE moves the image host (a proxy or the fake)", async () => {
    const local = { ...qrEnv, WECHAT_MP_BASE: "http://127.0.0.1:8788/" };
    const body = (await call(`/qr?scene=${newScene()}`, { env: local })).json();
    expect(body.image).toBe(
      `http://127.0.0.1:8788/cgi-bin/showqrcode?ticket=${encodeURIComponent(body.ticket)}`,
    );
  });
});

describe("GET /qr: bad parameters get a 400 naming the parameter, and nothing is created", () => {
  it.each([
    ["", "scene"],
    ["scene=", "scene"],
    ["scene=0", "scene"],
    ["scene=-1", "scene"],
    ["scene=4294967296", "scene"],
    ["scene=1.5", "scene"],
    [`scene=${"x".repeat(65)}`, "scene"],
    ["scene=1&scene=2", "scene"],
    ["scene=1&expire=59", "expire"],
    ["scene=1&expire=2592001", "expire"],
    ["scene=1&expire=abc", "expire"],
    ["scene=1&format=gif", "format"],
    ["scene=1&permanent=yes", "permanent"],
  ])("%s", async (query, parameter) => {
    const answer = await call(`/qr?${query}`);
    expect(answer.status).toBe(400);
    const body = answer.json();
    expect(body.parameter).toBe(parameter);
    expect(body.error).toMatch(new RegExp(`^${parameter} `));
    expect(fake.count()).toBe(0);
  });

  it("a permanent scene above 100000 is refused even with the key", async () => {
    const answer = await call("/qr?scene=100001&permanent=1", { key: ADMIN_KEY });
    expect(answer.status).toBe(400);
    expect(answer.json()).toEqual({
      parameter: "scene",
      error: expect.stringContaining("up to 100000"),
    });
    expect(fake.count()).toBe(0);
  });
});

describe("GET /qr?permanent=1: only with the admin key", () => {
  it("refuses without the key (401), with a wrong key (401), and when ADMIN_KEY is unset (403)", async () => {
    const none = await call("/qr?scene=7&permanent=1");
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await call("/qr?scene=7&permanent=1", { key: "wrong" })).status).toBe(401);
    const unset = await call("/qr?scene=7&permanent=1", {
      env: { ...qrEnv, ADMIN_KEY: undefined },
    });
    expect(unset.status).toBe(403);
    expect(unset.body).not.toContain(ADMIN_KEY);
    expect(fake.count()).toBe(0);
  });

  it("creates a permanent code once with the key, and never again for that scene", async () => {
    const first = await call("/qr?scene=77&permanent=1", { key: ADMIN_KEY });
    expect(first.status).toBe(200);
    expect(first.headers.get("cache-control")).toBe("no-store");
    const body = first.json();
    expect(body).toMatchObject({
      scene: "77",
      permanent: true,
      expire_seconds: null,
      expires_at: null,
    });
    expect(qrCodeBook(fake).byTicket.get(body.ticket)).toMatchObject({
      actionName: "QR_LIMIT_SCENE",
    });
    qrTicketCache.clear();
    await abortAllDurableObjects();
    const again = await call("/qr?scene=77&permanent=1", { key: ADMIN_KEY });
    expect(again.json().ticket).toBe(body.ticket);
    // The temporary code for the same scene is a different thing.
    const temporary = (await call("/qr?scene=77")).json();
    expect(temporary.ticket).not.toBe(body.ticket);
    expect(created()).toBe(2);
  });

  it("a wrong key is refused for temporary codes too", async () => {
    expect((await call(`/qr?scene=${newScene()}`, { key: "nope" })).status).toBe(401);
    expect(fake.count()).toBe(0);
  });

  it("when the account's permanent codes are used up: 502 with WeChat's 40053 and what it means", async () => {
    qrCodeBook(fake).permanentLimit = 0;
    const answer = await call("/qr?scene=permanent-str&permanent=1", { key: ADMIN_KEY });
    expect(answer.status).toBe(502);
    const body = answer.json();
    expect(body).toMatchObject({ errcode: 40053, hint: expect.stringContaining("100,000") });
    expect(answer.body).not.toMatch(/access_token=|[0-9a-f]{32}/);
  });
});

describe("GET /qr: upstream trouble", () => {
  it("a WeChat errcode is a 502 a person can act on, with no token in it", async () => {
    fake.inject({ errcode: 45009, errmsg: "reach max api daily quota limit" }, { path: CREATE });
    const answer = await call(`/qr?scene=${newScene()}`);
    expect(answer.status).toBe(502);
    expect(answer.json()).toMatchObject({ errcode: 45009, hint: expect.stringMatching(/quota/) });
    expect(answer.body).not.toMatch(/access_token|secret/i);
  });

  it("no token to be had is a 503 with Retry-After", async () => {
    fake.inject({ errcode: 40125, errmsg: "invalid appsecret" }, { path: "/cgi-bin/stable_token" });
    const answer = await call(`/qr?scene=${newScene()}`);
    expect(answer.status).toBe(503);
    expect(Number(answer.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(answer.json().error).toEqual(expect.any(String));
    expect(answer.body).not.toContain(env.WECHAT_APPSECRET!);
    expect(created()).toBe(0);
  });

  it("WeChat's errmsg never reaches the answer: 40164's names the egress IP, and goes to the log only", async () => {
    fake.inject({ ipNotWhitelisted: "1.2.3.4" }, { path: CREATE });
    const warnings = vi.spyOn(console, "warn");
    for (const key of [undefined, ADMIN_KEY]) {
      const answer = await call(`/qr?scene=${newScene()}`, key ? { key } : {});
      expect(answer.status).toBe(502);
      expect(answer.json()).toEqual({
        error: "WeChat answered errcode 40164",
        errcode: 40164,
        hint: expect.stringContaining("IP whitelist"),
      });
      expect(answer.body).not.toMatch(/1\.2\.3\.4|invalid ip|errmsg/);
    }
    expect(warnings.mock.calls.flat().join("\n")).toMatch(/"errmsg":"invalid ip 1\.2\.3\.4/);
    warnings.mockRestore();
  });

  it("a failure is not cached: the next request creates the ticket", async () => {
    const id = newScene();
    fake.inject("busy", { path: CREATE, times: 1 });
    expect((await call(`/qr?scene=${id}`)).status).toBe(502);
    expect((await call(`/qr?scene=${id}`)).status).toBe(200);
  });
});

describe("GET /qr: CORS for ALLOWED_ORIGINS", () => {
  it("an allowed origin gets its origin back and Vary: Origin; others get no CORS headers", async () => {
    const allowed = await call(`/qr?scene=${newScene()}`, { origin: PAGE_ORIGIN });
    expect(allowed.headers.get("access-control-allow-origin")).toBe(PAGE_ORIGIN);
    expect(allowed.headers.get("access-control-expose-headers")).toBe("Retry-After");
    expect(allowed.headers.get("vary")).toMatch(/Origin/);
    const other = await call(`/qr?scene=${newScene()}`, { origin: "https://evil.example" });
    expect(other.status).toBe(200);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    expect(other.headers.get("vary")).toMatch(/Origin/);
  });

  it("errors carry CORS headers too, so the page can read them", async () => {
    const bad = await call("/qr?scene=0", { origin: PAGE_ORIGIN });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("access-control-allow-origin")).toBe(PAGE_ORIGIN);
  });

  it("a preflight works for an allowed origin and is refused for others", async () => {
    const preflight = (origin: string) =>
      call("/qr?scene=1", {
        method: "OPTIONS",
        origin,
        headers: {
          "access-control-request-method": "GET",
          "access-control-request-headers": "authorization",
        },
      });
    const ok = await preflight(PAGE_ORIGIN);
    expect(ok.status).toBe(204);
    expect(ok.headers.get("access-control-allow-origin")).toBe(PAGE_ORIGIN);
    expect(ok.headers.get("access-control-allow-methods")).toBe("GET, OPTIONS");
    expect(ok.headers.get("access-control-allow-headers")).toBe("Authorization");
    const refused = await preflight("https://evil.example");
    expect(refused.status).toBe(403);
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
    expect(fake.count()).toBe(0);
  });

  it("* allows any origin (for CORS only)", async () => {
    const open = { ...qrEnv, ALLOWED_ORIGINS: "*" };
    const answer = await call(`/qr?scene=${newScene()}`, {
      origin: "https://anyone.example",
      env: open,
    });
    expect(answer.headers.get("access-control-allow-origin")).toBe("https://anyone.example");
  });
});

describe("GET /qr: per-visitor rate limit", () => {
  it("60 a minute per client IP, then 429 with Retry-After; other visitors and the admin go on", async () => {
    const id = newScene();
    // The limiter's windows are aligned to the wall-clock minute: a run that straddles a minute
    // boundary starts a new window, so it is repeated (with a new visitor) rather than misread.
    const minute = () => Math.floor(Date.now() / 60_000);
    let ip = "";
    let statuses: number[] = [];
    let over: Awaited<ReturnType<typeof call>> | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      ip = `203.0.113.${90 + attempt}`;
      const started = minute();
      statuses = [];
      for (let i = 0; i < 60; i++) statuses.push((await call(`/qr?scene=${id}`, { ip })).status);
      over = await call(`/qr?scene=${id}`, { ip, origin: PAGE_ORIGIN });
      if (minute() === started) break;
    }
    expect(statuses).toEqual(Array(60).fill(200));
    expect(over!.status).toBe(429);
    expect(over!.headers.get("retry-after")).toBe("60");
    expect(over!.headers.get("access-control-allow-origin")).toBe(PAGE_ORIGIN);
    expect(over!.json().error).toMatch(/too many requests/);
    // Bad requests count too, but are limited before they are read.
    expect((await call("/qr?scene=0", { ip })).status).toBe(429);
    expect((await call(`/qr?scene=${id}`, { ip: "203.0.113.100" })).status).toBe(200);
    expect((await call(`/qr?scene=${id}`, { ip, key: ADMIN_KEY })).status).toBe(200);
    expect(created()).toBe(1);
  });

  it("an IPv6 client counts by its /64: its other addresses share the bucket, another /64 does not", async () => {
    const id = newScene();
    const minute = () => Math.floor(Date.now() / 60_000);
    let network = 0;
    let statuses: number[] = [];
    let over: Awaited<ReturnType<typeof call>> | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      network = 0x6401 + attempt;
      const started = minute();
      statuses = [];
      for (let i = 0; i < 60; i++) {
        const ip = `2001:db8:${network.toString(16)}:7::${(i + 1).toString(16)}`;
        statuses.push((await call(`/qr?scene=${id}`, { ip })).status);
      }
      // The same /64, written out in full and in capitals.
      const ip = `2001:0DB8:${network.toString(16).toUpperCase()}:0007:FFFF:0000:0000:00AB`;
      over = await call(`/qr?scene=${id}`, { ip });
      if (minute() === started) break;
    }
    expect(statuses).toEqual(Array(60).fill(200));
    expect(over!.status).toBe(429);
    expect(over!.headers.get("retry-after")).toBe("60");
    const next = `2001:db8:${network.toString(16)}:8::1`;
    expect((await call(`/qr?scene=${id}`, { ip: next })).status).toBe(200);
    expect(created()).toBe(1);
  });
});

describe("GET /qr: an expired temporary ticket's record is deleted", () => {
  const spec = (id: string): QrCodeSpec => ({
    kind: "temporary",
    scene: { type: "id", id: Number(id) },
    expireSeconds: 600,
  });

  it("an alarm at the ticket's expiry deletes it; one that is still live is kept", async () => {
    const id = newScene();
    const first = (await call(`/qr?scene=${id}&expire=600`)).json();
    await runInDurableObject(issuer(spec(id)), async (_, state) => {
      const stored = (await state.storage.get<QrTicket>("ticket"))!;
      expect(await state.storage.getAlarm()).toBe(stored.expiresAt);
      expect(new Date(stored.expiresAt!).toISOString()).toBe(first.expires_at);
    });
    // Run early (before the expiry): nothing is lost, and the alarm is set again.
    expect(await runDurableObjectAlarm(issuer(spec(id)))).toBe(true);
    expect((await issuer(spec(id)).current())?.ticket).toBe(first.ticket);

    await runInDurableObject(issuer(spec(id)), async (_, state) => {
      const stored = (await state.storage.get<QrTicket>("ticket"))!;
      expect(await state.storage.getAlarm()).toBe(stored.expiresAt);
      await state.storage.put("ticket", { ...stored, expiresAt: Date.now() - 1000 });
    });
    expect(await runDurableObjectAlarm(issuer(spec(id)))).toBe(true);
    await runInDurableObject(issuer(spec(id)), async (_, state) => {
      expect((await state.storage.list()).size).toBe(0);
      expect(await state.storage.getAlarm()).toBeNull();
    });

    // The scene is new again.
    qrTicketCache.clear();
    const again = (await call(`/qr?scene=${id}&expire=600`)).json();
    expect(again.ticket).not.toBe(first.ticket);
    expect(created()).toBe(2);
  });

  it("a record stored before expiry alarms existed gets one the next time it is read", async () => {
    const id = newScene();
    await call(`/qr?scene=${id}&expire=600`);
    await runInDurableObject(issuer(spec(id)), (_, state) => state.storage.deleteAlarm());
    await abortAllDurableObjects();
    qrTicketCache.clear();
    await call(`/qr?scene=${id}&expire=600`);
    await runInDurableObject(issuer(spec(id)), async (_, state) => {
      const stored = (await state.storage.get<QrTicket>("ticket"))!;
      expect(await state.storage.getAlarm()).toBe(stored.expiresAt);
    });
    expect(created()).toBe(1);
  });

  it("a permanent ticket has no alarm and is kept", async () => {
    const permanent: QrCodeSpec = { kind: "permanent", scene: { type: "id", id: 78 } };
    const body = (await call("/qr?scene=78&permanent=1", { key: ADMIN_KEY })).json();
    expect(await runDurableObjectAlarm(issuer(permanent))).toBe(false);
    expect((await issuer(permanent).current())?.ticket).toBe(body.ticket);
  });
});
