/**
 * `/__fake/*` controls for the messaging and OAuth areas (see control.ts for the others):
 *
 * GET  /__fake/outbox?since=<seq>           → { messages: [...], last_seq } sent by the account
 * GET  /__fake/account                      → { customer_service }
 * POST /__fake/account {customer_service}    → false: custom/send and custom/typing answer 48001,
 *                                              as to an unverified subscription account
 * POST /__fake/interaction {openid, kind?}   → the follower wrote (kind message|click|follow|scan):
 *                                              opens the customer-service window
 * POST /__fake/oauth-user {openid, nickname?, headimgurl?, unionid?}
 *                                            → who the authorize page signs in
 * GET|POST /__fake/subscription              → a follower's subscription-notice acceptances
 *                                              (endpoints/subscribe.ts)
 */
import type { FakeWeChat } from "./fake.ts";
import { jsonAnswer } from "./endpoints/types.ts";
import { subscriptionControl } from "./endpoints/subscribe.ts";
import {
  INTERACTION_ALLOWANCE,
  outboxSince,
  platformState,
  recordInteraction,
  type InteractionKind,
} from "./platform-state.ts";

/** The answer for a platform control, or undefined when `action` is not one of them. */
export async function platformControl(
  fake: FakeWeChat,
  request: Request,
  action: string,
): Promise<Response | undefined> {
  const url = new URL(request.url);
  if (request.method === "GET" && action === "outbox") {
    const since = Number(url.searchParams.get("since") ?? 0);
    if (!Number.isInteger(since) || since < 0)
      return jsonAnswer({ error: "since must be a sequence number" }, 400);
    const messages = outboxSince(fake, since);
    return jsonAnswer({ messages, last_seq: platformState(fake).seq });
  }
  if (action === "subscription") return subscriptionControl(fake, request);
  if (request.method === "GET" && action === "account") {
    return jsonAnswer({ customer_service: platformState(fake).customerService });
  }
  if (request.method !== "POST") return undefined;
  if (action === "account") {
    const body = (await request.json().catch(() => ({}))) as { customer_service?: unknown };
    if (typeof body.customer_service !== "boolean")
      return jsonAnswer({ error: "customer_service (true or false) is required" }, 400);
    platformState(fake).customerService = body.customer_service;
    return jsonAnswer({ ok: true, customer_service: body.customer_service });
  }
  if (action === "interaction") {
    const body = (await request.json().catch(() => ({}))) as { openid?: unknown; kind?: unknown };
    const kind = (body.kind ?? "message") as InteractionKind;
    if (typeof body.openid !== "string" || body.openid === "" || !(kind in INTERACTION_ALLOWANCE)) {
      return jsonAnswer({ error: "openid and kind (message|click|follow|scan) are required" }, 400);
    }
    recordInteraction(fake, body.openid, kind);
    return jsonAnswer({ ok: true });
  }
  if (action === "oauth-user") {
    const body = (await request.json().catch(() => ({}))) as Record<string, unknown>;
    if (typeof body.openid !== "string" || body.openid === "")
      return jsonAnswer({ error: "openid is required" }, 400);
    const user = platformState(fake).oauthUser;
    user.openid = body.openid;
    if (typeof body.nickname === "string") user.nickname = body.nickname;
    if (typeof body.headimgurl === "string") user.headimgurl = body.headimgurl;
    if (typeof body.unionid === "string") user.unionid = body.unionid;
    return jsonAnswer({ ok: true, oauth_user: user });
  }
  return undefined;
}
