import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          WECHAT_TOKEN: "testtoken123",
          WECHAT_APPID: "wx0123456789abcdef",
          WECHAT_APPSECRET: "0123456789abcdef0123456789abcdef",
          WECHAT_ENCODING_AES_KEY: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        },
      },
    }),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    // Log lines of passing tests are noise; a failing test still shows its own.
    silent: "passed-only",
  },
});
