/**
 * WECHAT_ACCOUNTS: several 公众号 configured directly, as one secret holding a JSON list.
 *
 * Each entry is `{ "appid", "token", "appsecret"?, "encodingAESKey"?, "encodingAESKeyPrevious"?,
 * "mode"? }` with the single-account variables' rules (WECHAT_APPID, WECHAT_TOKEN, ...), and the
 * account's callback is `/wechat/<appid>`. A malformed list stops every endpoint (503), like any
 * malformed variable: the reason names the entry and the field (`WECHAT_ACCOUNTS[2].token must
 * be ...`), never a value, and never the JSON parser's message (V8 quotes the text it choked on).
 *
 * Unknown fields are refused rather than ignored: a misspelt `appSecret` would otherwise leave an
 * account silently without its AppSecret. This module imports nothing of the config it feeds, so
 * that src/config.ts can import it without a cycle.
 */
import { isValidEncodingAESKey } from "./wechat/message-crypt";
import type { MessageMode } from "./wechat/push";

/** One entry of WECHAT_ACCOUNTS, validated, in the config's own names. */
export interface ListedAccount {
  appId: string;
  token: string;
  appSecret?: string;
  encodingAESKey?: string;
  encodingAESKeyPrevious?: string;
  messageMode: MessageMode;
}

export type AccountListResult =
  { ok: true; accounts: ListedAccount[] } | { ok: false; reason: string };

const NAME = "WECHAT_ACCOUNTS";
const FIELDS = ["appid", "token", "appsecret", "encodingAESKey", "encodingAESKeyPrevious", "mode"];
// The same rules as the single-account variables (src/config.ts).
const APPID = /^wx[0-9a-f]{16}$/;
const TOKEN = /^[A-Za-z0-9]{3,32}$/;
const APPSECRET = /^[0-9a-f]{32}$/i;
const MODE = /^(plaintext|compatible|safe)$/;

class EntryError extends Error {}

/**
 * Parses the value of WECHAT_ACCOUNTS (undefined or blank: no accounts). `singleAppId` is
 * WECHAT_APPID: an appid listed twice, or listed and also set there, is an error, since both
 * would own one token authority with possibly different secrets.
 */
export function parseAccountList(
  value: string | undefined,
  singleAppId: string | undefined,
): AccountListResult {
  if (value === undefined || value.trim() === "") return { ok: true, accounts: [] };
  let list: unknown;
  try {
    list = JSON.parse(value);
  } catch {
    return { ok: false, reason: `${NAME} must be a JSON list of accounts (it is not valid JSON)` };
  }
  if (!Array.isArray(list)) return { ok: false, reason: `${NAME} must be a JSON list of accounts` };
  const seen = new Map<string, number>();
  const accounts: ListedAccount[] = [];
  try {
    list.forEach((entry: unknown, index) => {
      const account = readEntry(entry, `${NAME}[${index}]`);
      const first = seen.get(account.appId);
      if (first !== undefined) {
        throw new EntryError(`${NAME}[${index}].appid repeats ${NAME}[${first}].appid`);
      }
      if (account.appId === singleAppId) {
        throw new EntryError(`${NAME}[${index}].appid repeats WECHAT_APPID`);
      }
      seen.set(account.appId, index);
      accounts.push(account);
    });
  } catch (error) {
    if (error instanceof EntryError) return { ok: false, reason: error.message };
    throw error;
  }
  return { ok: true, accounts };
}

function readEntry(entry: unknown, at: string): ListedAccount {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
    throw new EntryError(`${at} must be an object with appid and token`);
  }
  const fields = entry as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!FIELDS.includes(key)) {
      // The key is the operator's own text, not a secret, but it may be a value pasted in the
      // wrong place: name the allowed fields instead of echoing it.
      throw new EntryError(`${at} has a field that is not one of ${FIELDS.join(", ")}`);
    }
  }
  const text = (key: string, required: boolean, pattern: RegExp | undefined, rule: string) => {
    const value = fields[key];
    if (value === undefined || value === null) {
      if (required) throw new EntryError(`${at}.${key} is required`);
      return undefined;
    }
    if (typeof value !== "string" || (pattern ? !pattern.test(value) : false)) {
      throw new EntryError(`${at}.${key} must be ${rule}`);
    }
    return value;
  };
  const appId = text("appid", true, APPID, "wx followed by 16 lowercase hex digits")!;
  const token = text("token", true, TOKEN, "3–32 letters and digits")!;
  const appSecret = text("appsecret", false, APPSECRET, "32 hex digits");
  const encodingAESKey = aesKey(text("encodingAESKey", false, undefined, "a string"), at, "");
  const encodingAESKeyPrevious = aesKey(
    text("encodingAESKeyPrevious", false, undefined, "a string"),
    at,
    "Previous",
  );
  if (encodingAESKeyPrevious !== undefined && encodingAESKey === undefined) {
    throw new EntryError(`${at}.encodingAESKeyPrevious needs ${at}.encodingAESKey`);
  }
  const mode = text("mode", false, undefined, "plaintext, compatible or safe")?.toLowerCase();
  let messageMode: MessageMode;
  if (mode === undefined) {
    // WECHAT_MESSAGE_MODE's default: an account with a key refuses plaintext pushes.
    messageMode = encodingAESKey ? "safe" : "plaintext";
  } else {
    if (!MODE.test(mode)) throw new EntryError(`${at}.mode must be plaintext, compatible or safe`);
    messageMode = mode as MessageMode;
    if (messageMode !== "plaintext" && !encodingAESKey) {
      throw new EntryError(`${at}.mode ${messageMode} needs ${at}.encodingAESKey`);
    }
  }
  return {
    appId,
    token,
    ...(appSecret ? { appSecret } : {}),
    ...(encodingAESKey ? { encodingAESKey } : {}),
    ...(encodingAESKeyPrevious && encodingAESKeyPrevious !== encodingAESKey
      ? { encodingAESKeyPrevious }
      : {}),
    messageMode,
  };
}

function aesKey(value: string | undefined, at: string, suffix: "" | "Previous") {
  if (value !== undefined && !isValidEncodingAESKey(value)) {
    throw new EntryError(`${at}.encodingAESKey${suffix} must be 43 base64 characters`);
  }
  return value;
}
