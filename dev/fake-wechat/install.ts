/**
 * Puts the fake behind `globalThis.fetch` for requests to its base URL, inside workerd tests
 * (Durable Objects share the test isolate, so their fetches reach it too). Other URLs go to the
 * real fetch.
 *
 * @example
 * const fake = installFakeWeChat();
 * afterEach(() => fake.uninstall());
 * expect(fake.tokenFetches()).toBe(1);
 */
import { FakeWeChat, type FakeWeChatOptions } from "./fake.ts";

export interface InstalledFakeWeChat extends FakeWeChat {
  /** Restores the previous `globalThis.fetch`. */
  uninstall(): void;
}

export function installFakeWeChat(
  options: FakeWeChatOptions & { base?: string } = {},
): InstalledFakeWeChat {
  const base = (options.base ?? "https://api.weixin.qq.com").replace(/\/+$/, "");
  const fake = new FakeWeChat(options) as InstalledFakeWeChat;
  const original = globalThis.fetch;
  const stub: typeof fetch = (input, init) => {
    const request = new Request(input, init);
    if (
      request.url === base ||
      request.url.startsWith(`${base}/`) ||
      request.url.startsWith(`${base}?`)
    ) {
      return fake.fetch(request);
    }
    return original(input, init);
  };
  globalThis.fetch = stub;
  fake.uninstall = () => {
    if (globalThis.fetch === stub) globalThis.fetch = original;
  };
  return fake;
}
