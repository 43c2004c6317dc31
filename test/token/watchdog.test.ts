import {
  createExecutionContext,
  createScheduledController,
  env,
  waitOnExecutionContext,
} from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { InstalledFakeWeChat } from "../../dev/fake-wechat/install";
import worker from "../../demo/worker";
import { ageStoredToken, authority, startClean } from "./helpers";

let fake: InstalledFakeWeChat;
afterEach(() => fake?.uninstall());

async function cron(schedule = "*/5 * * * *") {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: schedule }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe("the cron watchdog", () => {
  it("makes sure a token exists when no traffic asked for one", async () => {
    fake = await startClean();
    await cron();
    expect(fake.tokenFetches()).toBe(1);
    const status = await authority().status();
    expect(status[0]!.source).toBe("stable");
  });

  it("leaves a fresh token alone, whatever the cron string", async () => {
    fake = await startClean();
    await authority().getAccessToken();
    await cron();
    await cron("0 * * * *");
    expect(fake.tokenFetches()).toBe(1);
  });

  it("refreshes a token the rule says is due, even when the alarm did not", async () => {
    fake = await startClean();
    const first = await authority().getAccessToken();
    fake.advance(7100);
    await ageStoredToken(250_000);
    await cron();
    expect(fake.tokenFetches()).toBe(2);
    const second = await authority().getAccessToken();
    expect(first.ok && second.ok && first.lease.value !== second.lease.value).toBe(true);
  });

  it("keeps a jsapi_ticket fresh once one was asked for", async () => {
    fake = await startClean();
    await authority().getJsapiTicket();
    await ageStoredToken(100_000, "jsapi_ticket");
    await cron();
    expect(fake.count("/cgi-bin/ticket/getticket")).toBe(2);
    expect(fake.tokenFetches()).toBe(1);
  });
});
