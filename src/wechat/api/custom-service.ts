/**
 * Customer-service messages (客服消息): `POST /cgi-bin/message/custom/send` and the typing
 * indicator `POST /cgi-bin/message/custom/typing`.
 *
 * WeChat only lets an account write to a follower who interacted recently: 5 messages within
 * 48 h after the follower's message, 3 within 1 min after a menu click, follow or QR scan. The
 * refusals worth acting on (45015 outside the window, 45047 over quota, 48001 no permission) are
 * `CustomServiceRefusal`s with the fallback in `reason`, so a bot can switch to a template message.
 */
import type { CustomMessage } from "../custom-message";
import type { WeChatApiClient } from "./client";
import { WeChatApiError } from "./errors";

export type { CustomMessage } from "../custom-message";

export type CustomServiceRefusalKind = "outside_window" | "over_quota" | "no_permission";

const REFUSALS: Record<number, { kind: CustomServiceRefusalKind; reason: string }> = {
  45015: {
    kind: "outside_window",
    reason:
      "The follower has not written in the last 48 hours (or unfollowed): customer-service messages are refused; send a template message instead.",
  },
  45047: {
    kind: "over_quota",
    reason:
      "This follower's customer-service quota is used up (5 messages per 48 h after their message, 3 per minute after a click, follow or scan).",
  },
  48001: {
    kind: "no_permission",
    reason:
      "The account has no customer-service message permission (unverified subscription accounts do not): verify the account or reply passively.",
  },
};

/** WeChat refused a customer-service message for a reason a bot can act on. */
export class CustomServiceRefusal extends WeChatApiError {
  readonly kind: CustomServiceRefusalKind;
  readonly reason: string;

  constructor(cause: WeChatApiError) {
    super(cause.errcode, cause.errmsg, cause.path, { ...cause.body });
    const refusal = REFUSALS[cause.errcode]!;
    this.kind = refusal.kind;
    this.reason = refusal.reason;
  }
}

function refusalOf(error: unknown): unknown {
  return error instanceof WeChatApiError && REFUSALS[error.errcode]
    ? new CustomServiceRefusal(error)
    : error;
}

/**
 * Sends one customer-service message. Rejects with `CustomServiceRefusal` for 45015/45047/48001,
 * `WeChatApiError` for other errcodes (e.g. 40003 unknown openid, 45008 too many news articles).
 *
 * @example
 * await sendCustomMessage(client, { touser: openid, msgtype: "text", text: { content: "hi" } });
 */
export async function sendCustomMessage(
  client: WeChatApiClient,
  message: CustomMessage,
): Promise<void> {
  try {
    await client.post("/cgi-bin/message/custom/send", message);
  } catch (error) {
    throw refusalOf(error);
  }
}

/**
 * 客服输入状态: "Typing" shows "对方正在输入" for 15 s or until the next message. WeChat accepts it only
 * inside the customer-service window, so it fails like a message would.
 */
export async function setTyping(
  client: WeChatApiClient,
  touser: string,
  typing: boolean,
): Promise<void> {
  try {
    await client.post("/cgi-bin/message/custom/typing", {
      touser,
      command: typing ? "Typing" : "CancelTyping",
    });
  } catch (error) {
    throw refusalOf(error);
  }
}

const REQUIRED_FIELDS: Record<string, string[]> = {
  text: ["content"],
  image: ["media_id"],
  voice: ["media_id"],
  video: ["media_id"],
  music: ["thumb_media_id"],
  news: ["articles"],
  mpnews: ["media_id"],
  mpnewsarticle: ["article_id"],
  msgmenu: ["list"],
  wxcard: ["card_id"],
  miniprogrampage: ["appid", "pagepath", "thumb_media_id"],
};

/** A reason for a malformed message, or undefined. Checked by the admin endpoint before sending. */
export function customMessageProblem(message: unknown): string | undefined {
  if (typeof message !== "object" || message === null) return "the message must be a JSON object";
  const { touser, msgtype } = message as Record<string, unknown>;
  if (typeof touser !== "string" || touser === "")
    return "touser (the follower's openid) is required";
  if (typeof msgtype !== "string" || !(msgtype in REQUIRED_FIELDS)) {
    return `msgtype must be one of ${Object.keys(REQUIRED_FIELDS).join(", ")}`;
  }
  const body = (message as Record<string, unknown>)[msgtype];
  if (typeof body !== "object" || body === null) return `${msgtype} must be an object`;
  for (const field of REQUIRED_FIELDS[msgtype]!) {
    const value = (body as Record<string, unknown>)[field];
    const present =
      field === "articles" || field === "list"
        ? Array.isArray(value) && value.length > 0
        : typeof value === "string" && value !== "";
    if (!present) return `${msgtype}.${field} is required`;
  }
  if (msgtype === "news" && (body as { articles: unknown[] }).articles.length !== 1) {
    return "news carries exactly one article (WeChat answers 45008 for more)";
  }
  return undefined;
}
