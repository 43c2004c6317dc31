/**
 * Development credentials for the offline playground: made up locally on first run, kept in an
 * untracked file (.wrangler/ is gitignored) so that tokens, KV and Durable Object state stay
 * valid across runs. They only ever meet the simulator; no real account is involved.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

export interface PlaygroundCredentials {
  /** 令牌 Token: 3–32 letters and digits. */
  token: string;
  /** AppID: wx + 16 hex digits. */
  appId: string;
  /** AppSecret: 32 hex digits. */
  appSecret: string;
  /** EncodingAESKey: 43 base64 characters (a 32-byte AES key without its trailing "="). */
  encodingAESKey: string;
  /** The account's original id (原始ID), the ToUserName of every push. */
  originalId: string;
  /** The one follower the playground plays. */
  openid: string;
  adminKey: string;
  /** Key of the Worker's signed OAuth session cookie. */
  sessionSecret: string;
  /** The fake model's API key (LLM_API_KEY), for the demo assistant bot. */
  llmApiKey: string;
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function alphanumeric(length: number): string {
  // 62 does not divide 256; rejecting bytes above 247 keeps every character equally likely.
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHANUMERIC[byte % 62];
    }
  }
  return out;
}

export function generateCredentials(): PlaygroundCredentials {
  return {
    token: alphanumeric(32),
    appId: `wx${randomBytes(8).toString("hex")}`,
    appSecret: randomBytes(16).toString("hex"),
    // Base64 of 32 bytes is 44 characters ending in "="; WeChat's key is the first 43.
    encodingAESKey: randomBytes(32).toString("base64").slice(0, 43),
    originalId: `gh_${randomBytes(6).toString("hex")}`,
    // Real OpenIDs are 28 characters of [A-Za-z0-9_-], starting with "o".
    openid: `o${alphanumeric(27)}`,
    adminKey: alphanumeric(40),
    sessionSecret: alphanumeric(48),
    llmApiKey: newLlmApiKey(),
  };
}

function newLlmApiKey(): string {
  return `sk-local-${alphanumeric(40)}`;
}

function isComplete(value: unknown): value is Omit<PlaygroundCredentials, "llmApiKey"> {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.token === "string" &&
    /^[A-Za-z0-9]{3,32}$/.test(v.token) &&
    typeof v.appId === "string" &&
    /^wx[0-9a-f]{16}$/.test(v.appId) &&
    typeof v.appSecret === "string" &&
    /^[0-9a-f]{32}$/.test(v.appSecret) &&
    typeof v.encodingAESKey === "string" &&
    /^[A-Za-z0-9+/]{43}$/.test(v.encodingAESKey) &&
    typeof v.originalId === "string" &&
    typeof v.openid === "string" &&
    typeof v.adminKey === "string" &&
    typeof v.sessionSecret === "string"
  );
}

/**
 * Reads the credentials file, or creates it (mode 0600) when it is missing or unusable. A file
 * from before the fake model gains an LLM key and keeps the rest, so the account stays the same.
 */
export async function loadOrCreateCredentials(file: string): Promise<PlaygroundCredentials> {
  let stored: unknown;
  try {
    stored = JSON.parse(await readFile(file, "utf8"));
  } catch {
    // Missing or unreadable: make new ones below.
  }
  if (isComplete(stored)) {
    const llmApiKey = (stored as { llmApiKey?: unknown }).llmApiKey;
    if (typeof llmApiKey === "string" && llmApiKey !== "") return { ...stored, llmApiKey };
    return save(file, { ...stored, llmApiKey: newLlmApiKey() });
  }
  return save(file, generateCredentials());
}

async function save(file: string, credentials: PlaygroundCredentials) {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  return credentials;
}
