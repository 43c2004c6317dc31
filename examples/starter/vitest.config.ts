import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// The tests run inside workerd with the bindings of wrangler.toml (local KV, Durable Objects and
// rate limiters) and the test account below in place of .dev.vars.
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          WECHAT_TOKEN: "startertoken1",
          WECHAT_APPID: "wx0123456789abcdef",
          // No WECHAT_ENCODING_AES_KEY: plaintext mode (明文模式), as a sandbox account uses.
        },
      },
    }),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    // The Worker's log lines (a refused signature, ...) are noise in a passing test.
    silent: "passed-only",
  },
});
