import {
  env,
  evictDurableObject,
  runDurableObjectAlarm,
  runInDurableObject,
} from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { InstalledFakeWeChat } from "../../dev/fake-wechat/install";
import { createApiClient } from "../../src/token/api-client";
import { getJsapiTicket } from "../../src/token/authority-client";
import { TokenUnavailableError } from "../../src/token/errors";
import type { RefreshState } from "../../src/token/records";
import { ageStoredToken, APPID, authority, config, startClean } from "./helpers";

let fake: InstalledFakeWeChat;
afterEach(() => {
  fake?.uninstall();
  vi.useRealTimers();
});

const api = () => createApiClient(env, config());

describe("one refresh for many callers", () => {
  it("a storm of concurrent callers causes one upstream fetch", async () => {
    fake = await startClean();
    const calls = Array.from({ length: 40 }, (_, i) =>
      i % 2 ? api().getApiDomainIp() : authority().getAccessToken(),
    );
    const results = await Promise.all(calls);
    expect(results).toHaveLength(40);
    expect(fake.tokenFetches()).toBe(1);
    expect(fake.count("/cgi-bin/get_api_domain_ip")).toBe(20);
  });

  it("serves later callers from KV and the stored token, without another fetch", async () => {
    fake = await startClean();
    const first = await authority().getAccessToken();
    const cached = await env.TOKEN_CACHE.get<{ value: string; expiresAt: number }>(
      `access_token:${APPID}`,
      "json",
    );
    expect(first.ok && cached?.value === first.lease.value).toBe(true);
    await Promise.all(Array.from({ length: 10 }, () => api().getApiDomainIp()));
    expect(fake.tokenFetches()).toBe(1);
  });

  it("survives eviction and restart without an extra fetch", async () => {
    fake = await startClean();
    const before = await authority().getAccessToken();
    await evictDurableObject(authority());
    const afterEviction = await authority().getAccessToken();
    await runInDurableObject(authority(), () => undefined);
    const afterRestart = await authority().getAccessToken();
    expect(before.ok && afterEviction.ok && afterRestart.ok).toBe(true);
    if (before.ok && afterEviction.ok && afterRestart.ok) {
      expect(afterEviction.lease.value).toBe(before.lease.value);
      expect(afterRestart.lease.value).toBe(before.lease.value);
    }
    expect(fake.tokenFetches()).toBe(1);
  });
});

describe("the refresh rule: alarm and cron", () => {
  it("the alarm refreshes a token with less than the margin left", async () => {
    fake = await startClean();
    const first = await authority().getAccessToken();
    // WeChat's side: the token is 100 s from expiry, so stable_token rotates it.
    fake.advance(7100);
    await ageStoredToken(100_000);
    expect(await runDurableObjectAlarm(authority())).toBe(true);
    expect(fake.tokenFetches()).toBe(2);
    const second = await authority().getAccessToken();
    expect(first.ok && second.ok && second.lease.value !== first.lease.value).toBe(true);
    // The alarm is set for the new token's refresh time.
    const alarm = await runInDurableObject(authority(), (_, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThan(Date.now() + 6_000_000);
  });

  it("the alarm leaves a fresh token alone", async () => {
    fake = await startClean();
    await authority().getAccessToken();
    expect(await runDurableObjectAlarm(authority())).toBe(true);
    expect(fake.tokenFetches()).toBe(1);
  });

  it("a caller gets the old token at once while the refresh runs (stale-while-revalidate)", async () => {
    fake = await startClean();
    const first = await authority().getAccessToken();
    fake.advance(7100);
    await ageStoredToken(100_000);
    const served = await authority().getAccessToken();
    expect(first.ok && served.ok && served.lease.value === first.lease.value).toBe(true);
    await vi.waitFor(() => expect(fake.tokenFetches()).toBe(2));
  });
});

describe("compare-and-expire", () => {
  it("a revoked token (40001) costs one refresh and one retry", async () => {
    fake = await startClean();
    await api().getApiDomainIp();
    fake.revoke();
    await api().getApiDomainIp();
    expect(fake.tokenFetches()).toBe(2);
    const errcodes = fake.requests
      .filter((r) => r.path === "/cgi-bin/get_api_domain_ip")
      .map((r) => r.errcode);
    expect(errcodes).toEqual([0, 40001, 0]);
  });

  it("a burst of 40001 causes one refresh", async () => {
    fake = await startClean();
    await api().getApiDomainIp();
    fake.revoke();
    await Promise.all(Array.from({ length: 15 }, () => api().getApiDomainIp()));
    expect(fake.tokenFetches()).toBe(2);
    expect(fake.count("/cgi-bin/get_api_domain_ip")).toBe(1 + 15 + 15);
  });

  it("a stale token reported by a late caller does not expire the current one", async () => {
    fake = await startClean();
    const first = await authority().getAccessToken();
    fake.revoke();
    await api().getApiDomainIp();
    expect(fake.tokenFetches()).toBe(2);
    const late = await authority().replaceRejectedAccessToken(first.ok ? first.lease.value : "");
    expect(late.ok && late.lease.value !== (first.ok && first.lease.value)).toBe(true);
    expect(fake.tokenFetches()).toBe(2);
  });

  it("force-refreshes a stable token only when normal mode returns the rejected one", async () => {
    fake = await startClean();
    const first = await authority().getAccessToken();
    if (!first.ok) throw new Error(first.reason);
    // WeChat rejects the token for calls while stable_token's normal mode still hands it out.
    fake.credentials.tokens.get(first.lease.value)!.invalidFrom = fake.now();
    const bodies: unknown[] = [];
    const original = fake.fetch.bind(fake);
    fake.fetch = async (request, options) => {
      if (new URL(request.url).pathname === "/cgi-bin/stable_token") {
        bodies.push(await request.clone().json());
      }
      return original(request, options);
    };
    fake.credentials.stable = () => fake.credentials.current.get(`stable:${APPID}`)!;
    await api().getApiDomainIp();
    expect(bodies.map((b) => (b as { force_refresh: boolean }).force_refresh)).toEqual([
      false,
      true,
    ]);
  });
});

describe("a failing token endpoint", () => {
  it("bounded attempts and clear 503 reasons, then recovery within one backoff step", async () => {
    fake = await startClean();
    fake.inject("busy", { path: "/cgi-bin/stable_token" });
    vi.useFakeTimers({ toFake: ["Date"] });
    const start = Date.now();
    vi.setSystemTime(start);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => authority().getAccessToken()),
    );
    expect(results.every((r) => !r.ok)).toBe(true);
    expect(fake.tokenFetches()).toBe(1);
    const first = results[0]!;
    expect(!first.ok && first.reason).toMatch(/errcode -1/);
    // Inside the backoff step: no new attempt, an immediate answer saying when.
    const waiting = await Promise.all(
      Array.from({ length: 5 }, () => authority().getAccessToken()),
    );
    expect(waiting.every((r) => !r.ok && /next attempt in 1 s/.test(r.reason))).toBe(true);
    expect(fake.tokenFetches()).toBe(1);
    // Step two: one attempt; the backoff doubles.
    vi.setSystemTime(start + 1_001);
    await Promise.all(Array.from({ length: 5 }, () => authority().getAccessToken()));
    expect(fake.tokenFetches()).toBe(2);
    const state = await runInDurableObject(authority(), (_, s) =>
      s.storage.get<RefreshState>("state:access_token"),
    );
    expect(state?.consecutiveFailures).toBe(2);
    expect(state!.nextAttemptAt - (start + 1_001)).toBe(2_000);
    // WeChat answers again: the next step recovers.
    fake.clearFailures();
    vi.setSystemTime(start + 3_002);
    const recovered = await Promise.all(
      Array.from({ length: 5 }, () => authority().getAccessToken()),
    );
    expect(recovered.every((r) => r.ok)).toBe(true);
    expect(fake.tokenFetches()).toBe(3);
  });

  it("the backoff is capped at 10 s and the alarm retries at each step", async () => {
    fake = await startClean();
    fake.inject("http500", { path: "/cgi-bin/stable_token" });
    vi.useFakeTimers({ toFake: ["Date"] });
    let now = Date.now();
    vi.setSystemTime(now);
    await authority().getAccessToken();
    for (let i = 0; i < 6; i++) {
      const state = await runInDurableObject(authority(), (_, s) =>
        s.storage.get<RefreshState>("state:access_token"),
      );
      const alarm = await runInDurableObject(authority(), (_, s) => s.storage.getAlarm());
      expect(alarm).toBe(state!.nextAttemptAt);
      expect(state!.nextAttemptAt - now).toBeLessThanOrEqual(10_000);
      now = state!.nextAttemptAt;
      vi.setSystemTime(now);
      await runDurableObjectAlarm(authority());
    }
    expect(fake.tokenFetches()).toBe(7);
    const state = await runInDurableObject(authority(), (_, s) =>
      s.storage.get<RefreshState>("state:access_token"),
    );
    expect(state!.nextAttemptAt - now).toBe(10_000);
    expect(state!.recentFailures).toHaveLength(5);
    expect(state!.recentFailures.at(-1)!.reason).toMatch(/HTTP 500/);
  });

  it("a hanging endpoint times out and the caller gets a reason within 5 s", async () => {
    fake = await startClean();
    fake.inject("hang", { path: "/cgi-bin/stable_token" });
    const started = Date.now();
    const error = await api()
      .getApiDomainIp()
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error).toBeInstanceOf(TokenUnavailableError);
    expect((error as TokenUnavailableError).reason).toMatch(/timed out/);
    expect(fake.count("/cgi-bin/get_api_domain_ip")).toBe(0);
  });

  it("40164 names the egress IP and the way out", async () => {
    fake = await startClean({ ipWhitelist: ["198.51.100.1"], clientIp: "203.0.113.9" });
    const result = await authority().getAccessToken();
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.upstream?.errcode).toBe(40164);
    expect(result.upstream?.ip).toBe("203.0.113.9");
    expect(result.upstream?.hint).toMatch(/egress IP 203\.0\.113\.9 .*whitelist.*WECHAT_API_BASE/);
  });

  it("keeps serving a still-valid token while refreshes fail", async () => {
    fake = await startClean();
    const first = await authority().getAccessToken();
    await ageStoredToken(200_000);
    fake.inject("quota", { path: "/cgi-bin/stable_token" });
    const served = await Promise.all(Array.from({ length: 5 }, () => authority().getAccessToken()));
    expect(served.every((r) => r.ok && first.ok && r.lease.value === first.lease.value)).toBe(true);
    await vi.waitFor(() => expect(fake.tokenFetches()).toBe(2));
    const status = await authority().status();
    expect(status[0]!.recentFailures.at(-1)!.upstream?.errcode).toBe(45009);
  });
});

describe("jsapi_ticket", () => {
  it("is owned like the token: one getticket for many callers, served from KV after", async () => {
    fake = await startClean();
    const tickets = await Promise.all(
      Array.from({ length: 10 }, () => getJsapiTicket(env, config())),
    );
    expect(new Set(tickets).size).toBe(1);
    await getJsapiTicket(env, config());
    expect(fake.count("/cgi-bin/ticket/getticket")).toBe(1);
    expect(fake.tokenFetches()).toBe(1);
  });
});
