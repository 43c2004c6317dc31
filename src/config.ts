/**
 * Reads and validates the Worker's variables once per env object.
 *
 * A malformed variable makes every endpoint answer 503 with a one-line reason naming it (the
 * only 5xx the Worker produces on purpose); a missing optional one only fails the endpoints that
 * need it (see `missingAccountSetting`). Reasons never include a variable's value.
 */
import { parseAccountList, type ListedAccount } from "./config-accounts";
import type { Env } from "./env";
import { isValidEncodingAESKey } from "./wechat/message-crypt";
import { DEFAULT_OPEN_BASE } from "./wechat/oauth";
import type { AccessTokenSource } from "./wechat/api/client";
import type { MessageMode } from "./wechat/push";
import { DEFAULT_MP_BASE } from "./wechat/qrcode";

export interface WeChatConfig {
  /**
   * 令牌 Token: always set in an account's view; in the Worker-wide config, unset only when
   * WECHAT_ACCOUNTS lists the accounts and no single account is configured at `/wechat`.
   */
  token?: string;
  appId?: string;
  appSecret?: string;
  encodingAESKey?: string;
  /** The key before the last rotation: tried when the current one cannot open a push. */
  encodingAESKeyPrevious?: string;
  /** Which pushes the callback accepts: safe refuses plaintext ones. */
  messageMode: MessageMode;
  /**
   * The receive-id inside the account's encrypted pushes and replies, when it is not `appId`: a
   * 第三方平台 authoriser's pushes are encrypted for the component appid (消息加解密说明).
   */
  receiveId?: string;
  /**
   * Where the account's access_token comes from, when not its own AppSecret through its
   * TokenAuthority: an authoriser's authorizer_access_token (set by src/accounts).
   */
  accessTokens?: AccessTokenSource;
  /**
   * Where the account fields above come from: "single" (WECHAT_TOKEN, WECHAT_APPID, ...: the
   * Worker-wide config is the single account's view), "listed" (an entry of WECHAT_ACCOUNTS) or
   * "authorizer" (a 第三方平台 authoriser, resolved at run time by src/accounts).
   */
  accountSource: AccountSource;
  /** WECHAT_ACCOUNTS as account views, by appid; empty in a listed account's own view. */
  accounts: ReadonlyMap<string, AccountView>;
  /** Without a trailing slash; may carry a path prefix (a proxy). */
  apiBase: string;
  /** Host of /cgi-bin/showqrcode (QR images), without a trailing slash. */
  mpBase: string;
  /**
   * The admin keys (one, or two during a rotation). Present only when every key meets the length
   * rule; otherwise `adminKeyProblem` says why and the admin surfaces answer 503.
   */
  adminKeys?: readonly string[];
  /** Why ADMIN_KEY is set but unusable (one line, never the value). */
  adminKeyProblem?: string;
  /** New temporary QR scenes a day per account (/qr without the admin key). */
  qrNewScenesPerDay: number;
  /** What a slow handler's push gets at the reply budget (see WECHAT_SLOW_REPLY). */
  slowReply: SlowReplyStrategy;
  /** The passive text at the last delivery when the reply is not ready and customer service is refused. */
  slowPlaceholder: string;
  /** Ends a text part when more parts are owed to the follower. */
  continueHint: string;
  conversationTtlDays: number;
  /** Normalised origins (scheme://host[:port]); "*" may appear, and is honoured for CORS only. */
  allowedOrigins: string[];
  timestampToleranceSeconds: number;
  /** Passive-reply budget in ms, counted from the push's arrival; WeChat gives up at 5000. */
  replyBudgetMs: number;
  dedupe: boolean;
  /** How long an answered push's record waits to ride on the ledger's next call, in ms. */
  dedupeRecordDelayMs: number;
  /** Where the access_token comes from: stable_token (default) or the classic /cgi-bin/token. */
  tokenSource: "stable" | "classic";
  /** A token or ticket is refreshed when fewer than this many seconds of its life remain. */
  tokenRefreshMarginSeconds: number;
  /** Timeout of each upstream WeChat API call, in ms. */
  apiTimeoutMs: number;
  /** Sent as X-WeChat-Proxy-Secret with every upstream request (a fixed-IP proxy checks it). */
  proxySecret?: string;
  /** Host of WeChat's OAuth authorize page (never derived from apiBase), without a trailing slash. */
  openBase: string;
  /** Key material for the signed OAuth session cookie; derived from appSecret when unset. */
  sessionSecret?: string;
  /** The code of WeChat's domain-verification file MP_verify_<code>.txt. */
  mpVerify?: string;
}

export type SlowReplyStrategy = "auto" | "retries" | "customer-service";

export type AccountSource = "single" | "listed" | "authorizer";

/**
 * One 公众号's view of the configuration: the Worker-wide settings with that account's `token`,
 * `appId`, `appSecret`, `encodingAESKey`, `encodingAESKeyPrevious` and `messageMode`. Whatever
 * keys by `config.appId` (the token authority, the ledger partition, conversation memory, QR
 * tickets and stats) then follows the account. Get one from `configuredAccount` or
 * `requireAccount` (src/http/require-account.ts), never by editing a config by hand.
 */
export type AccountView = WeChatConfig & { token: string; appId: string };

type ConfigResult = { ok: true; config: WeChatConfig } | { ok: false; reason: string };

const DEFAULT_API_BASE = "https://api.weixin.qq.com";
const DEFAULT_TIMESTAMP_TOLERANCE_SECONDS = 300;
// WeChat drops the connection at 5 s; a second of margin covers the trip back to its servers.
const DEFAULT_REPLY_BUDGET_MS = 4000;
const MAX_REPLY_BUDGET_MS = 4900;
// WeChat's own rule for stable_token: it rotates the token 5 minutes before expiry.
const DEFAULT_TOKEN_REFRESH_MARGIN_SECONDS = 300;
const DEFAULT_API_TIMEOUT_MS = 4000;
// An answer is given within a second of its push's arrival when it goes unclaimed; WeChat
// re-sends 5 s after sending. The record must be in the ledger before then, with margin.
const DEFAULT_DEDUPE_RECORD_DELAY_MS = 2000;
const MAX_DEDUPE_RECORD_DELAY_MS = 3000;
const DEFAULT_QR_NEW_SCENES_PER_DAY = 1000;
/** An admin key is a bearer secret on a public URL: long enough that guessing is hopeless. */
const MIN_ADMIN_KEY_LENGTH = 32;

function setting(env: Env, name: keyof Env): string | undefined {
  const value = env[name];
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

class ConfigError extends Error {}

function check(value: string | undefined, pattern: RegExp, name: string, rule: string) {
  if (value !== undefined && !pattern.test(value)) throw new ConfigError(`${name} must be ${rule}`);
  return value;
}

/** A whole-number setting within [min, max], or the default when unset. */
function wholeNumber(
  env: Env,
  name: keyof Env,
  { min, max, fallback, unit }: { min: number; max: number; fallback: number; unit: string },
): number {
  const value = setting(env, name);
  if (value === undefined) return fallback;
  const number = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!(number >= min && number <= max)) {
    throw new ConfigError(`${name} must be a whole number of ${unit} from ${min} to ${max}`);
  }
  return number;
}

const DEFAULT_SLOW_PLACEHOLDER = "正在思考，请稍后回复任意文字获取答案";
const DEFAULT_CONTINUE_HINT = "（未完，回复任意文字继续）";
/** Both must fit a passive text with room to spare (WeChat cuts Content at 2048 bytes). */
const MAX_NOTICE_BYTES = 512;

function parseSlowReply(env: Env): SlowReplyStrategy {
  const strategy = setting(env, "WECHAT_SLOW_REPLY")?.toLowerCase() ?? "auto";
  check(
    strategy,
    /^(auto|retries|customer-service)$/,
    "WECHAT_SLOW_REPLY",
    "auto, retries or customer-service",
  );
  for (const name of ["WECHAT_SLOW_PLACEHOLDER", "WECHAT_CONTINUE_HINT"] as const) {
    const value = setting(env, name);
    if (value !== undefined && new TextEncoder().encode(value).length > MAX_NOTICE_BYTES) {
      throw new ConfigError(`${name} must be at most ${MAX_NOTICE_BYTES} bytes`);
    }
  }
  return strategy as SlowReplyStrategy;
}

function parseMessageMode(env: Env, encodingAESKey: string | undefined): MessageMode {
  const mode = setting(env, "WECHAT_MESSAGE_MODE")?.toLowerCase();
  if (mode === undefined) return encodingAESKey ? "safe" : "plaintext";
  check(
    mode,
    /^(plaintext|compatible|safe)$/,
    "WECHAT_MESSAGE_MODE",
    "plaintext, compatible or safe",
  );
  if (mode !== "plaintext" && !encodingAESKey) {
    throw new ConfigError(`WECHAT_MESSAGE_MODE=${mode} needs WECHAT_ENCODING_AES_KEY`);
  }
  return mode as MessageMode;
}

/**
 * ADMIN_KEY: one key, or two separated by a comma while rotating. A key too short to resist
 * guessing disables the admin surfaces (503 naming ADMIN_KEY) instead of the whole Worker, so a
 * weak key never stops the callback.
 */
function parseAdminKeys(env: Env): Pick<WeChatConfig, "adminKeys" | "adminKeyProblem"> {
  const value = setting(env, "ADMIN_KEY");
  if (value === undefined) return {};
  const keys = value.split(",").map((key) => key.trim());
  if (keys.length > 2 || keys.some((key) => key === "")) {
    return {
      adminKeyProblem: "ADMIN_KEY must be one key, or two separated by a comma while rotating",
    };
  }
  if (keys.some((key) => key.length < MIN_ADMIN_KEY_LENGTH)) {
    return {
      adminKeyProblem: `ADMIN_KEY must be at least ${MIN_ADMIN_KEY_LENGTH} characters (each key, when two are set)`,
    };
  }
  return { adminKeys: keys };
}

function parseBaseUrl(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} must be an http:// or https:// URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`${name} must be an http:// or https:// URL`);
  }
  if (url.search || url.hash) throw new ConfigError(`${name} must not carry a query or fragment`);
  // fetch() would silently drop them; a proxy is authenticated with WECHAT_PROXY_SECRET instead.
  if (url.username || url.password) throw new ConfigError(`${name} must not carry credentials`);
  return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}

function parseOrigins(value: string | undefined, name: string): string[] {
  if (value === undefined) return [];
  return value
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "")
    .map((entry) => {
      if (entry === "*") return entry;
      try {
        const url = new URL(entry);
        if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error();
        return url.origin;
      } catch {
        throw new ConfigError(`${name} must be comma-separated http(s) origins`);
      }
    });
}

function parseConfig(env: Env): WeChatConfig {
  const token = setting(env, "WECHAT_TOKEN");
  const accountList = setting(env, "WECHAT_ACCOUNTS");
  // With WECHAT_ACCOUNTS the single account at /wechat is optional; without it, required.
  if (token === undefined && accountList === undefined) {
    throw new ConfigError("WECHAT_TOKEN is not set");
  }
  check(token, /^[A-Za-z0-9]{3,32}$/, "WECHAT_TOKEN", "3-32 letters and digits");
  const appId = check(
    setting(env, "WECHAT_APPID"),
    // Case matters: the appid is compared byte for byte with the one inside every encrypted push.
    /^wx[0-9a-f]{16}$/,
    "WECHAT_APPID",
    "wx followed by 16 lowercase hex digits",
  );
  const appSecret = check(
    setting(env, "WECHAT_APPSECRET"),
    /^[0-9a-f]{32}$/i,
    "WECHAT_APPSECRET",
    "32 hex digits",
  );
  const encodingAESKey = setting(env, "WECHAT_ENCODING_AES_KEY");
  if (encodingAESKey !== undefined && !isValidEncodingAESKey(encodingAESKey)) {
    throw new ConfigError("WECHAT_ENCODING_AES_KEY must be 43 base64 characters");
  }
  const encodingAESKeyPrevious = setting(env, "WECHAT_ENCODING_AES_KEY_PREVIOUS");
  if (encodingAESKeyPrevious !== undefined) {
    if (!isValidEncodingAESKey(encodingAESKeyPrevious)) {
      throw new ConfigError("WECHAT_ENCODING_AES_KEY_PREVIOUS must be 43 base64 characters");
    }
    if (encodingAESKey === undefined) {
      throw new ConfigError("WECHAT_ENCODING_AES_KEY_PREVIOUS needs WECHAT_ENCODING_AES_KEY");
    }
  }
  const messageMode = parseMessageMode(env, encodingAESKey);
  const listed = parseAccountList(accountList, appId);
  if (!listed.ok) throw new ConfigError(listed.reason);
  if (token === undefined && listed.accounts.length === 0) {
    throw new ConfigError("WECHAT_TOKEN is not set");
  }
  const apiBaseSetting = setting(env, "WECHAT_API_BASE");
  const mpBaseSetting = setting(env, "WECHAT_MP_BASE");
  const apiBase = apiBaseSetting
    ? parseBaseUrl(apiBaseSetting, "WECHAT_API_BASE")
    : DEFAULT_API_BASE;
  const timestampToleranceSeconds = wholeNumber(env, "WECHAT_TIMESTAMP_TOLERANCE", {
    min: 1,
    max: 9_999_999,
    fallback: DEFAULT_TIMESTAMP_TOLERANCE_SECONDS,
    unit: "seconds",
  });
  const replyBudgetMs = wholeNumber(env, "WECHAT_REPLY_BUDGET_MS", {
    min: 1,
    max: MAX_REPLY_BUDGET_MS,
    fallback: DEFAULT_REPLY_BUDGET_MS,
    unit: "milliseconds",
  });
  const dedupeSetting = setting(env, "WECHAT_DEDUPE")?.toLowerCase();
  check(dedupeSetting, /^(on|off)$/, "WECHAT_DEDUPE", "on or off");
  const tokenSource = setting(env, "WECHAT_TOKEN_SOURCE")?.toLowerCase() ?? "stable";
  check(tokenSource, /^(stable|classic)$/, "WECHAT_TOKEN_SOURCE", "stable or classic");
  const tokenRefreshMarginSeconds = wholeNumber(env, "WECHAT_TOKEN_REFRESH_MARGIN", {
    min: 1,
    max: 3600,
    fallback: DEFAULT_TOKEN_REFRESH_MARGIN_SECONDS,
    unit: "seconds",
  });
  const apiTimeoutMs = wholeNumber(env, "WECHAT_API_TIMEOUT_MS", {
    min: 50,
    max: 30_000,
    fallback: DEFAULT_API_TIMEOUT_MS,
    unit: "milliseconds",
  });
  // It travels as an HTTP header value: visible ASCII only, and long enough not to be guessed.
  const proxySecret = check(
    setting(env, "WECHAT_PROXY_SECRET"),
    /^[\x21-\x7e]{16,256}$/,
    "WECHAT_PROXY_SECRET",
    "16-256 visible ASCII characters without spaces",
  );
  const openBaseSetting = setting(env, "WECHAT_OPEN_BASE");
  const sessionSecret = check(
    setting(env, "SESSION_SECRET"),
    /^[\x21-\x7e]{32,256}$/,
    "SESSION_SECRET",
    "32-256 visible ASCII characters without spaces",
  );
  // Accept the code or the whole file name WeChat offers for download (MP_verify_<code>.txt).
  const mpVerify = check(
    setting(env, "MP_VERIFY")
      ?.replace(/^MP_verify_/, "")
      .replace(/\.txt$/, ""),
    /^[A-Za-z0-9]{1,64}$/,
    "MP_VERIFY",
    "the letters and digits of MP_verify_<code>.txt",
  );
  const config: WeChatConfig = {
    ...(token ? { token } : {}),
    ...(appId ? { appId } : {}),
    ...(appSecret ? { appSecret } : {}),
    ...(encodingAESKey ? { encodingAESKey } : {}),
    ...(encodingAESKeyPrevious && encodingAESKeyPrevious !== encodingAESKey
      ? { encodingAESKeyPrevious }
      : {}),
    messageMode,
    accountSource: "single",
    accounts: new Map(),
    apiBase,
    mpBase: mpBaseSetting ? parseBaseUrl(mpBaseSetting, "WECHAT_MP_BASE") : DEFAULT_MP_BASE,
    ...parseAdminKeys(env),
    slowReply: parseSlowReply(env),
    slowPlaceholder: setting(env, "WECHAT_SLOW_PLACEHOLDER") ?? DEFAULT_SLOW_PLACEHOLDER,
    continueHint: setting(env, "WECHAT_CONTINUE_HINT") ?? DEFAULT_CONTINUE_HINT,
    conversationTtlDays: wholeNumber(env, "WECHAT_CONVERSATION_TTL_DAYS", {
      min: 1,
      max: 3650,
      fallback: 30,
      unit: "days",
    }),
    qrNewScenesPerDay: wholeNumber(env, "QR_NEW_SCENES_PER_DAY", {
      min: 0,
      max: 1_000_000,
      fallback: DEFAULT_QR_NEW_SCENES_PER_DAY,
      unit: "scenes",
    }),
    allowedOrigins: parseOrigins(setting(env, "ALLOWED_ORIGINS"), "ALLOWED_ORIGINS"),
    timestampToleranceSeconds,
    replyBudgetMs,
    dedupe: dedupeSetting !== "off",
    dedupeRecordDelayMs: wholeNumber(env, "WECHAT_DEDUPE_RECORD_DELAY_MS", {
      min: 0,
      max: MAX_DEDUPE_RECORD_DELAY_MS,
      fallback: DEFAULT_DEDUPE_RECORD_DELAY_MS,
      unit: "milliseconds",
    }),
    tokenSource: tokenSource as WeChatConfig["tokenSource"],
    tokenRefreshMarginSeconds,
    apiTimeoutMs,
    ...(proxySecret ? { proxySecret } : {}),
    openBase: openBaseSetting
      ? parseBaseUrl(openBaseSetting, "WECHAT_OPEN_BASE")
      : DEFAULT_OPEN_BASE,
    ...(sessionSecret ? { sessionSecret } : {}),
    ...(mpVerify ? { mpVerify } : {}),
  };
  if (listed.accounts.length > 0) {
    config.accounts = new Map(
      listed.accounts.map((account) => [account.appId, listedView(config, account)]),
    );
  }
  return config;
}

/**
 * A listed account's view: its own account fields over the Worker-wide settings, and none of the
 * single account's (a view built this way cannot fall back on another account's key or secret).
 */
function listedView(config: WeChatConfig, account: ListedAccount): AccountView {
  const {
    token: _token,
    appId: _appId,
    appSecret: _appSecret,
    encodingAESKey: _key,
    encodingAESKeyPrevious: _previous,
    ...shared
  } = config;
  return { ...shared, ...account, accountSource: "listed", accounts: new Map() };
}

// The env object is stable for an isolate's life; validating once keeps the hot path lean.
const cache = new WeakMap<object, ConfigResult>();

export function loadConfig(env: Env): ConfigResult {
  let result = cache.get(env);
  if (!result) {
    try {
      result = { ok: true, config: parseConfig(env) };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      result = { ok: false, reason: error.message };
    }
    cache.set(env, result);
  }
  return result;
}

/** A configuration that can call WeChat's API: the account's AppID and AppSecret are set. */
export type AccountConfig = WeChatConfig & { appId: string; appSecret: string };

/**
 * Why `config` (an account's view) cannot call WeChat's API: the first of WECHAT_APPID and
 * WECHAT_APPSECRET that is not set, or undefined when both are (src/http/require-account.ts
 * answers it). A listed account is named by its appid, which its caller already gave.
 */
export function missingAccountSetting(config: WeChatConfig): string | undefined {
  // An authoriser has no AppSecret here: its token comes from the 第三方平台 (`accessTokens`).
  if (config.accountSource === "authorizer") return undefined;
  if (config.accountSource === "listed") {
    return config.appSecret === undefined
      ? `WECHAT_ACCOUNTS: the account ${config.appId} has no appsecret`
      : undefined;
  }
  if (config.appId === undefined) return "WECHAT_APPID is not set";
  if (config.appSecret === undefined) return "WECHAT_APPSECRET is not set";
  return undefined;
}

/**
 * The configured account with this appid, as its view: the single account when `appid` is
 * WECHAT_APPID, else the WECHAT_ACCOUNTS entry; undefined for any other appid. Synchronous and
 * cheap (a map lookup): the callback asks it for every push to `/wechat/<appid>`.
 */
export function configuredAccount(config: WeChatConfig, appid: string): WeChatConfig | undefined {
  if (config.accountSource === "single" && appid === config.appId) return config;
  return config.accounts.get(appid);
}

export type DefaultAccount = { ok: true; config: WeChatConfig } | { ok: false; reason: string };

/**
 * The account a request means when it names none: the single account when its variables are set
 * or nothing is listed (exactly as before WECHAT_ACCOUNTS), else the one listed account; with
 * several listed and no single WECHAT_APPID the request must name one.
 */
export function defaultAccount(config: WeChatConfig): DefaultAccount {
  if (config.accounts.size === 0 || config.appId !== undefined) return { ok: true, config };
  if (config.accounts.size === 1) {
    const [only] = config.accounts.values();
    return { ok: true, config: only! };
  }
  return { ok: false, reason: "several accounts are configured: add ?appid=" };
}
