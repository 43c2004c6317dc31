/**
 * Issue 18's scale rules, inside workerd: 1,000 authorisers registered against the fake (an
 * auth_code each, exchanged through api_query_auth as the callback does), used through
 * `authorizerTokenSource` in bursts of concurrent callers, over two token lifetimes of simulated
 * time. Each authoriser's token is fetched exactly once per lifetime, never twice at once, the
 * alarms are spread, and the cron touches no authoriser.
 *
 * The clock: the authorities read `Date.now()`, so the test fakes `Date` (vitest's fake timers,
 * Date only: the Durable Objects share the test isolate) and the fake WeChat follows the same
 * clock. Alarms are run in the order of their scheduled times with `runDurableObjectAlarm`, the
 * clock set to each one's time first, as the runtime's alarm scheduler would; nothing waits.
 */
import {
  createExecutionContext,
  createScheduledController,
  env,
  runDurableObjectAlarm,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { simulateAuthorization } from "../../dev/fake-wechat/endpoints/component";
import { installFakeWeChat, type InstalledFakeWeChat } from "../../dev/fake-wechat/install";
import worker from "../../demo/worker";
import { authorizerTokenSource, registerAuthorizationCode } from "../../src/component";
import { authorizerStub, pushTicket, startClean } from "./helpers";

const AUTHORIZER_TOKEN = "/cgi-bin/component/api_authorizer_token";
const COMPONENT_TOKEN = "/cgi-bin/component/api_component_token";
const AUTHORISERS = 1000;
/** WeChat's authorizer_access_token lifetime, the fake's default. */
const LIFETIME_MS = 7200_000;
/** Callers per authoriser in one burst, all at once. */
const BURST = 4;
/** How many authorisers are driven at once (bounds the test's concurrency, not the rule's). */
const BATCH = 100;

const appids = Array.from(
  { length: AUTHORISERS },
  (_, i) => `wx5ca1e${i.toString(16).padStart(11, "0")}`,
);

/** Who fetched what, watched at the fake's door: start and end of every api_authorizer_token. */
interface Watch {
  starts: Map<string, number>;
  inFlight: Map<string, number>;
  mostInFlight: number;
  restore(): void;
}

function watchAuthorizerTokenCalls(): Watch {
  const inner = globalThis.fetch;
  const watch: Watch = {
    starts: new Map(),
    inFlight: new Map(),
    mostInFlight: 0,
    restore: () => {
      if (globalThis.fetch === watching) globalThis.fetch = inner;
    },
  };
  const watching: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    if (!request.url.includes(AUTHORIZER_TOKEN)) return inner(request);
    const { authorizer_appid: appid } = await request.clone().json<{ authorizer_appid: string }>();
    watch.starts.set(appid, (watch.starts.get(appid) ?? 0) + 1);
    const now = (watch.inFlight.get(appid) ?? 0) + 1;
    watch.inFlight.set(appid, now);
    watch.mostInFlight = Math.max(watch.mostInFlight, now);
    try {
      return await inner(request);
    } finally {
      watch.inFlight.set(appid, watch.inFlight.get(appid)! - 1);
    }
  };
  globalThis.fetch = watching;
  return watch;
}

async function inBatches<T>(items: readonly T[], each: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += BATCH) {
    await Promise.all(items.slice(i, i + BATCH).map(each));
  }
}

/** `BURST` callers at once for one authoriser; every one gets the same token. */
async function burst(appid: string): Promise<void> {
  const source = authorizerTokenSource(env, appid);
  const tokens = await Promise.all(Array.from({ length: BURST }, () => source.accessToken()));
  if (new Set(tokens).size !== 1) throw new Error(`${appid}: callers got different tokens`);
}

function alarmOf(appid: string): Promise<number | null> {
  return runInDurableObject(authorizerStub(appid), (_, state) => state.storage.getAlarm());
}

let fake: InstalledFakeWeChat | undefined;
let watch: Watch | undefined;
afterEach(() => {
  watch?.restore();
  fake?.uninstall();
  vi.useRealTimers();
});

describe("1,000 authorisers over two token lifetimes", () => {
  it("each token is fetched exactly once per lifetime, never twice at once, alarms spread", async () => {
    const began = performance.now();
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const start = Date.now();
    (await startClean([])).uninstall();
    // The fake keeps the same (faked) clock as the authorities.
    fake = installFakeWeChat({ now: () => Date.now() });
    await pushTicket(fake);
    watch = watchAuthorizerTokenCalls();

    // Registration: what /component/callback and QUERY_AUTH_CODE do (api_query_auth, which
    // hands the first authorizer_access_token, and the component's registry).
    await inBatches(appids, async (appid) => {
      const { authCode } = simulateAuthorization(fake!, appid);
      const view = await registerAuthorizationCode(env, authCode);
      if (!view.active) throw new Error(`${appid} did not register`);
    });
    const registered = performance.now();
    expect(fake.count(AUTHORIZER_TOKEN)).toBe(0);

    // Alarms are set ahead of expiry and spread, not all in the same second.
    const alarms = new Map<string, number>();
    await inBatches(appids, async (appid) => {
      const at = await alarmOf(appid);
      if (at === null) throw new Error(`${appid} has no alarm`);
      alarms.set(appid, at);
    });
    const times = [...alarms.values()];
    expect(Math.max(...times)).toBeLessThan(start + LIFETIME_MS);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(5 * 60_000);
    const perSecond = new Map<number, number>();
    for (const at of times) {
      const second = Math.floor(at / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    }
    expect(Math.max(...perSecond.values())).toBeLessThan(AUTHORISERS / 20);

    for (const lifetime of [1, 2]) {
      // Every authoriser is in use during this lifetime.
      await inBatches(appids, burst);

      // Time passes: each alarm fires at its time. For half the authorisers, a burst of callers
      // arrives at that same moment (they are served the old token while one refresh runs).
      const due = [...alarms].sort((a, b) => a[1] - b[1]);
      let index = 0;
      for (const [appid, at] of due) {
        vi.setSystemTime(at);
        const alarm = runDurableObjectAlarm(authorizerStub(appid));
        const callers = index++ % 2 === 0 ? burst(appid) : Promise.resolve();
        const [ran] = await Promise.all([alarm, callers]);
        if (!ran) throw new Error(`${appid}: no alarm was set`);
      }
      for (const appid of appids) {
        expect(watch.starts.get(appid) ?? 0, appid).toBe(lifetime);
      }
      expect(fake.count(AUTHORIZER_TOKEN)).toBe(AUTHORISERS * lifetime);

      // The next lifetime's alarms are set from the new tokens.
      await inBatches(appids, async (appid) => {
        const at = await alarmOf(appid);
        if (at === null) throw new Error(`${appid} has no alarm after its refresh`);
        expect(at).toBeGreaterThan(alarms.get(appid)! + LIFETIME_MS / 2);
        alarms.set(appid, at);
      });
    }
    expect(watch.mostInFlight).toBe(1);
    expect(Date.now() - start).toBeGreaterThan(LIFETIME_MS);
    // The component_access_token is one object's, refreshed by its own rule (a few, not 1,000).
    expect(fake.count(COMPONENT_TOKEN)).toBeLessThanOrEqual(4);

    const seconds = (ms: number) => (ms / 1000).toFixed(1);
    console.log(
      `scale: ${AUTHORISERS} authorisers registered in ${seconds(registered - began)} s; ` +
        `two lifetimes simulated in ${seconds(performance.now() - registered)} s; ` +
        `${fake.count(AUTHORIZER_TOKEN)} api_authorizer_token, ${fake.count(COMPONENT_TOKEN)} api_component_token`,
    );
  }, 120_000);

  it("the cron does not touch any authoriser", async () => {
    fake = await startClean([]);
    await pushTicket(fake);
    const touched: string[] = [];
    const namespace = env.AUTHORIZER_AUTHORITY;
    const watched = new Proxy(namespace, {
      get(target, property) {
        touched.push(String(property));
        const value = Reflect.get(target, property) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const ctx = createExecutionContext();
    await worker.scheduled(
      createScheduledController({ cron: "*/5 * * * *" }),
      { ...env, AUTHORIZER_AUTHORITY: watched },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(touched).toEqual([]);
    expect(fake.count(AUTHORIZER_TOKEN)).toBe(0);
    // The cron's own work (the account's token watchdog) can take seconds on a busy machine.
  }, 30_000);
});
