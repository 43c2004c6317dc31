import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { parrot } from "../../src/bot/parrot";

describe("GET /healthz", () => {
  it("says the Worker is up and what is configured, without any secret", async () => {
    const response = await exports.default.fetch("https://worker.test/healthz");
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      ok: true,
      configured: { callback: true, encryption: true, api: true, admin: false, proxy: false },
      token_source: "stable",
    });
    for (const secret of [env.WECHAT_APPSECRET!, env.WECHAT_TOKEN!, env.WECHAT_ENCODING_AES_KEY!]) {
      expect(text).not.toContain(secret);
    }
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
