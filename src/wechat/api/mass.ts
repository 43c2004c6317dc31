/**
 * Mass messages (群发): to everyone or a tag (`mass/sendall`), to a list of openids (`mass/send`,
 * 服务号), preview, status, delete and speed.
 *
 * `msg_id` and `msg_data_id` exceed 2^53 and stay strings. `clientmsgid` makes a send idempotent:
 * WeChat answers a repeat with 45065 and the msg_id of the first send, which `sendMass` turns
 * into a normal result marked `duplicate`, so a retried job never broadcasts twice. 45066 (the
 * same clientmsgid retried within a minute) and 45028 (no quota left) stay errors.
 */
import type { WeChatApiClient } from "./client";
import { WeChatApiError } from "./errors";

/** The content of a mass message, keyed by msgtype as WeChat expects it. */
export type MassContent =
  | { msgtype: "text"; text: { content: string } }
  | {
      msgtype: "image";
      images: {
        media_ids: string[];
        recommend?: string;
        need_open_comment?: 0 | 1;
        only_fans_can_comment?: 0 | 1;
      };
    }
  | { msgtype: "voice"; voice: { media_id: string } }
  /** mpnews media_id comes from a draft (草稿箱 /cgi-bin/draft/add). */
  | { msgtype: "mpnews"; mpnews: { media_id: string }; send_ignore_reprint?: 0 | 1 }
  | { msgtype: "mpvideo"; mpvideo: { media_id: string } }
  | { msgtype: "wxcard"; wxcard: { card_id: string } };

export type MassAudience =
  /** Everyone (the send enters the account's history list) or one tag. */
  | { filter: { is_to_all: true } | { is_to_all: false; tag_id: number } }
  /** 2 to 10,000 openids (服务号 only). */
  | { touser: string[] };

export type MassMessage = MassContent & MassAudience & { clientmsgid?: string };

export interface MassSendResult {
  msg_id: string;
  /** Only for mpnews/image sends: the article's data id for statistics. */
  msg_data_id?: string;
  /** True when WeChat recognised the clientmsgid (45065) and returned the earlier send's msg_id. */
  duplicate: boolean;
}

function idOf(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : String(value);
}

/** Sends a mass message to everyone, a tag, or an openid list (chosen by the audience's shape). */
export async function sendMass(
  client: WeChatApiClient,
  message: MassMessage,
): Promise<MassSendResult> {
  const path = "touser" in message ? "/cgi-bin/message/mass/send" : "/cgi-bin/message/mass/sendall";
  try {
    const body = await client.post<{ msg_id?: unknown; msg_data_id?: unknown }>(path, message);
    const msgDataId = idOf(body.msg_data_id);
    return {
      msg_id: String(body.msg_id),
      ...(msgDataId ? { msg_data_id: msgDataId } : {}),
      duplicate: false,
    };
  } catch (error) {
    // WeChat answers a clientmsgid it has seen in the last 24 h with 45065 and the first send's msg_id.
    const existing =
      error instanceof WeChatApiError && error.errcode === 45065
        ? idOf(error.body.msg_id)
        : undefined;
    if (existing) return { msg_id: existing, duplicate: true };
    throw error;
  }
}

/** `mass/preview`: to one follower by openid (`touser`) or WeChat ID (`towxname`); 100 a day. */
export async function previewMass(
  client: WeChatApiClient,
  message: MassContent & ({ touser: string } | { towxname: string }),
): Promise<{ msg_id?: string }> {
  const body = await client.post<{ msg_id?: unknown }>("/cgi-bin/message/mass/preview", message);
  const msgId = idOf(body.msg_id);
  return msgId ? { msg_id: msgId } : {};
}

/** `mass/get`: SEND_SUCCESS, SENDING, SEND_FAIL or DELETE. */
export async function getMassStatus(
  client: WeChatApiClient,
  msgId: string,
): Promise<{ msg_id: string; msg_status: string }> {
  const body = await client.post<{ msg_id?: unknown; msg_status: string }>(
    "/cgi-bin/message/mass/get",
    { msg_id: msgId },
  );
  return { msg_id: String(body.msg_id ?? msgId), msg_status: body.msg_status };
}

/**
 * `mass/delete`: deletes the article page of a sent mpnews/mpvideo (the chat bubble stays).
 * `articleIdx` 1-based; omitted or 0 deletes every article of the send.
 */
export async function deleteMass(
  client: WeChatApiClient,
  msgId: string,
  articleIdx?: number,
): Promise<void> {
  // msg_id goes as a JSON number in WeChat's examples; it exceeds 2^53, so it is sent as the exact
  // digits, which WeChat's parser accepts either way.
  await client.post("/cgi-bin/message/mass/delete", {
    msg_id: msgId,
    ...(articleIdx ? { article_idx: articleIdx } : {}),
  });
}

/** `mass/speed/get`: speed level 0 (fastest, 800k/min) to 4 (100k/min). */
export function getMassSpeed(
  client: WeChatApiClient,
): Promise<{ speed: number; realspeed: number }> {
  return client.post("/cgi-bin/message/mass/speed/get", {});
}

export async function setMassSpeed(
  client: WeChatApiClient,
  speed: 0 | 1 | 2 | 3 | 4,
): Promise<void> {
  await client.post("/cgi-bin/message/mass/speed/set", { speed });
}

/** A reason for a malformed mass message, or undefined. */
export function massMessageProblem(message: unknown): string | undefined {
  if (typeof message !== "object" || message === null) return "the message must be a JSON object";
  const m = message as Record<string, unknown>;
  const types = ["text", "image", "voice", "mpnews", "mpvideo", "wxcard"];
  if (typeof m.msgtype !== "string" || !types.includes(m.msgtype))
    return `msgtype must be one of ${types.join(", ")}`;
  const key = m.msgtype === "image" ? "images" : m.msgtype;
  if (typeof m[key] !== "object" || m[key] === null) return `${key} must be an object`;
  const hasFilter = typeof m.filter === "object" && m.filter !== null;
  const hasList = Array.isArray(m.touser);
  if (hasFilter === hasList) return "give either filter {is_to_all, tag_id} or touser [openids]";
  if (hasList) {
    const list = m.touser as unknown[];
    if (
      list.length < 2 ||
      list.length > 10000 ||
      !list.every((id) => typeof id === "string" && id !== "")
    ) {
      return "touser must list 2 to 10000 openids";
    }
  } else {
    const filter = m.filter as Record<string, unknown>;
    if (filter.is_to_all !== true && typeof filter.tag_id !== "number") {
      return "filter needs is_to_all: true or a numeric tag_id";
    }
  }
  if (
    m.clientmsgid !== undefined &&
    (typeof m.clientmsgid !== "string" || m.clientmsgid.length > 64)
  ) {
    return "clientmsgid must be a string of at most 64 characters";
  }
  return undefined;
}
