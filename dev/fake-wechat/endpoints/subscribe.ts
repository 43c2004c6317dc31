/**
 * Subscription notices (订阅通知): `message/subscribe/bizsend` and the template library
 * (`wxaapi/newtmpl/*`), strict where WeChat is:
 * - bizsend needs a template of the account (40037), every keyword of it filled with a value its
 *   type allows (47003 naming the key, as WeChat's errmsg does), and the follower's acceptance of
 *   that template (43101): a one-time template (一次性订阅, type 2) allows one notice per
 *   acceptance, a long-term one (长期订阅, type 3) any number until the follower refuses;
 * - the library: a small set of categories, public titles and keywords; getpubtemplatetitles
 *   answers 200016–200019 for bad start, limit or ids; addtemplate 200014 (tid), 200020 (kidList,
 *   2 to 5 of the title's keywords), 200021 (sceneDesc over 15 characters), 200012 (50 templates);
 *   deltemplate 20002 for an id the account does not have.
 * Each account starts with two templates, as if added in the MP console. Acceptances are recorded
 * by `recordSubscription` (the simulator's popup, tests, or `POST /__fake/subscription`).
 * Every accepted notice lands in the outbox as kind "subscribe".
 */
import type { FakeWeChat } from "../fake.ts";
import { nextMsgId, recordSent } from "../platform-state.ts";
import {
  bigId,
  jsonAnswer,
  randomToken,
  requireString,
  WeChatFault,
  type Endpoint,
  type EndpointContext,
} from "./types.ts";

interface LibraryKeyword {
  kid: number;
  name: string;
  example: string;
  rule: string;
}

interface LibraryTitle {
  tid: number;
  title: string;
  type: 2 | 3;
  categoryId: number;
  keywords: LibraryKeyword[];
}

export interface AccountTemplate {
  priTmplId: string;
  tid: number;
  title: string;
  content: string;
  example: string;
  type: 2 | 3;
}

const CATEGORIES = [
  { id: 616, name: "餐饮服务 > 外卖平台" },
  { id: 2, name: "商业服务 > 物流服务" },
];

const LIBRARY: LibraryTitle[] = [
  {
    tid: 99,
    title: "订单发货通知",
    type: 2,
    categoryId: 2,
    keywords: [
      { kid: 1, name: "商品名称", example: "巧克力礼盒", rule: "thing" },
      { kid: 2, name: "订单金额", example: "¥39.80", rule: "amount" },
      { kid: 3, name: "发货时间", example: "2026-11-30 12:00", rule: "time" },
      { kid: 4, name: "快递单号", example: "SF1234567890", rule: "character_string" },
      { kid: 5, name: "订单状态", example: "已发货", rule: "phrase" },
    ],
  },
  {
    tid: 1001,
    title: "预约成功通知",
    type: 2,
    categoryId: 616,
    keywords: [
      { kid: 1, name: "预约项目", example: "午餐两人位", rule: "thing" },
      { kid: 2, name: "预约时间", example: "2026年12月1日 12:00", rule: "time" },
      { kid: 3, name: "联系电话", example: "+86-010-12345678", rule: "phone_number" },
      { kid: 4, name: "预约人", example: "张三", rule: "name" },
    ],
  },
  {
    tid: 1002,
    title: "外卖配送进度提醒",
    type: 3,
    categoryId: 616,
    keywords: [
      { kid: 1, name: "订单编号", example: "20261130001", rule: "number" },
      { kid: 2, name: "配送状态", example: "配送中", rule: "phrase" },
      { kid: 3, name: "骑手姓名", example: "李四", rule: "name" },
    ],
  },
];

/** The templates every account starts with: an id each, as a console-added template has. */
const STARTER_TEMPLATES: { priTmplId: string; tid: number; kidList: number[] }[] = [
  { priTmplId: "VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc", tid: 99, kidList: [1, 2, 3] },
  { priTmplId: "9nLIlbOQZC5Y89AZteFEux3WCXRRRG5Wfzkpssu4bLI", tid: 1002, kidList: [1, 2] },
];

const MAX_TEMPLATES = 50;

interface SubscribeState {
  /** appid → priTmplId → template. */
  templates: Map<string, Map<string, AccountTemplate>>;
  /** `<openid> <priTmplId>` → notices the follower still accepts (Infinity for long-term). */
  acceptances: Map<string, number>;
}

const states = new WeakMap<FakeWeChat, SubscribeState>();

function subscribeState(fake: FakeWeChat): SubscribeState {
  let state = states.get(fake);
  if (!state) {
    state = { templates: new Map(), acceptances: new Map() };
    states.set(fake, state);
  }
  return state;
}

function compose(priTmplId: string, title: LibraryTitle, kidList: number[]): AccountTemplate {
  const keywords = kidList.map((kid) => title.keywords.find((k) => k.kid === kid)!);
  return {
    priTmplId,
    tid: title.tid,
    title: title.title,
    // WeChat names each keyword by its type and kid: thing1, amount2, …
    content: keywords.map((k) => `${k.name}:{{${k.rule}${k.kid}.DATA}}`).join("\n"),
    example: keywords.map((k) => `${k.name}：${k.example}`).join("\n"),
    type: title.type,
  };
}

/** The account's templates, seeded on first use with the starter ones. */
export function accountTemplates(fake: FakeWeChat, appid: string): Map<string, AccountTemplate> {
  const state = subscribeState(fake);
  let templates = state.templates.get(appid);
  if (!templates) {
    templates = new Map(
      STARTER_TEMPLATES.map(({ priTmplId, tid, kidList }) => [
        priTmplId,
        compose(
          priTmplId,
          LIBRARY.find((t) => t.tid === tid)!,
          kidList,
        ),
      ]),
    );
    state.templates.set(appid, templates);
  }
  return templates;
}

/** A template of any account by id (ids are unique across WeChat), for the playground's card. */
export function findTemplate(fake: FakeWeChat, priTmplId: string): AccountTemplate | undefined {
  for (const templates of subscribeState(fake).templates.values()) {
    const template = templates.get(priTmplId);
    if (template) return template;
  }
  return undefined;
}

/**
 * What WeChat records when a follower answers a subscription popup or refuses a template on the
 * management page: `accept` adds one notice (every notice, for a long-term template); `reject`
 * withdraws them all. Answers the state left.
 */
export function recordSubscription(
  fake: FakeWeChat,
  appid: string,
  openid: string,
  priTmplId: string,
  status: "accept" | "reject",
): { accepted: number } {
  const template = accountTemplates(fake, appid).get(priTmplId);
  const acceptances = subscribeState(fake).acceptances;
  const key = `${openid} ${priTmplId}`;
  if (status === "reject" || !template) acceptances.delete(key);
  else if (template.type === 3) acceptances.set(key, Number.POSITIVE_INFINITY);
  else acceptances.set(key, (acceptances.get(key) ?? 0) + 1);
  return { accepted: acceptances.get(key) ?? 0 };
}

/** Notices the follower still accepts for a template (Infinity for an accepted long-term one). */
export function acceptedNotices(fake: FakeWeChat, openid: string, priTmplId: string): number {
  return subscribeState(fake).acceptances.get(`${openid} ${priTmplId}`) ?? 0;
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new WeChatFault(47001, "data format error");
  }
  return body as Record<string, unknown>;
}

const chars = (value: string) => [...value].length;
const HAN = /\p{Script=Han}/u;

/** Whether WeChat takes `value` for a keyword of type `rule` (订阅消息参数值内容限制说明). */
function valueFits(rule: string, value: string): boolean {
  switch (rule) {
    case "thing":
      return chars(value) <= 20;
    case "number":
      return value.length <= 32 && /^\d+(\.\d+)?$/.test(value);
    case "letter":
      return value.length <= 32 && /^[A-Za-z]+$/.test(value);
    case "symbol":
      return chars(value) <= 5 && /^[^\p{L}\p{N}\s]+$/u.test(value);
    case "character_string":
      return value.length <= 32 && /^[\x21-\x7e]+$/.test(value);
    case "time":
      return /\d{1,2}:\d{2}/.test(value);
    case "date":
      return /\d{1,4}\s*[年\-/.]\s*\d{1,2}|\d{1,2}月\d{1,2}日/.test(value);
    case "amount":
      // A currency symbol first, or 元 last (the reading src/wechat/api/subscribe-message.ts takes).
      return /^([^\p{L}\p{N}\s]\d{1,10}(\.\d+)?元?|\d{1,10}(\.\d+)?元)$/u.test(value);
    case "phone_number":
      return value.length <= 17 && /^[^\p{L}]+$/u.test(value);
    case "car_number":
      return chars(value) <= 8;
    case "name":
      return !/\d/.test(value) && chars(value) <= (HAN.test(value) ? 10 : 20);
    case "phrase":
      return chars(value) <= 5 && /^\p{Script=Han}+$/u.test(value);
    default:
      return true;
  }
}

const bizsend: Endpoint = {
  method: "POST",
  path: "/cgi-bin/message/subscribe/bizsend",
  auth: true,
  handle(context) {
    const { fake, appid } = context;
    const body = objectBody(context.body);
    const touser = requireString(body.touser, 40003, "invalid openid");
    const templateId = requireString(body.template_id, 40037, "invalid template_id");
    const template = accountTemplates(fake, appid).get(templateId);
    if (!template) throw new WeChatFault(40037, "invalid template_id");
    if (typeof body.data !== "object" || body.data === null || Array.isArray(body.data)) {
      throw new WeChatFault(47003, "argument invalid! data is empty");
    }
    const data = body.data as Record<string, { value?: unknown } | null>;
    for (const match of template.content.matchAll(/\{\{([a-z_]+?)(\d+)\.DATA\}\}/g)) {
      const key = `${match[1]}${match[2]}`;
      const raw = data[key]?.value;
      const value = typeof raw === "number" ? String(raw) : raw;
      if (typeof value !== "string" || value.trim() === "") {
        throw new WeChatFault(47003, `argument invalid! data.${key}.value is empty`);
      }
      if (!valueFits(match[1]!, value)) {
        throw new WeChatFault(47003, `argument invalid! data.${key}.value invalid`);
      }
    }
    if (body.page !== undefined && typeof body.page !== "string") {
      throw new WeChatFault(47001, "data format error");
    }
    if (body.miniprogram !== undefined) {
      const mp = body.miniprogram as { appid?: unknown; pagepath?: unknown } | null;
      requireString(mp?.appid, 40013, "invalid appid");
      requireString(mp?.pagepath, 41030, "invalid page");
    }
    const key = `${touser} ${templateId}`;
    const left = subscribeState(fake).acceptances.get(key) ?? 0;
    if (left <= 0) throw new WeChatFault(43101, "user refuse to accept the msg");
    subscribeState(fake).acceptances.set(key, left - 1);
    const msgid = nextMsgId(fake);
    recordSent(fake, { kind: "subscribe", appid, to: touser, body, msgid });
    return { errcode: 0, errmsg: "ok", msgid: bigId(msgid) };
  },
};

const getCategory: Endpoint = {
  method: "GET",
  path: "/wxaapi/newtmpl/getcategory",
  auth: true,
  handle: () => ({ errcode: 0, errmsg: "ok", data: CATEGORIES }),
};

function integerParam(context: EndpointContext, name: string, errcode: number, max?: number) {
  const text = context.query.get(name) ?? "";
  const value = Number(text);
  if (!/^\d+$/.test(text) || (max !== undefined && (value < 1 || value > max))) {
    throw new WeChatFault(errcode, `invalid ${name}`);
  }
  return value;
}

const getPubTemplateTitles: Endpoint = {
  method: "GET",
  path: "/wxaapi/newtmpl/getpubtemplatetitles",
  auth: true,
  handle(context) {
    const start = integerParam(context, "start", 200016);
    const limit = integerParam(context, "limit", 200017, 30);
    const idsText = context.query.get("ids");
    if (!idsText) throw new WeChatFault(200018, "missing ids");
    // The docs' own example quotes the list ("2,616"); WeChat reads it either way.
    const ids = idsText.replace(/^"|"$/g, "").split(",");
    if (!ids.every((id) => CATEGORIES.some((c) => String(c.id) === id.trim()))) {
      throw new WeChatFault(200019, "invalid ids");
    }
    const titles = LIBRARY.filter((t) => ids.some((id) => Number(id) === t.categoryId));
    return {
      errcode: 0,
      errmsg: "ok",
      count: titles.length,
      data: titles.slice(start, start + limit).map(({ tid, title, type, categoryId }) => ({
        tid,
        title,
        type,
        categoryId: String(categoryId),
      })),
    };
  },
};

function titleOf(tid: unknown): LibraryTitle {
  const title = LIBRARY.find((t) => String(t.tid) === String(tid ?? ""));
  if (!title) throw new WeChatFault(200014, "tid does not exist");
  return title;
}

const getPubTemplateKeywords: Endpoint = {
  method: "GET",
  path: "/wxaapi/newtmpl/getpubtemplatekeywords",
  auth: true,
  handle(context) {
    const title = titleOf(context.query.get("tid"));
    return { errcode: 0, errmsg: "ok", count: title.keywords.length, data: title.keywords };
  },
};

const addTemplate: Endpoint = {
  method: "POST",
  path: "/wxaapi/newtmpl/addtemplate",
  auth: true,
  handle(context) {
    const body = objectBody(context.body);
    const title = titleOf(body.tid);
    const kidList = body.kidList;
    if (
      !Array.isArray(kidList) ||
      kidList.length < 2 ||
      kidList.length > 5 ||
      new Set(kidList).size !== kidList.length ||
      !kidList.every((kid) => title.keywords.some((k) => k.kid === kid))
    ) {
      throw new WeChatFault(200020, "invalid kidList");
    }
    if (
      body.sceneDesc !== undefined &&
      (typeof body.sceneDesc !== "string" || chars(body.sceneDesc) > 15)
    ) {
      throw new WeChatFault(200021, "invalid sceneDesc");
    }
    const templates = accountTemplates(context.fake, context.appid);
    if (templates.size >= MAX_TEMPLATES) throw new WeChatFault(200012, "template count reach max");
    const priTmplId = randomToken(43);
    templates.set(priTmplId, compose(priTmplId, title, kidList as number[]));
    return { errcode: 0, errmsg: "ok", priTmplId };
  },
};

const delTemplate: Endpoint = {
  method: "POST",
  path: "/wxaapi/newtmpl/deltemplate",
  auth: true,
  handle(context) {
    const body = objectBody(context.body);
    const templates = accountTemplates(context.fake, context.appid);
    if (typeof body.priTmplId !== "string" || !templates.delete(body.priTmplId)) {
      throw new WeChatFault(20002, "invalid priTmplId");
    }
    return { errcode: 0, errmsg: "ok" };
  },
};

const getTemplate: Endpoint = {
  method: "GET",
  path: "/wxaapi/newtmpl/gettemplate",
  auth: true,
  handle(context) {
    const templates = [...accountTemplates(context.fake, context.appid).values()];
    return {
      errcode: 0,
      errmsg: "ok",
      data: templates.map(({ priTmplId, title, content, example, type }) => ({
        priTmplId,
        title,
        content,
        example,
        type,
      })),
    };
  },
};

export const subscribeEndpoints: Endpoint[] = [
  bizsend,
  getCategory,
  getPubTemplateTitles,
  getPubTemplateKeywords,
  addTemplate,
  delTemplate,
  getTemplate,
];

/**
 * `/__fake/subscription`: the follower's side of subscription notices, for tests and manual runs.
 * POST {openid, template_id, status?: accept|reject, appid?} records a popup answer (default
 * accept; appid defaults to the fake's first account); GET ?openid=&template_id= answers how many
 * notices the follower still accepts (null for an accepted long-term template).
 */
export async function subscriptionControl(
  fake: FakeWeChat,
  request: Request,
): Promise<Response | undefined> {
  const url = new URL(request.url);
  if (request.method === "GET") {
    const openid = url.searchParams.get("openid") ?? "";
    const templateId = url.searchParams.get("template_id") ?? "";
    if (!openid || !templateId)
      return jsonAnswer({ error: "openid and template_id are required" }, 400);
    const accepted = acceptedNotices(fake, openid, templateId);
    return jsonAnswer({ accepted: Number.isFinite(accepted) ? accepted : null });
  }
  if (request.method !== "POST") return undefined;
  const body = (await request.json().catch(() => ({}))) as Record<string, unknown>;
  const status = body.status ?? "accept";
  const appid = body.appid ?? [...fake.accounts.keys()][0];
  if (
    typeof body.openid !== "string" ||
    body.openid === "" ||
    typeof body.template_id !== "string" ||
    (status !== "accept" && status !== "reject") ||
    typeof appid !== "string"
  ) {
    return jsonAnswer(
      { error: "openid, template_id and status (accept|reject) are required" },
      400,
    );
  }
  if (!accountTemplates(fake, appid).has(body.template_id)) {
    return jsonAnswer({ error: "the account has no such template (gettemplate lists them)" }, 404);
  }
  const { accepted } = recordSubscription(fake, appid, body.openid, body.template_id, status);
  return jsonAnswer({ ok: true, accepted: Number.isFinite(accepted) ? accepted : null });
}
