// The variables wechat-edge reads (WECHAT_TOKEN, WECHAT_APPID, ...), added to the Env that
// `npm run types` generates from wrangler.toml into worker-configuration.d.ts.
import type { WeChatEdgeVars } from "wechat-edge";

declare global {
  interface Env extends WeChatEdgeVars {}
  namespace Cloudflare {
    interface Env extends WeChatEdgeVars {}
  }
}
