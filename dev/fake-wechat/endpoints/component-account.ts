/**
 * The fake's 第三方平台: its appid, appsecret, 消息校验Token and 消息加解密Key, as a test env sets
 * them in WECHAT_COMPONENT_* (vitest.config.ts). Not credentials: nothing but the fake knows them.
 * A file of its own, without imports, so the vitest config can read it.
 */
export const FAKE_COMPONENT = {
  appid: "wx00c0ffee00c0ffee",
  // A visible pattern in the shape WeChat uses (32 hex digits), not a secret of anyone's.
  appsecret: "c0ffee00".repeat(4),
  token: "componenttoken1",
  encodingAESKey: "ComponentAesKey0123456789abcdefghijklmnopqr",
} as const;
