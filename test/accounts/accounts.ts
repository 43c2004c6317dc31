/**
 * The accounts of the `accounts` test project (vitest.config.ts): three 公众号 in WECHAT_ACCOUNTS
 * beside the single test account, each with settings of its own. Test values, not credentials;
 * plain data, so that the config (on Node) and the tests (in workerd) share them.
 */
export const SAFE = {
  appid: "wx1000000000000001",
  token: "safeAccountToken1",
  appsecret: "11111111111111111111111111111111",
  encodingAESKey: "SafeAccountKey0123456789abcdefghijklmnopqrs",
  mode: "safe",
} as const;

export const PLAIN = {
  appid: "wx2000000000000002",
  token: "plainAccountToken2",
  appsecret: "22222222222222222222222222222222",
} as const;

export const COMPATIBLE = {
  appid: "wx3000000000000003",
  token: "compatibleToken3",
  appsecret: "33333333333333333333333333333333",
  encodingAESKey: "CompatibleKey0123456789abcdefghijklmnopqrst",
  mode: "compatible",
} as const;

export const LISTED = [SAFE, PLAIN, COMPATIBLE] as const;

/** The value of WECHAT_ACCOUNTS in the `accounts` project. */
export const WECHAT_ACCOUNTS = JSON.stringify(LISTED);
