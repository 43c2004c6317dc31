/**
 * The playground's switches besides the encryption mode: which demo bot the Worker runs
 * (WECHAT_DEMO_BOT), whether the follower chats with one account or with two accounts that
 * authorised a 第三方平台 (WECHAT_COMPONENT_*), which kind of account WeChat plays (whether
 * customer-service messages are allowed), and how slow the fake model is. The page changes them
 * through the simulator's API.
 */

/** The Worker's demo bot: the tutorial parrot, or the assistant on the fake model. */
export type DemoBot = "parrot" | "assistant";

/**
 * What WeChat lets the account do. A verified service account (已认证服务号) may send
 * customer-service messages; an unverified subscription account (未认证订阅号) gets 48001.
 */
export type AccountType = "verified-service" | "unverified-subscription";

/**
 * "single": the Worker is one 公众号 (WECHAT_APPID) and WeChat pushes to /wechat. "component":
 * the Worker is also a 第三方平台 that two demo accounts authorised; WeChat pushes each one's
 * messages to /wechat/<its appid>, sealed with the component's token and key.
 */
export type Platform = "single" | "component";

export interface PlaygroundSettings {
  bot: DemoBot;
  platform: Platform;
  accountType: AccountType;
  /** How long the fake model takes to answer. */
  llmDelayMs: number;
}

export const BOTS: DemoBot[] = ["parrot", "assistant"];
export const PLATFORMS: Platform[] = ["single", "component"];
export const ACCOUNT_TYPES: AccountType[] = ["verified-service", "unverified-subscription"];
/** The page's choices: within one delivery, within two, on the third, past all three. */
export const LLM_DELAYS_MS = [1000, 8000, 12_000, 20_000];
const MAX_LLM_DELAY_MS = 60_000;

/**
 * 12 s: past the first two deliveries' 4-second budgets (0–4 s, 5–9 s), ready during the third
 * (10–14 s), so the answer goes out as its passive reply.
 */
export const DEFAULT_SETTINGS: PlaygroundSettings = {
  bot: "parrot",
  platform: "single",
  accountType: "verified-service",
  llmDelayMs: 12_000,
};

/** Validates a change posted by the page; a string is the reason it was refused. */
export function parseSettingsChange(body: unknown): Partial<PlaygroundSettings> | string {
  if (typeof body !== "object" || body === null) return "expected a JSON object";
  const { bot, platform, accountType, llmDelayMs } = body as Record<string, unknown>;
  const change: Partial<PlaygroundSettings> = {};
  if (bot !== undefined) {
    if (!BOTS.includes(bot as DemoBot)) return `bot must be one of ${BOTS.join(", ")}`;
    change.bot = bot as DemoBot;
  }
  if (platform !== undefined) {
    if (!PLATFORMS.includes(platform as Platform))
      return `platform must be one of ${PLATFORMS.join(", ")}`;
    change.platform = platform as Platform;
  }
  if (accountType !== undefined) {
    if (!ACCOUNT_TYPES.includes(accountType as AccountType)) {
      return `accountType must be one of ${ACCOUNT_TYPES.join(", ")}`;
    }
    change.accountType = accountType as AccountType;
  }
  if (llmDelayMs !== undefined) {
    if (
      typeof llmDelayMs !== "number" ||
      !Number.isInteger(llmDelayMs) ||
      llmDelayMs < 0 ||
      llmDelayMs > MAX_LLM_DELAY_MS
    ) {
      return `llmDelayMs must be a whole number of ms from 0 to ${MAX_LLM_DELAY_MS}`;
    }
    change.llmDelayMs = llmDelayMs;
  }
  if (Object.keys(change).length === 0)
    return "nothing to change: give bot, platform, accountType or llmDelayMs";
  return change;
}
