/**
 * Customer-service, template and mass messages, strict where WeChat is:
 * - custom/send and custom/typing answer 48001 "api unauthorized" to an account without the
 *   customer-service permission (an unverified subscription account; `/__fake/account`);
 * - they need an active interaction grant for the openid (45015
 *   otherwise) with quota left (45047: 5 per 48 h after a message, 3 per minute after a click,
 *   follow or scan); unknown msgtype 40008; a news message with more than one article 45008;
 * - template/send answers a msgid beyond 2^53 as a bare JSON integer, as WeChat does, and records
 *   the message without the `first`/`remark`/colours WeChat has dropped since 2023;
 * - mass sends honour clientmsgid for 24 h: a repeat within a minute is 45066, later 45065 with
 *   the first send's msg_id; openid lists need 2..10000 entries.
 * Every accepted message is recorded in the outbox for the playground.
 */
import { INTERACTION_ALLOWANCE, nextMsgId, platformState, recordSent } from "../platform-state.ts";
import { bigId, requireString, WeChatFault, type Endpoint, type EndpointContext } from "./types.ts";

const CUSTOM_TYPES = [
  "text",
  "image",
  "voice",
  "video",
  "music",
  "news",
  "mpnews",
  "mpnewsarticle",
  "msgmenu",
  "wxcard",
  "miniprogrampage",
];

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new WeChatFault(47001, "data format error");
  }
  return body as Record<string, unknown>;
}

/** Throws 48001 unless the account has the customer-service permission (客服接口权限). */
function requireCustomerService({ fake }: EndpointContext) {
  if (!platformState(fake).customerService) throw new WeChatFault(48001, "api unauthorized");
}

/** Uses one message of the follower's customer-service allowance, or throws 45015/45047. */
function useAllowance({ fake, now }: EndpointContext, openid: string) {
  const grants = (platformState(fake).grants.get(openid) ?? []).filter(
    (grant) => now - grant.at < INTERACTION_ALLOWANCE[grant.kind].validMs,
  );
  if (grants.length === 0) {
    throw new WeChatFault(45015, "response out of time limit or subscription is canceled");
  }
  const open = grants.find((grant) => grant.used < INTERACTION_ALLOWANCE[grant.kind].quota);
  if (!open) throw new WeChatFault(45047, "out of response count limit");
  open.used++;
}

const customSend: Endpoint = {
  method: "POST",
  path: "/cgi-bin/message/custom/send",
  auth: true,
  handle(context) {
    requireCustomerService(context);
    const body = objectBody(context.body);
    const touser = requireString(body.touser, 40003, "invalid openid");
    const msgtype = requireString(body.msgtype, 40008, "invalid message type");
    if (!CUSTOM_TYPES.includes(msgtype)) throw new WeChatFault(40008, "invalid message type");
    const content = body[msgtype];
    if (typeof content !== "object" || content === null) {
      throw new WeChatFault(44002, "empty post data");
    }
    if (msgtype === "news") {
      const articles = (content as { articles?: unknown }).articles;
      if (!Array.isArray(articles) || articles.length === 0)
        throw new WeChatFault(44003, "empty news data");
      if (articles.length > 1) throw new WeChatFault(45008, "article size out of limit");
    }
    if (msgtype === "text" && typeof (content as { content?: unknown }).content !== "string") {
      throw new WeChatFault(44004, "empty content");
    }
    useAllowance(context, touser);
    recordSent(context.fake, { kind: "custom", appid: context.appid, to: touser, body });
    return { errcode: 0, errmsg: "ok" };
  },
};

const customTyping: Endpoint = {
  method: "POST",
  path: "/cgi-bin/message/custom/typing",
  auth: true,
  handle(context) {
    requireCustomerService(context);
    const body = objectBody(context.body);
    const touser = requireString(body.touser, 40003, "invalid openid");
    if (body.command !== "Typing" && body.command !== "CancelTyping") {
      throw new WeChatFault(40097, "invalid args");
    }
    const grants = platformState(context.fake).grants.get(touser) ?? [];
    if (!grants.some((g) => context.now - g.at < INTERACTION_ALLOWANCE[g.kind].validMs)) {
      throw new WeChatFault(45015, "response out of time limit or subscription is canceled");
    }
    recordSent(context.fake, { kind: "typing", appid: context.appid, to: touser, body });
    return { errcode: 0, errmsg: "ok" };
  },
};

const templateSend: Endpoint = {
  method: "POST",
  path: "/cgi-bin/message/template/send",
  auth: true,
  handle(context) {
    const body = objectBody(context.body);
    const touser = requireString(body.touser, 40003, "invalid openid");
    requireString(body.template_id, 40037, "invalid template_id");
    if (typeof body.data !== "object" || body.data === null) {
      throw new WeChatFault(47003, "argument invalid! data is empty");
    }
    for (const [key, field] of Object.entries(body.data)) {
      if (typeof (field as { value?: unknown } | null)?.value !== "string") {
        throw new WeChatFault(47003, `argument invalid! data.${key}.value invalid`);
      }
    }
    const msgid = nextMsgId(context.fake);
    recordSent(context.fake, {
      kind: "template",
      appid: context.appid,
      to: touser,
      body: as2023Delivers(body),
      msgid,
    });
    return { errcode: 0, errmsg: "ok", msgid: bigId(msgid) } as Record<string, unknown>;
  },
};

/**
 * The template message as WeChat delivers it since the 2023 rules: WeChat accepts a send with
 * `first`/`remark` keywords, `color`s or `topcolor` (no errcode is documented for them) and drops
 * them silently, so the fake accepts them too and records what the follower would see. Refusing
 * them is our API module's job (template2023Problem), not WeChat's.
 */
function as2023Delivers(body: Record<string, unknown>): Record<string, unknown> {
  const { topcolor: _topcolor, ...rest } = body;
  const data: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(body.data as Record<string, { value: string }>)) {
    if (key === "first" || key === "remark") continue;
    data[key] = { value: field.value };
  }
  return { ...rest, data };
}

const MASS_TYPES = ["text", "image", "voice", "mpnews", "mpvideo", "wxcard"];
const CLIENTMSGID_MEMORY_MS = 24 * 3_600_000;

function massContent(body: Record<string, unknown>) {
  const msgtype = requireString(body.msgtype, 40008, "invalid message type");
  if (!MASS_TYPES.includes(msgtype)) throw new WeChatFault(40008, "invalid message type");
  const key = msgtype === "image" ? "images" : msgtype;
  if (typeof body[key] !== "object" || body[key] === null)
    throw new WeChatFault(44002, "empty post data");
  return msgtype;
}

function massSend(kind: "sendall" | "send"): Endpoint {
  return {
    method: "POST",
    path: `/cgi-bin/message/mass/${kind}`,
    auth: true,
    handle(context) {
      const body = objectBody(context.body);
      massContent(body);
      let to: string | string[];
      if (kind === "send") {
        const list = body.touser;
        if (!Array.isArray(list) || list.length < 2 || list.length > 10000) {
          throw new WeChatFault(40130, "invalid openid list size, at least two openid");
        }
        to = list as string[];
      } else {
        const filter = body.filter as { is_to_all?: unknown; tag_id?: unknown } | undefined;
        if (!filter || typeof filter !== "object") throw new WeChatFault(44002, "empty post data");
        if (filter.is_to_all !== true && typeof filter.tag_id !== "number") {
          throw new WeChatFault(40050, "invalid tag id");
        }
        to = filter.is_to_all === true ? "all" : `tag:${filter.tag_id}`;
      }
      const state = platformState(context.fake);
      const clientmsgid = typeof body.clientmsgid === "string" ? body.clientmsgid : undefined;
      if (clientmsgid !== undefined) {
        if (new TextEncoder().encode(clientmsgid).length > 64)
          throw new WeChatFault(40097, "invalid args");
        const earlier = [...state.mass.values()].find(
          (record) =>
            record.clientmsgid === clientmsgid && context.now - record.at < CLIENTMSGID_MEMORY_MS,
        );
        if (earlier && context.now - earlier.at < 60_000) {
          throw new WeChatFault(45066, "same clientmsgid retry too fast");
        }
        if (earlier) {
          return {
            errcode: 45065,
            errmsg: "clientmsgid exist",
            msg_id: bigId(earlier.msgId),
          } as Record<string, unknown>;
        }
      }
      const msgId = nextMsgId(context.fake);
      state.mass.set(msgId, {
        msgId,
        ...(clientmsgid ? { clientmsgid } : {}),
        at: context.now,
        status: "SEND_SUCCESS",
      });
      recordSent(context.fake, { kind: "mass", appid: context.appid, to, body, msgid: msgId });
      const answer: Record<string, unknown> = {
        errcode: 0,
        errmsg: "send job submission success",
        msg_id: bigId(msgId),
      };
      if (body.msgtype === "mpnews" || body.msgtype === "image")
        answer.msg_data_id = bigId(nextMsgId(context.fake));
      return answer;
    },
  };
}

const massPreview: Endpoint = {
  method: "POST",
  path: "/cgi-bin/message/mass/preview",
  auth: true,
  handle(context) {
    const body = objectBody(context.body);
    massContent(body);
    const to =
      typeof body.touser === "string"
        ? body.touser
        : typeof body.towxname === "string"
          ? body.towxname
          : undefined;
    if (!to) throw new WeChatFault(40003, "invalid openid");
    recordSent(context.fake, { kind: "preview", appid: context.appid, to, body });
    return {
      errcode: 0,
      errmsg: "preview success",
      msg_id: bigId(nextMsgId(context.fake)),
    } as Record<string, unknown>;
  },
};

function massRecord(context: EndpointContext) {
  const body = objectBody(context.body);
  const id = body.msg_id;
  if (typeof id !== "string" && typeof id !== "number")
    throw new WeChatFault(40097, "invalid args");
  const record = platformState(context.fake).mass.get(String(id));
  if (!record) throw new WeChatFault(40097, "invalid args: no such msg_id");
  return record;
}

const massGet: Endpoint = {
  method: "POST",
  path: "/cgi-bin/message/mass/get",
  auth: true,
  handle(context) {
    const record = massRecord(context);
    return { msg_id: bigId(record.msgId), msg_status: record.status } as Record<string, unknown>;
  },
};

const massDelete: Endpoint = {
  method: "POST",
  path: "/cgi-bin/message/mass/delete",
  auth: true,
  handle(context) {
    massRecord(context).status = "DELETE";
    return { errcode: 0, errmsg: "ok" };
  },
};

const speedGet: Endpoint = {
  method: "POST",
  path: "/cgi-bin/message/mass/speed/get",
  auth: true,
  handle({ fake }) {
    const speed = platformState(fake).massSpeed;
    return { speed, realspeed: [80, 60, 45, 30, 10][speed]! };
  },
};

const speedSet: Endpoint = {
  method: "POST",
  path: "/cgi-bin/message/mass/speed/set",
  auth: true,
  handle(context) {
    const speed = objectBody(context.body).speed;
    if (typeof speed !== "number" || !Number.isInteger(speed) || speed < 0 || speed > 4) {
      throw new WeChatFault(40097, "invalid args");
    }
    platformState(context.fake).massSpeed = speed;
    return { errcode: 0, errmsg: "ok" };
  },
};

const templates = [
  {
    template_id: "iPk5sOIt5X_flOVKn5GrTFpncEYTojx6ddbt8WYoV5s",
    title: "领取奖金提醒",
    primary_industry: "IT科技",
    deputy_industry: "互联网|电子商务",
    content:
      "{{result.DATA}}\n\n领奖金额:{{withdrawMoney.DATA}}\n领奖时间:{{withdrawTime.DATA}}\n{{remark.DATA}}",
    example: "您已提交领奖申请\n\n领奖金额：xxxx元\n领奖时间：2013-10-10 12:22:22\n感谢您的参与！",
  },
];

const templateList: Endpoint = {
  method: "GET",
  path: "/cgi-bin/template/get_all_private_template",
  auth: true,
  handle: () => ({ template_list: templates }),
};

const templateDelete: Endpoint = {
  method: "POST",
  path: "/cgi-bin/template/del_private_template",
  auth: true,
  handle(context) {
    const id = requireString(objectBody(context.body).template_id, 40037, "invalid template_id");
    if (!templates.some((t) => t.template_id === id))
      throw new WeChatFault(40037, "invalid template_id");
    return { errcode: 0, errmsg: "ok" };
  },
};

const industry: Endpoint = {
  method: "GET",
  path: "/cgi-bin/template/get_industry",
  auth: true,
  handle: () => ({
    primary_industry: { first_class: "IT科技", second_class: "互联网|电子商务" },
    secondary_industry: { first_class: "IT科技", second_class: "IT软件与服务" },
  }),
};

export const messageEndpoints: Endpoint[] = [
  customSend,
  customTyping,
  templateSend,
  templateList,
  templateDelete,
  industry,
  massSend("sendall"),
  massSend("send"),
  massPreview,
  massGet,
  massDelete,
  speedGet,
  speedSet,
];
