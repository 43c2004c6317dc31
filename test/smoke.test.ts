import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { expect, it } from "vitest";

it("runs in workerd", async () => {
  expect(typeof crypto.subtle.timingSafeEqual).toBe("function");
  expect(env.WECHAT_TOKEN).toBe("testtoken123");
  const res = await exports.default.fetch("http://x/");
  expect(await res.text()).toBe("ok");
});
