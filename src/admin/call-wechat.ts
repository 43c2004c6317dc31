/**
 * The two steps every admin route that calls WeChat takes: read a bounded JSON body, then run
 * the call with the account's API client. Bad input (a body that is not JSON, or one our checks
 * refuse before the call) is 400 with the one-line reason; WeChat's refusals and an unreachable
 * WeChat go through apiErrorResponse (502/503 with errcode and hint).
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { apiErrorResponse } from "../http/api-error-response";
import { readBoundedText } from "../http/read-body";
import { createApiClient } from "../token";
import type { WeChatApiClient } from "../wechat/api/client";
import { ApiInputError } from "../wechat/api/input-error";
import { MediaFileError } from "../wechat/api/media";
import { MenuInvalidError } from "../wechat/api/menu";
import { adminAccount, type AdminAccount } from "./admin-account";

// A draft holds up to 8 articles of under 1 MB each, plus JSON's own overhead.
const MAX_JSON_BYTES = 8 * 1024 * 1024 + 256 * 1024;

type JsonBody = { ok: true; value: unknown } | { ok: false; response: Response };

/** The request's JSON body, or the 4xx to answer (413 past `limit`: by default the largest draft). */
export async function jsonBody(c: Context<AppEnv>, limit = MAX_JSON_BYTES): Promise<JsonBody> {
  const read = await readBoundedText(c.req.raw, limit);
  if (!read.ok) return { ok: false, response: c.json({ error: read.reason }, read.status) };
  try {
    return { ok: true, value: JSON.parse(read.text) };
  } catch {
    return { ok: false, response: c.json({ error: "the body must be JSON" }, 400) };
  }
}

/**
 * Runs `call` with the account's API client and answers its result as JSON (`{ ok: true }` when
 * it returns nothing). The account comes from adminAccount (a configured account, 503 naming a
 * missing setting, or a 第三方平台 authoriser).
 */
export async function withClient(
  c: Context<AppEnv>,
  call: (client: WeChatApiClient, account: AdminAccount) => Promise<unknown>,
): Promise<Response> {
  const account = await adminAccount(c);
  if (!account.ok) return account.response;
  try {
    const result = await call(createApiClient(c.env, account.config), account.config);
    return c.json(result ?? { ok: true });
  } catch (error) {
    if (error instanceof ApiInputError) return c.json({ error: error.problem }, 400);
    if (error instanceof MediaFileError) return c.json({ error: error.message }, 400);
    if (error instanceof MenuInvalidError) {
      return c.json({ error: "the menu breaks WeChat's rules", problems: error.problems }, 400);
    }
    return apiErrorResponse(error);
  }
}

/** A record's field, for bodies read as unknown JSON. */
export function field(body: unknown, name: string): unknown {
  return typeof body === "object" && body !== null
    ? (body as Record<string, unknown>)[name]
    : undefined;
}
