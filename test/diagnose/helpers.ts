/** The Worker's app with the admin key, driven like an operator's tool, over a clean account. */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { parrot } from "../../demo/parrot";
import { forgetAccountPermissions } from "../../src/callback/slow-reply";
import { createApp } from "../../src/app";
import { forgetLearntPermissions } from "../../src/token/permission-learning";
import type { FakeWeChatOptions } from "../../dev/fake-wechat/fake";
import { authority, startClean } from "../token/helpers";

export const ADMIN_KEY = "admin-key-for-tests-0123456789abcdef";
const app = createApp(parrot);

export async function admin(
  method: string,
  path: string,
  options: { key?: string | null; body?: unknown } = {},
) {
  const ctx = createExecutionContext();
  const key = options.key === undefined ? ADMIN_KEY : options.key;
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const response = await app.fetch(
    new Request(`https://worker.test${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    }),
    { ...env, ADMIN_KEY },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text), headers: response.headers };
}

/** A fresh authority, KV and fake; what isolates learnt of the account is forgotten too. */
export async function cleanAccount(options: FakeWeChatOptions = {}) {
  forgetLearntPermissions();
  forgetAccountPermissions();
  return startClean(options);
}

export { authority };
