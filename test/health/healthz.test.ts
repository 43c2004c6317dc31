import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { parrot } from "../../demo/parrot";

const ADMIN_KEY = "health-admin-key-0123456789abcdef0123";
const withKey = { ...env, ADMIN_KEY };

function healthz(headers: HeadersInit = {}, bindings = withKey) {
  return createApp(parrot).fetch(new Request("https://worker.test/healthz", { headers }), bindings);
}

describe("GET /healthz", () => {
  it("tells a stranger only that the Worker is up and configured", async () => {
    const response = await exports.default.fetch("https://worker.test/healthz");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, configured: true });
  });

  it("gives the operator the detail, without any secret", async () => {
    const response = await healthz({ authorization: `Bearer ${ADMIN_KEY}` });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      ok: true,
      configured: {
        callback: true,
        message_mode: "compatible",
        encryption: true,
        previous_encryption_key: false,
        api: true,
        admin: true,
        proxy: false,
      },
      token_source: "stable",
    });
    for (const secret of [
      env.WECHAT_APPSECRET!,
      env.WECHAT_TOKEN!,
      env.WECHAT_ENCODING_AES_KEY!,
      ADMIN_KEY,
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it("refuses a wrong key with 401 and no detail", async () => {
    const response = await healthz({
      authorization: "Bearer wrong-key-0123456789abcdef0123456789",
      "cf-connecting-ip": "198.51.100.77",
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "unauthorized" });
  });

  it("answers 503 naming a malformed token setting", async () => {
    const app = createApp(parrot);
    for (const [name, value] of [
      ["WECHAT_TOKEN_SOURCE", "both"],
      ["WECHAT_TOKEN_REFRESH_MARGIN", "9999"],
      ["WECHAT_API_TIMEOUT_MS", "10"],
      ["WECHAT_PROXY_SECRET", "short"],
    ]) {
      const response = await app.fetch(new Request("https://worker.test/healthz"), {
        ...env,
        [name!]: value,
      });
      expect(response.status).toBe(503);
      const body = (await response.json()) as { error: string };
      expect(body.error.startsWith(name!)).toBe(true);
      expect(body.error).not.toContain(value!);
    }
  });
});
