/**
 * Subscription notices (订阅通知, 服务号): `POST /cgi-bin/message/subscribe/bizsend` and the
 * template library under `/wxaapi/newtmpl/` (categories, public titles and their keywords, the
 * account's own templates).
 *
 * A follower must accept a template in a subscription popup (an article or an H5 page,
 * `subscribe_msg_popup_event`) before the account may send it to them; a one-time subscription
 * (一次性订阅) allows one notice per acceptance. WeChat answers 43101 otherwise.
 *
 * Every value is checked against the documented rule of its keyword's type before the call
 * (订阅消息参数值内容限制说明): the key's prefix is the type (`thing1`, `amount2`, …), and a value
 * that breaks its rule is 47003 at WeChat, which names the key but not the rule. Counts are in
 * characters (code points), as the docs count them. Types the table does not list (`enum`, or one
 * WeChat adds later) only have to be non-empty strings.
 *
 * `page` on a service account is a web page (跳转网页时填写) and `miniprogram` a bound mini
 * program's page; with both, WeChat opens the mini program. The newer doc page lists
 * `miniprogram_state` and `lang` (copied from the mini-program API); they pass through when given.
 */
import type { WeChatApiClient } from "./client";
import { refuse } from "./input-error";

/** The keyword types of the documented table, each with its rule in one line. */
export const SUBSCRIBE_KEYWORD_RULES = {
  thing: "at most 20 characters",
  number: "at most 32 digits, a decimal point allowed",
  letter: "at most 32 letters",
  symbol: "at most 5 symbols (no letters, digits, Chinese or control characters)",
  character_string: "at most 32 digits, letters or symbols",
  time: "a 24-hour time (HH:MM or HH:MM:SS), a date allowed before it, a range joined by ~",
  date: "a date (2019年10月1日, 2019-10-01, 2019/10/01, 2019.10.01, 10月1日 …), a time allowed after it, a range joined by ~",
  amount:
    "one currency symbol, then at most 10 digits, a decimal point allowed, 元 allowed at the end",
  phone_number: "at most 17 digits and symbols",
  car_number: "at most 8 characters: letters or digits, Chinese allowed first and last",
  name: "at most 10 Chinese characters, or at most 20 letters or symbols",
  phrase: "at most 5 Chinese characters",
} as const;

export type SubscribeKeywordType = keyof typeof SUBSCRIBE_KEYWORD_RULES;

export interface SubscribeMessage {
  /** The follower's openid. */
  touser: string;
  /** The account's template id (priTmplId from addtemplate or the MP console). */
  template_id: string;
  /** A web page opened on tap (跳转网页时填写). */
  page?: string;
  /** A bound mini program opened on tap; wins over `page`. */
  miniprogram?: { appid: string; pagepath: string };
  /** keyword → value, e.g. `{ thing1: { value: "巧克力" }, amount2: { value: "¥39.8" } }`. */
  data: Record<string, { value: string | number }>;
  miniprogram_state?: "developer" | "trial" | "formal";
  lang?: "zh_CN" | "en_US" | "zh_HK" | "zh_TW";
}

/**
 * Sends one subscription notice. WeChat's msgid (documented to match the `MsgID` of the
 * `subscribe_msg_sent_event` that reports delivery) comes back as an exact string when WeChat
 * includes it. Throws `ApiInputError` before any call for a notice WeChat would refuse.
 *
 * @example
 * await sendSubscribeMessage(ctx.api, {
 *   touser: openid,
 *   template_id: "VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc",
 *   page: "https://shop.example.com/orders/42",
 *   data: { thing1: { value: "巧克力" }, amount2: { value: "¥39.80" } },
 * });
 */
export async function sendSubscribeMessage(
  client: WeChatApiClient,
  message: SubscribeMessage,
): Promise<{ msgid?: string }> {
  refuse(subscribeMessageProblem(message));
  const body = await client.post<{ msgid?: unknown }>(
    "/cgi-bin/message/subscribe/bizsend",
    message,
  );
  return body.msgid === undefined || body.msgid === null ? {} : { msgid: String(body.msgid) };
}

const LANGS = ["zh_CN", "en_US", "zh_HK", "zh_TW"];
const STATES = ["developer", "trial", "formal"];
// Keys are `<type><index>` (thing1, character_string3); `site01` in old samples fits too.
const KEY = /^([a-z_]+?)(\d+)$/;

/** A reason WeChat would refuse this notice (the field and the rule), or undefined. */
export function subscribeMessageProblem(message: unknown): string | undefined {
  if (typeof message !== "object" || message === null || Array.isArray(message)) {
    return "the notice must be a JSON object";
  }
  const m = message as Record<string, unknown>;
  if (typeof m.touser !== "string" || m.touser === "") return "touser (an openid) is required";
  if (typeof m.template_id !== "string" || m.template_id === "") return "template_id is required";
  if (m.url !== undefined) {
    return "url is a template-message field; a subscription notice opens `page` (a web page) or `miniprogram`";
  }
  if (m.page !== undefined && (typeof m.page !== "string" || !/^https?:\/\/\S+$/.test(m.page))) {
    return "page must be an http(s) URL (the web page opened on tap)";
  }
  if (m.miniprogram !== undefined) {
    const mp = m.miniprogram as Record<string, unknown> | null;
    if (typeof mp !== "object" || mp === null) return "miniprogram must be { appid, pagepath }";
    if (typeof mp.appid !== "string" || mp.appid === "") return "miniprogram.appid is required";
    if (typeof mp.pagepath !== "string" || mp.pagepath === "") {
      return "miniprogram.pagepath is required (the page of the mini program, e.g. index?foo=bar)";
    }
  }
  if (m.miniprogram_state !== undefined && !STATES.includes(m.miniprogram_state as string)) {
    return `miniprogram_state must be one of ${STATES.join(", ")}`;
  }
  if (m.lang !== undefined && !LANGS.includes(m.lang as string)) {
    return `lang must be one of ${LANGS.join(", ")}`;
  }
  if (typeof m.data !== "object" || m.data === null || Array.isArray(m.data)) {
    return "data must be an object of { keyword: { value } }";
  }
  const entries = Object.entries(m.data);
  if (entries.length === 0) return "data must fill the template's keywords";
  for (const [key, field] of entries) {
    const problem = dataProblem(key, field);
    if (problem) return problem;
  }
  return undefined;
}

function dataProblem(key: string, field: unknown): string | undefined {
  if (typeof field !== "object" || field === null || Array.isArray(field)) {
    return `data.${key} must be { value }`;
  }
  const extra = Object.keys(field).find((name) => name !== "value");
  if (extra) return `data.${key}.${extra}: a subscription notice value has only \`value\``;
  const type = KEY.exec(key)?.[1];
  const raw = (field as { value?: unknown }).value;
  // The newer doc page types number.DATA as a number; every other value is a string.
  const value =
    type === "number" && typeof raw === "number" && Number.isFinite(raw) ? String(raw) : raw;
  if (typeof value !== "string") return `data.${key}.value must be a string`;
  if (value.trim() === "") return `data.${key}.value is empty`;
  if (CONTROL.test(value)) return `data.${key}.value has a line break or control character`;
  if (type === undefined || !(type in SUBSCRIBE_KEYWORD_RULES)) return undefined;
  const rule = type as SubscribeKeywordType;
  return VALUE_RULES[rule](value)
    ? undefined
    : `data.${key}.value ${JSON.stringify(value)} breaks the ${rule} rule: ${SUBSCRIBE_KEYWORD_RULES[rule]}`;
}

const CONTROL = /[\u0000-\u001f\u007f]/;
const HAN = /\p{Script=Han}/u;
const ALL_HAN = /^\p{Script=Han}+$/u;
// What the table calls 符号: anything but letters, digits, Chinese, white space and controls.
const SYMBOLS = /^[^\p{L}\p{N}\s]+$/u;
const TIME = /\d{1,2}:\d{2}(:\d{2})?/;
const DATE = /\d{1,4}\s*[年\-/.]\s*\d{1,2}|\d{1,2}\s*月\s*\d{1,2}\s*日/;

const length = (value: string) => [...value].length;

const VALUE_RULES: Record<SubscribeKeywordType, (value: string) => boolean> = {
  thing: (v) => length(v) <= 20,
  number: (v) => v.length <= 32 && /^\d+(\.\d+)?$/.test(v),
  letter: (v) => v.length <= 32 && /^[A-Za-z]+$/.test(v),
  symbol: (v) => length(v) <= 5 && SYMBOLS.test(v),
  character_string: (v) => v.length <= 32 && /^[\x21-\x7e]+$/.test(v),
  time: (v) => v.split("~").every((part) => TIME.test(part)),
  date: (v) => v.split("~").every((part) => DATE.test(part)),
  // The table asks for a currency symbol first; "39.8元" is sent widely and read as one, so the
  // symbol may be left out when 元 ends the value. Otherwise it is required.
  amount: (v) => /^([^\p{L}\p{N}\s]\d{1,10}(\.\d+)?元?|\d{1,10}(\.\d+)?元)$/u.test(v),
  phone_number: (v) => v.length <= 17 && /\d/.test(v) && /^[^\p{L}]+$/u.test(v),
  car_number: (v) =>
    length(v) <= 8 && /^[\p{Script=Han}A-Za-z0-9][A-Za-z0-9]*[\p{Script=Han}A-Za-z0-9]?$/u.test(v),
  // "中文和字母混合按中文名算": any Chinese makes it a Chinese name, counted at 10; no digits.
  name: (v) => !/\d/.test(v) && (HAN.test(v) ? length(v) <= 10 : length(v) <= 20),
  phrase: (v) => length(v) <= 5 && ALL_HAN.test(v),
};

/** One row of a template: `{ name: "商品名称", key: "thing1" }` from `商品名称:{{thing1.DATA}}`. */
export interface SubscribeTemplateField {
  name: string;
  key: string;
}

/** The rows of a template's `content`, in order: what a follower's notice shows. */
export function subscribeTemplateFields(content: string): SubscribeTemplateField[] {
  const fields: SubscribeTemplateField[] = [];
  for (const line of content.split(/\r?\n/)) {
    const match = /^\s*(.*?)\s*[:：]?\s*\{\{\s*([a-z_]+\d+)\.DATA\s*\}\}\s*$/.exec(line);
    if (match) fields.push({ name: match[1]!, key: match[2]! });
  }
  return fields;
}

/** A category of the account (getcategory). */
export interface SubscribeCategory {
  id: number;
  name: string;
}

/** `GET /wxaapi/newtmpl/getcategory`: the account's categories, which decide its public titles. */
export async function getSubscribeCategory(client: WeChatApiClient): Promise<SubscribeCategory[]> {
  const body = await client.get<{ data?: SubscribeCategory[] }>("/wxaapi/newtmpl/getcategory");
  return body.data ?? [];
}

/** A public template title (getpubtemplatetitles). */
export interface PubTemplateTitle {
  tid: number;
  title: string;
  /** 2 one-time subscription (一次性订阅), 3 long-term (长期订阅). */
  type: number;
  categoryId: string | number;
}

export interface PubTemplateTitlesQuery {
  /** Category ids (from getcategory). */
  ids: (number | string)[];
  /** From 0. */
  start?: number;
  /** 1 to 30. */
  limit?: number;
}

/** Page size WeChat allows for getpubtemplatetitles. */
export const MAX_PUB_TEMPLATE_TITLES = 30;

/** A reason WeChat would refuse this query (200016–200019), or undefined. */
export function pubTemplateTitlesProblem(query: PubTemplateTitlesQuery): string | undefined {
  if (!Array.isArray(query.ids) || query.ids.length === 0) return "ids (category ids) is required";
  if (query.ids.some((id) => !/^\d+$/.test(String(id)))) return "ids must be category ids";
  const start = query.start ?? 0;
  if (!Number.isInteger(start) || start < 0) return "start must be an integer from 0";
  const limit = query.limit ?? MAX_PUB_TEMPLATE_TITLES;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PUB_TEMPLATE_TITLES) {
    return `limit must be 1 to ${MAX_PUB_TEMPLATE_TITLES}`;
  }
  return undefined;
}

/** `GET /wxaapi/newtmpl/getpubtemplatetitles`: the public titles of the given categories, a page. */
export async function getPubTemplateTitles(
  client: WeChatApiClient,
  query: PubTemplateTitlesQuery,
): Promise<{ count: number; data: PubTemplateTitle[] }> {
  refuse(pubTemplateTitlesProblem(query));
  const body = await client.get<{ count?: number; data?: PubTemplateTitle[] }>(
    "/wxaapi/newtmpl/getpubtemplatetitles",
    {
      ids: query.ids.join(","),
      start: query.start ?? 0,
      limit: query.limit ?? MAX_PUB_TEMPLATE_TITLES,
    },
  );
  return { count: body.count ?? 0, data: body.data ?? [] };
}

/** A keyword of a public title (getpubtemplatekeywords). */
export interface PubTemplateKeyword {
  kid: number;
  name: string;
  example: string;
  /** The keyword's type: thing, number, time, … (see SUBSCRIBE_KEYWORD_RULES). */
  rule: string;
}

/** `GET /wxaapi/newtmpl/getpubtemplatekeywords?tid=`: the keywords a title offers. */
export async function getPubTemplateKeywords(
  client: WeChatApiClient,
  tid: number | string,
): Promise<{ count: number; data: PubTemplateKeyword[] }> {
  refuse(/^\d+$/.test(String(tid)) ? undefined : "tid must be a template title id");
  const body = await client.get<{ count?: number; data?: PubTemplateKeyword[] }>(
    "/wxaapi/newtmpl/getpubtemplatekeywords",
    { tid: String(tid) },
  );
  return { count: body.count ?? 0, data: body.data ?? [] };
}

export interface AddSubscribeTemplate {
  /** A public title's id. */
  tid: number | string;
  /** 2 to 5 keyword ids of that title, in the order the notice shows them. */
  kidList: number[];
  /** 服务场景描述: at most 15 characters. */
  sceneDesc?: string;
}

export const SUBSCRIBE_TEMPLATE_LIMITS = { minKeywords: 2, maxKeywords: 5, sceneDescChars: 15 };

/** A reason WeChat would refuse this template (200014, 200020, 200021), or undefined. */
export function addSubscribeTemplateProblem(template: unknown): string | undefined {
  if (typeof template !== "object" || template === null) return "the template must be an object";
  const t = template as Record<string, unknown>;
  if (!/^\d+$/.test(String(t.tid ?? ""))) return "tid (a public title id) is required";
  const { minKeywords, maxKeywords, sceneDescChars } = SUBSCRIBE_TEMPLATE_LIMITS;
  if (
    !Array.isArray(t.kidList) ||
    t.kidList.length < minKeywords ||
    t.kidList.length > maxKeywords ||
    !t.kidList.every((kid) => Number.isInteger(kid) && (kid as number) > 0)
  ) {
    return `kidList must be ${minKeywords} to ${maxKeywords} keyword ids`;
  }
  if (new Set(t.kidList).size !== t.kidList.length) return "kidList names a keyword twice";
  if (
    t.sceneDesc !== undefined &&
    (typeof t.sceneDesc !== "string" || length(t.sceneDesc) > sceneDescChars)
  ) {
    return `sceneDesc must be at most ${sceneDescChars} characters`;
  }
  return undefined;
}

/**
 * `POST /wxaapi/newtmpl/addtemplate`: adds a public title with the chosen keywords to the
 * account; resolves with its template id (priTmplId), the `template_id` of bizsend.
 */
export async function addSubscribeTemplate(
  client: WeChatApiClient,
  template: AddSubscribeTemplate,
): Promise<{ priTmplId: string }> {
  refuse(addSubscribeTemplateProblem(template));
  const body = await client.post<{ priTmplId?: unknown }>("/wxaapi/newtmpl/addtemplate", {
    ...template,
    tid: String(template.tid),
  });
  return { priTmplId: String(body.priTmplId ?? "") };
}

/** `POST /wxaapi/newtmpl/deltemplate`: removes one of the account's templates. */
export async function deleteSubscribeTemplate(
  client: WeChatApiClient,
  priTmplId: string,
): Promise<void> {
  refuse(priTmplId ? undefined : "priTmplId is required");
  await client.post("/wxaapi/newtmpl/deltemplate", { priTmplId });
}

/** One of the account's templates (gettemplate). */
export interface SubscribeTemplate {
  priTmplId: string;
  title: string;
  /** Rows as `名称:{{thing1.DATA}}`, one per line (subscribeTemplateFields reads them). */
  content: string;
  example: string;
  /** 2 one-time subscription, 3 long-term. */
  type: number;
}

/** `GET /wxaapi/newtmpl/gettemplate`: the account's templates. */
export async function getSubscribeTemplates(client: WeChatApiClient): Promise<SubscribeTemplate[]> {
  const body = await client.get<{ data?: SubscribeTemplate[] }>("/wxaapi/newtmpl/gettemplate");
  return body.data ?? [];
}
