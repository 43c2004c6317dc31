/**
 * The admin key as a guessing target: its length rule, its rotation, and the brake on wrong
 * keys. /healthz takes the key too and needs no upstream, so it stands in for every surface;
 * /admin/* goes through the same check (src/http/admin-caller.ts).
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { parrot } from "../../demo/parrot";
import type { Env } from "../../src/env";
import { countingApp, verificationQuery } from "../fixtures/worker";

const app = createApp(parrot);
const KEY_A = "rotation-key-a-0123456789abcdef0123";
const KEY_B = "rotation-key-b-0123456789abcdef0123";

let addresses = 0;
const freshAddress = () => `203.0.113.${++addresses}`;

async function call(path: string, bindings: Env, key?: string, ip = freshAddress()) {
  const ctx = createExecutionContext();
  const headers: Record<string, string> = { "cf-connecting-ip": ip };
  if (key !== undefined) headers.authorization = `Bearer ${key}`;
  const response = await app.fetch(
    new Request(`https://worker.test${path}`, { headers }),
    bindings,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: response.status, text: await response.text(), headers: response.headers };
}

describe("ADMIN_KEY must resist guessing", () => {
  it.each([
    "short-key",
    "k".repeat(31),
    `${KEY_A},short`,
    `${KEY_A},${KEY_B},${KEY_A}`,
    `${KEY_A},`,
  ])("%j disables the admin surfaces with 503 naming ADMIN_KEY, never the value", async (value) => {
    const bindings = { ...env, ADMIN_KEY: value };
    for (const path of ["/admin/token", "/admin/check", "/qr/stats"]) {
      const answer = await call(path, bindings, value);
      expect(answer.status, path).toBe(503);
      expect(JSON.parse(answer.text).error).toMatch(/^ADMIN_KEY must/);
      expect(answer.text).not.toContain("short");
      expect(answer.text).not.toContain("k".repeat(31));
    }
    expect((await call("/healthz", bindings, value)).status).toBe(503);
    expect((await call("/healthz", bindings)).status).toBe(200);
  });

  it("a short key leaves the callback working", async () => {
    const { fetch } = countingApp();
    const res = await fetch(
      `/wechat?${await verificationQuery("still up")}`,
      {},
      {
        ADMIN_KEY: "short-key",
      },
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("still up");
  });

  it("32 characters of anything is enough; surrounding white space is not part of the key", async () => {
    const key = "ä ö ü!\"#$%&'()*+-./:;<=>?@[]^_{|}";
    expect(key.length).toBeGreaterThanOrEqual(32);
    const bindings = { ...env, ADMIN_KEY: `  ${key}\n` };
    expect((await call("/healthz", bindings, "x".repeat(40))).status).toBe(401);
  });
});

describe("rotating ADMIN_KEY", () => {
  it("accepts either of two comma-separated keys, and neither after it is removed", async () => {
    const both = { ...env, ADMIN_KEY: `${KEY_A}, ${KEY_B}` };
    for (const key of [KEY_A, KEY_B]) {
      const answer = await call("/healthz", both, key);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text).configured.admin).toBe(true);
    }
    expect((await call("/healthz", both, `${KEY_A},${KEY_B}`)).status).toBe(401);
    const onlyB = { ...env, ADMIN_KEY: KEY_B };
    expect((await call("/healthz", onlyB, KEY_A)).status).toBe(401);
    expect((await call("/healthz", onlyB, KEY_B)).status).toBe(200);
  });
});

describe("wrong keys are braked per client", () => {
  it("after 30 wrong keys a minute the client gets 429, even with the right key", async () => {
    const bindings = { ...env, ADMIN_KEY: KEY_A };
    const ip = freshAddress();
    const statuses: number[] = [];
    for (let i = 0; i < 40 && statuses.at(-1) !== 429; i++) {
      const answer = await call(
        "/admin/token",
        bindings,
        `wrong-${i}-0123456789abcdef0123456789`,
        ip,
      );
      statuses.push(answer.status);
    }
    expect(statuses.slice(0, 30).every((status) => status === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    const right = await call("/healthz", bindings, KEY_A, ip);
    expect(right.status).toBe(429);
    expect(Number(right.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await call("/healthz", bindings, KEY_A)).status).toBe(200);
    // A stranger without a key from that address still gets the public answer.
    expect((await call("/healthz", bindings, undefined, ip)).status).toBe(200);
  });
});
