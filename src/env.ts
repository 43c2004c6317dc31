/**
 * The Worker's bindings and variables. Every variable is optional at the type level: a missing
 * or malformed one is reported by `loadConfig` as a 503 naming it, not as a crash.
 */
export interface Env {
  /** 令牌 Token from the MP console: 3–32 letters and digits. Required. */
  WECHAT_TOKEN?: string;
  /** AppID: `wx` + 16 hex digits. */
  WECHAT_APPID?: string;
  /** AppSecret: 32 hex digits. */
  WECHAT_APPSECRET?: string;
  /** EncodingAESKey (消息加解密密钥): 43 base64 characters; needed for encrypted pushes. */
  WECHAT_ENCODING_AES_KEY?: string;
  /** Base URL of WeChat's API (or a fake, or a fixed-IP proxy). Default https://api.weixin.qq.com. */
  WECHAT_API_BASE?: string;
  /** Bearer key for /admin endpoints; unset → they answer 404. */
  ADMIN_KEY?: string;
  /** The account's own web origins, comma-separated. */
  ALLOWED_ORIGINS?: string;
  /** Accepted clock skew for push timestamps, in seconds (default 300). */
  WECHAT_TIMESTAMP_TOLERANCE?: string;
  /** Milliseconds from a push's arrival within which a handler's reply is sent passively (default 4000). */
  WECHAT_REPLY_BUDGET_MS?: string;
  /** "off" disables retry deduplication and the replayed-signature check (default on). */
  WECHAT_DEDUPE?: string;
  PUSH_LEDGER: DurableObjectNamespace<import("./dedupe/push-ledger").PushLedger>;
}

type WorkerEnv = Env;

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {}
    interface GlobalProps {
      mainModule: typeof import("./index");
    }
  }
}
