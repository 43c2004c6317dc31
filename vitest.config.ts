import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { FAKE_COMPONENT } from "./dev/fake-wechat/endpoints/component-account.ts";
import { FAKE_APPID, FAKE_APPSECRET } from "./dev/fake-wechat/fake.ts";
import { WECHAT_ACCOUNTS } from "./test/accounts/accounts.ts";

// The Worker's test settings: the single account, as most tests use it.
const testBindings = {
  WECHAT_TOKEN: "testtoken123",
  // The fake WeChat API's test account (dev/fake-wechat/fake.ts): not a credential.
  WECHAT_APPID: FAKE_APPID,
  WECHAT_APPSECRET: FAKE_APPSECRET,
  WECHAT_ENCODING_AES_KEY: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
  // Most tests send both kinds of push; safe and plaintext mode have tests of their own.
  WECHAT_MESSAGE_MODE: "compatible",
  // Short upstream timeouts, so tests of a hanging WeChat do not sleep for seconds.
  WECHAT_API_TIMEOUT_MS: "400",
  // Answers go to the ledger soon instead of waiting to ride on the next push, so that a test
  // waiting for the request's background work does not wait seconds (test/dedupe/ledger-exchange
  // tests the riding itself).
  WECHAT_DEDUPE_RECORD_DELAY_MS: "50",
};

// Five projects: the Worker's tests run inside workerd with real KV, Durable Objects and
// WebCrypto, those of several accounts (test/accounts) and of the 第三方平台 (test/component) in
// a workerd of their own whose env lists them; the pure core's tests (test/wechat, which import no binding and no cloudflare:
// module) run on Node as well; end-to-end tests (test/e2e) run in Node, start the Worker with
// wrangler and drive a real headless browser, so they cannot live inside workerd.
export default defineConfig({
  test: {
    // Log lines of passing tests are noise; a failing test still shows its own.
    silent: "passed-only",
    // Most test files wait on timers (WeChat's 5-second deliveries, wrangler dev starting, a
    // browser) more than they use a core, so three at a time on a 2-core machine finish the suite
    // sooner than vitest's default of one fewer than the cores. End-to-end files still run one
    // at a time (their project turns file parallelism off).
    maxWorkers: 3,
    // In CI, also a machine-readable report, from which .ci/run prints the plain summary line.
    reporters: process.env.CI ? ["default", "json"] : ["default"],
    outputFile: { json: ".wrangler/test-results.json" },
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: { bindings: testBindings },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/**/*.test.ts"],
          exclude: ["test/e2e/**", "test/accounts/**", "test/component/**"],
        },
      },
      {
        // Several accounts in one Worker: the single test account plus WECHAT_ACCOUNTS, which the
        // Durable Objects (token authorities, QR issuers) read from their own env.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: { bindings: { ...testBindings, WECHAT_ACCOUNTS } },
          }),
        ],
        test: { name: "accounts", include: ["test/accounts/**/*.test.ts"] },
      },
      {
        // The 第三方平台 (test/component): the fake's component settings, which its Durable
        // Objects read from their own env; every other project runs with the component off.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                ...testBindings,
                WECHAT_COMPONENT_APPID: FAKE_COMPONENT.appid,
                WECHAT_COMPONENT_APPSECRET: FAKE_COMPONENT.appsecret,
                WECHAT_COMPONENT_TOKEN: FAKE_COMPONENT.token,
                WECHAT_COMPONENT_AES_KEY: FAKE_COMPONENT.encodingAESKey,
              },
            },
          }),
        ],
        test: { name: "component", include: ["test/component/**/*.test.ts"] },
      },
      {
        // On Node the core takes its portable paths (hex and base64 without native Uint8Array
        // methods, constant-time compare without crypto.subtle.timingSafeEqual).
        test: {
          name: "core-node",
          include: ["test/wechat/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // One wrangler dev and one browser at a time on a 2-core machine.
          fileParallelism: false,
        },
      },
    ],
  },
});
