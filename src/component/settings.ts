/**
 * The 第三方平台 (open platform component) settings, read with src/config.ts's rules: a
 * malformed one answers 503 naming the variable, never its value.
 *
 * The component surface exists only when WECHAT_COMPONENT_APPID is set: without it every
 * /component path is 404 and no binding is needed, so a Worker for one 公众号 is unaffected.
 * Once it is set, the secrets are required: the surface answers 503 naming the first one unset.
 */
import type { Env } from "../env";
import { isValidEncodingAESKey } from "../wechat/message-crypt";

export interface ComponentSettings {
  /** 第三方平台 appid (wx + 16 hex digits). */
  componentAppId: string;
  /** 第三方平台 appsecret. */
  componentAppSecret: string;
  /** 消息校验Token: signs pushes to the 授权事件接收URL and to /wechat/<authorizer appid>. */
  token: string;
  /** 消息加解密Key (43 base64 characters): every component push is encrypted with it. */
  encodingAESKey: string;
  /** Base URL of WeChat's API for the component calls, without a trailing slash. */
  apiBase: string;
}

export type ComponentSettingsResult =
  | { kind: "off" }
  | { kind: "invalid"; reason: string }
  | { kind: "on"; settings: ComponentSettings };

const DEFAULT_API_BASE = "https://api.weixin.qq.com";

function setting(env: Env, name: keyof Env): string | undefined {
  const value = env[name];
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

function required(env: Env, name: keyof Env, pattern: RegExp, rule: string): string {
  const value = setting(env, name);
  if (value === undefined) throw new SettingError(`${name} is not set`);
  if (!pattern.test(value)) throw new SettingError(`${name} must be ${rule}`);
  return value;
}

class SettingError extends Error {}

function parseApiBase(value: string | undefined): string {
  if (value === undefined) return DEFAULT_API_BASE;
  const reason =
    "WECHAT_COMPONENT_API_BASE must be an http:// or https:// URL without query, fragment or credentials";
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SettingError(reason);
  }
  if (!/^https?:$/.test(url.protocol) || url.search || url.hash || url.username || url.password) {
    throw new SettingError(reason);
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}

function parse(env: Env): ComponentSettingsResult {
  const appIdSetting = setting(env, "WECHAT_COMPONENT_APPID");
  if (appIdSetting === undefined) return { kind: "off" };
  try {
    const componentAppId = required(
      env,
      "WECHAT_COMPONENT_APPID",
      // Compared byte for byte with the AppId inside every encrypted component push.
      /^wx[0-9a-f]{16}$/,
      "wx followed by 16 lowercase hex digits",
    );
    const componentAppSecret = required(
      env,
      "WECHAT_COMPONENT_APPSECRET",
      /^[0-9a-f]{32}$/i,
      "32 hex digits",
    );
    const token = required(
      env,
      "WECHAT_COMPONENT_TOKEN",
      /^[A-Za-z0-9]{3,32}$/,
      "3-32 letters and digits",
    );
    const encodingAESKey = required(
      env,
      "WECHAT_COMPONENT_AES_KEY",
      /^[A-Za-z0-9+/]{43}$/,
      "43 base64 characters",
    );
    if (!isValidEncodingAESKey(encodingAESKey)) {
      throw new SettingError("WECHAT_COMPONENT_AES_KEY must be 43 base64 characters");
    }
    const apiBase = parseApiBase(setting(env, "WECHAT_COMPONENT_API_BASE"));
    return {
      kind: "on",
      settings: { componentAppId, componentAppSecret, token, encodingAESKey, apiBase },
    };
  } catch (error) {
    if (error instanceof SettingError) return { kind: "invalid", reason: error.message };
    throw error;
  }
}

// The env object is stable for an isolate's life, as in src/config.ts.
const cache = new WeakMap<object, ComponentSettingsResult>();

/** The component settings of `env`: off (no WECHAT_COMPONENT_APPID), invalid, or on. */
export function loadComponentSettings(env: Env): ComponentSettingsResult {
  let result = cache.get(env);
  if (!result) {
    result = parse(env);
    cache.set(env, result);
  }
  return result;
}

/** Why the component cannot work: its appid is unset, or the setting that is malformed. */
export function settingsReason(settings: Exclude<ComponentSettingsResult, { kind: "on" }>): string {
  return settings.kind === "off" ? "WECHAT_COMPONENT_APPID is not set" : settings.reason;
}
