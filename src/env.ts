/**
 * The bindings and variables the library reads: a user's own `Env` (from `wrangler types`)
 * extends or matches it. Every variable is optional at the type level: a missing or malformed
 * one is reported by `loadConfig` as a 503 naming it, not as a crash; a missing binding answers
 * 503 naming it on the surfaces that need it (src/bindings.ts).
 *
 * Durable Object namespaces are typed without their class here, so that this module imports
 * nothing: each one's typed stub comes from the one accessor that reaches it (for example
 * `tokenAuthority` in src/token/authority-client.ts). The library declares no globals.
 */
export interface WeChatEdgeVars {
  /**
   * 令牌 Token from the MP console: 3–32 letters and digits. Required, unless WECHAT_ACCOUNTS
   * lists the accounts (then it configures an optional single account at `/wechat`).
   */
  WECHAT_TOKEN?: string;
  /** AppID: `wx` + 16 hex digits. */
  WECHAT_APPID?: string;
  /** AppSecret: 32 hex digits. */
  WECHAT_APPSECRET?: string;
  /** EncodingAESKey (消息加解密密钥): 43 base64 characters; needed for encrypted pushes. */
  WECHAT_ENCODING_AES_KEY?: string;
  /** The EncodingAESKey before a rotation, tried when the current one cannot open a push. */
  WECHAT_ENCODING_AES_KEY_PREVIOUS?: string;
  /**
   * 消息加解密方式: plaintext, compatible or safe. Default: safe when WECHAT_ENCODING_AES_KEY is
   * set (plaintext pushes refused), plaintext otherwise.
   */
  WECHAT_MESSAGE_MODE?: string;
  /**
   * Several 公众号 in one Worker (a secret): a JSON list of
   * `{ "appid", "token", "appsecret"?, "encodingAESKey"?, "encodingAESKeyPrevious"?, "mode"? }`,
   * each field under the rule of its single-account variable (`mode` as WECHAT_MESSAGE_MODE).
   * Each account's callback is `/wechat/<appid>`; admin and visitor endpoints take `?appid=`.
   * A malformed list answers 503 naming the entry and field. See docs/many-accounts.md.
   */
  WECHAT_ACCOUNTS?: string;
  /** Base URL of WeChat's API (or a fake, or a fixed-IP proxy). Default https://api.weixin.qq.com. */
  WECHAT_API_BASE?: string;
  /** Base URL of showqrcode's host (the image in /qr answers). Default https://mp.weixin.qq.com. */
  WECHAT_MP_BASE?: string;
  /**
   * Bearer key for /admin endpoints (32+ characters; two separated by a comma while rotating);
   * unset → they answer 404, too short → 503.
   */
  ADMIN_KEY?: string;
  /**
   * What a handler still working at the reply budget gets: `auto` (default: customer service
   * until WeChat answers 48001, then holding through WeChat's retries), `retries` (always hold),
   * `customer-service` (never hold).
   */
  WECHAT_SLOW_REPLY?: string;
  /** The passive text at the last delivery when the reply is still not ready and customer service is refused. */
  WECHAT_SLOW_PLACEHOLDER?: string;
  /** Ends a text part when more parts are owed to the follower. */
  WECHAT_CONTINUE_HINT?: string;
  /** Days a follower's conversation memory is kept after its last write (default 30). */
  WECHAT_CONVERSATION_TTL_DAYS?: string;
  /** New temporary QR scenes a day per account for /qr without the admin key (default 1000). */
  QR_NEW_SCENES_PER_DAY?: string;
  /** The account's own web origins, comma-separated. */
  ALLOWED_ORIGINS?: string;
  /** Accepted clock skew for push timestamps, in seconds (default 300). */
  WECHAT_TIMESTAMP_TOLERANCE?: string;
  /** Milliseconds from a push's arrival within which a handler's reply is sent passively (default 4000). */
  WECHAT_REPLY_BUDGET_MS?: string;
  /** "off" disables retry deduplication and the replayed-signature check (default on). */
  WECHAT_DEDUPE?: string;
  /** "stable" (default: POST /cgi-bin/stable_token) or "classic" (GET /cgi-bin/token); never both. */
  WECHAT_TOKEN_SOURCE?: string;
  /** Refresh the access_token and jsapi_ticket when fewer than this many seconds remain (default 300). */
  WECHAT_TOKEN_REFRESH_MARGIN?: string;
  /** How long an answered push's record waits to ride on the ledger's next call, in ms (default 2000, 0-3000). */
  WECHAT_DEDUPE_RECORD_DELAY_MS?: string;
  /** Timeout of each upstream WeChat API call in ms (default 4000). */
  WECHAT_API_TIMEOUT_MS?: string;
  /** When set, sent as X-WeChat-Proxy-Secret to the fixed-IP proxy in WECHAT_API_BASE. */
  WECHAT_PROXY_SECRET?: string;
  /** Host of WeChat's OAuth authorize page. Default https://open.weixin.qq.com; never follows WECHAT_API_BASE. */
  WECHAT_OPEN_BASE?: string;
  /** Key of the signed OAuth session cookie (32+ characters); derived from WECHAT_APPSECRET when unset. */
  SESSION_SECRET?: string;
  /** The code of the domain-verification file MP_verify_<code>.txt that WeChat asks for. */
  MP_VERIFY?: string;
  /** 第三方平台 appid; unset → the /component surface does not exist (docs/component.md). */
  WECHAT_COMPONENT_APPID?: string;
  /** 第三方平台 appsecret (secret). */
  WECHAT_COMPONENT_APPSECRET?: string;
  /** 第三方平台 消息校验Token (secret): signs its pushes and its authorisers' pushes. */
  WECHAT_COMPONENT_TOKEN?: string;
  /** 第三方平台 消息加解密Key, 43 base64 characters (secret). */
  WECHAT_COMPONENT_AES_KEY?: string;
  /** Base URL of WeChat's API for component calls. Default https://api.weixin.qq.com. */
  WECHAT_COMPONENT_API_BASE?: string;
}

/**
 * A Durable Object namespace of whichever class: a user's generated Env types each one with the
 * class it re-exports, and the library's accessors give the stub its type.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any class, by design
type AnyDurableObjectNamespace = DurableObjectNamespace<any>;

/** The bindings the library uses (wrangler.toml); which surface needs which: src/bindings.ts. */
export interface WeChatEdgeBindings {
  /** Hot read cache of the access_token and jsapi_ticket (never used for locking). */
  TOKEN_CACHE: KVNamespace;
  /** One TokenAuthority per appid: the single writer of the access_token and jsapi_ticket. */
  TOKEN_AUTHORITY: AnyDurableObjectNamespace;
  /** The callback's strongly consistent memory: retries, replayed signatures, kept replies. */
  PUSH_LEDGER: AnyDurableObjectNamespace;
  /** One QrTicketIssuer per (appid, kind, scene): creates each QR ticket once (src/qr/ticket-issuer.ts). */
  QR_TICKET_ISSUER: AnyDurableObjectNamespace;
  /** One QrScanStats per appid: per-scene scans, follows, unfollows (src/qr/scan-stats.ts). */
  QR_SCAN_STATS: AnyDurableObjectNamespace;
  /** Per-visitor limit on /qr (Workers Rate Limiting, configured in wrangler.toml). */
  QR_RATE_LIMITER: RateLimit;
  /**
   * Per-client limit on failed signature checks and wrong admin keys (Workers Rate Limiting,
   * configured in wrangler.toml): past it, 429 instead of a verdict.
   */
  AUTH_FAILURE_LIMITER: RateLimit;
  /** One ConversationMemory per follower (`ctx.conversation`); needed only by bots that use it. */
  CONVERSATION_MEMORY?: AnyDurableObjectNamespace;
  /** The 第三方平台's one ComponentAuthority (ticket, component_access_token, authorisers); only with WECHAT_COMPONENT_APPID. */
  COMPONENT_AUTHORITY?: AnyDurableObjectNamespace;
  /** One AuthorizerAuthority per authorised 公众号 (its authorizer_access_token); only with WECHAT_COMPONENT_APPID. */
  AUTHORIZER_AUTHORITY?: AnyDurableObjectNamespace;
}

/** Everything the library reads from a Worker's env. */
export interface WeChatEdgeEnv extends WeChatEdgeVars, WeChatEdgeBindings {}

/** The library's env under its short name, for its own modules. */
export type Env = WeChatEdgeEnv;
