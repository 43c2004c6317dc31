/**
 * Template messages (模板消息, 服务号 only): `POST /cgi-bin/message/template/send` and the private
 * template list.
 *
 * The answer's `msgid` can exceed 2^53 (co-wechat-api #89); the client's JSON parser keeps it as a
 * string, and so does this module, so it matches the `MsgID` of the TEMPLATESENDJOBFINISH push
 * that reports delivery.
 *
 * The 2023 rules (关于规范公众号模板消息的公告, from 2023-03-30: the remark field no longer shown and
 * custom colours drawn in the default colour; its 再次公告 later in 2023 took `first` out too):
 * templates lost their `first` and `remark` fields and every colour. WeChat still accepts a send that carries them and
 * silently drops them, so the follower never sees what the sender wrote there. `sendTemplateMessage`
 * refuses such a send before it leaves (`ApiInputError` naming the field), so the loss is noticed
 * when the code is written, not after a follower complains.
 */
import type { WeChatApiClient } from "./client";
import { refuse } from "./input-error";

export interface TemplateMessage {
  touser: string;
  template_id: string;
  /** Opened on tap; ignored when `miniprogram` is set (the mini program wins). */
  url?: string;
  miniprogram?: { appid: string; pagepath?: string };
  /** 防重入id: WeChat sends one message per openid + client_msg_id (documented for 10 minutes). */
  client_msg_id?: string;
  /** keyword → value (`thing1`, `time2`, … as the template names them); no colours since 2023. */
  data: Record<string, { value: string }>;
}

/**
 * Sends a template message; resolves with WeChat's msgid as an exact decimal string. Throws
 * `ApiInputError` before any call when the message is malformed or breaks the 2023 rules.
 */
export async function sendTemplateMessage(
  client: WeChatApiClient,
  message: TemplateMessage,
): Promise<{ msgid: string }> {
  refuse(templateMessageProblem(message));
  const body = await client.post<{ msgid?: unknown }>("/cgi-bin/message/template/send", message);
  return { msgid: String(body.msgid) };
}

export interface PrivateTemplate {
  template_id: string;
  title: string;
  primary_industry?: string;
  deputy_industry?: string;
  content: string;
  example: string;
}

/** `GET /cgi-bin/template/get_all_private_template`: the account's templates (up to 25 in use). */
export async function listPrivateTemplates(client: WeChatApiClient): Promise<PrivateTemplate[]> {
  const body = await client.get<{ template_list?: PrivateTemplate[] }>(
    "/cgi-bin/template/get_all_private_template",
  );
  return body.template_list ?? [];
}

/** `POST /cgi-bin/template/del_private_template`. */
export async function deletePrivateTemplate(client: WeChatApiClient, templateId: string) {
  await client.post("/cgi-bin/template/del_private_template", { template_id: templateId });
}

export interface TemplateIndustry {
  primary_industry: { first_class: string; second_class: string };
  secondary_industry: { first_class: string; second_class: string };
}

/** `GET /cgi-bin/template/get_industry`: the account's two industries, which decide its templates. */
export function getTemplateIndustry(client: WeChatApiClient): Promise<TemplateIndustry> {
  return client.get<TemplateIndustry>("/cgi-bin/template/get_industry");
}

/** A reason for a malformed template message, or undefined. */
export function templateMessageProblem(message: unknown): string | undefined {
  if (typeof message !== "object" || message === null) return "the message must be a JSON object";
  const m = message as Record<string, unknown>;
  if (typeof m.touser !== "string" || m.touser === "") return "touser (an openid) is required";
  if (typeof m.template_id !== "string" || m.template_id === "") return "template_id is required";
  if (typeof m.data !== "object" || m.data === null || Array.isArray(m.data)) {
    return "data must be an object of { keyword: { value } }";
  }
  const rule2023 = template2023Problem(m);
  if (rule2023) return rule2023;
  for (const [keyword, field] of Object.entries(m.data)) {
    if (typeof (field as { value?: unknown } | null)?.value !== "string") {
      return `data.${keyword}.value must be a string`;
    }
  }
  if (m.url !== undefined && typeof m.url !== "string") return "url must be a string";
  if (m.miniprogram !== undefined) {
    const mp = m.miniprogram as Record<string, unknown> | null;
    if (typeof mp?.appid !== "string" || mp.appid === "") return "miniprogram.appid is required";
  }
  if (m.client_msg_id !== undefined && typeof m.client_msg_id !== "string") {
    return "client_msg_id must be a string";
  }
  return undefined;
}

/** Keys the 2023 rules took out of every template: WeChat drops them unseen. */
export const RETIRED_TEMPLATE_KEYWORDS = ["first", "remark"] as const;

/**
 * A reason the message breaks the 2023 template rules, or undefined: a `first` or `remark`
 * keyword, a `color` on any value, or the old top-level `topcolor`.
 */
export function template2023Problem(message: Record<string, unknown>): string | undefined {
  if (message.topcolor !== undefined) {
    return "topcolor: templates have no colours since 2023; WeChat ignores it, remove it";
  }
  const data = message.data as Record<string, unknown>;
  for (const keyword of RETIRED_TEMPLATE_KEYWORDS) {
    if (keyword in data) {
      return `data.${keyword}: templates have no ${keyword} field since 2023; WeChat drops it unseen, put the text in one of the template's own keywords`;
    }
  }
  for (const [keyword, field] of Object.entries(data)) {
    if (typeof field === "object" && field !== null && "color" in field) {
      return `data.${keyword}.color: templates have no colours since 2023; WeChat ignores it, remove it`;
    }
  }
  return undefined;
}
