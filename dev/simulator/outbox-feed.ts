/**
 * Turns what the Worker sent through WeChat's API into messages on the follower's phone:
 * customer-service messages (the late replies of /slow), template messages, mass sends and
 * subscription notices that reach this follower. After a subscription notice WeChat pushes its
 * delivery report (subscribe_msg_sent_event) to the Worker, and so does the simulator. Polls the fake's outbox, as a phone would simply receive them. A
 * customer-service message WeChat refused reaches nobody; the log says why (48001 on an
 * unverified subscription account).
 */
import type { FakeWeChat } from "../fake-wechat/fake";
import { findTemplate } from "../fake-wechat/endpoints/subscribe";
import { subscribeTemplateFields } from "../../src/wechat/api/subscribe-message";
import { customMessageView } from "./reply-view";
import type { PlaygroundSession, ServiceNotice, TemplateCard } from "./session";
import { readOutbox, type OutboxEntry } from "./wechat-state";

const POLL_MS = 500;
const CUSTOM_SEND = "/cgi-bin/message/custom/send";
const REFUSALS: Record<number, string> = {
  45015: "the follower has not written in 48 hours",
  45047: "over the customer-service quota",
  48001: "api unauthorized: this account has no customer-service permission",
};

export function followOutbox(fake: FakeWeChat, session: PlaygroundSession): () => void {
  let since = 0;
  let requestsSeen = 0;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const poll = () => {
    try {
      for (const entry of readOutbox(fake, since)) {
        since = Math.max(since, entry.seq);
        show(entry, session, fake);
      }
      // The request log only grows, unless /__fake/reset empties it.
      if (requestsSeen > fake.requests.length) requestsSeen = 0;
      for (; requestsSeen < fake.requests.length; requestsSeen++) {
        const request = fake.requests[requestsSeen]!;
        if (request.status === 0) break; // Still being answered: look again next time.
        if (request.path === CUSTOM_SEND && request.errcode) refused(request.errcode, session);
      }
    } catch (error) {
      session.log("simulator", `outbox: ${(error as Error).message}`);
    }
    if (!stopped) timer = setTimeout(poll, POLL_MS);
  };
  poll();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

function refused(errcode: number, session: PlaygroundSession) {
  const why = REFUSALS[errcode];
  session.log(
    "simulator",
    `WeChat refused a customer-service message: errcode ${errcode}${why ? ` (${why})` : ""}`,
  );
}

function show(entry: OutboxEntry, session: PlaygroundSession, fake: FakeWeChat) {
  const body = (typeof entry.body === "object" && entry.body !== null ? entry.body : {}) as Record<
    string,
    unknown
  >;
  const raw = JSON.stringify(body, null, 2);
  // The chat of the account that sent it (its appid: the token's), if the follower is addressed;
  // mass sends to everyone or a tag reach this follower too: the playground has only one.
  const chat = session.chatReached(entry.appid, entry.to);
  if (!chat) return;
  switch (entry.kind) {
    case "custom":
      return session.arrived({
        chat,
        via: "customer-service",
        message: customMessageView(body),
        raw,
      });
    case "template":
      return session.arrived({ chat, via: "template", message: templateCard(body), raw });
    case "mass":
    case "preview":
      return session.arrived({ chat, via: "mass", message: massView(body), raw });
    case "subscribe":
      session.arrived({ chat, via: "subscribe", message: serviceNotice(body, fake), raw });
      return reportDelivery(session, chat, String(body.template_id ?? ""), entry.msgid ?? "");
    case "typing":
      return session.log(
        "simulator",
        `customer-service typing indicator: ${String(body.command ?? "")}`,
      );
  }
}

/** The notice as the follower's WeChat draws it: the template's title and rows, filled in. */
function serviceNotice(body: Record<string, unknown>, fake: FakeWeChat): ServiceNotice {
  const templateId = String(body.template_id ?? "");
  const data = (typeof body.data === "object" && body.data !== null ? body.data : {}) as Record<
    string,
    { value?: unknown }
  >;
  const template = findTemplate(fake, templateId);
  const fields = template
    ? subscribeTemplateFields(template.content)
    : Object.keys(data).map((key) => ({ name: key, key }));
  const mp = body.miniprogram as { appid?: unknown; pagepath?: unknown } | undefined;
  // With both, WeChat opens the mini program.
  const opens: ServiceNotice["opens"] =
    typeof mp?.appid === "string"
      ? { kind: "miniprogram", appid: mp.appid, pagepath: String(mp.pagepath ?? "") }
      : typeof body.page === "string"
        ? { kind: "page", url: body.page }
        : undefined;
  return {
    kind: "service-notice",
    templateId,
    title: template?.title ?? "订阅通知",
    rows: fields.map(({ name, key }) => ({ name, value: String(data[key]?.value ?? "") })),
    ...(opens ? { opens } : {}),
  };
}

/** WeChat's 下发结果 event for a notice it delivered, pushed to the Worker like any event. */
function reportDelivery(
  session: PlaygroundSession,
  chat: string,
  templateId: string,
  msgId: string,
) {
  if (session.worker !== "running") return;
  session
    .act({ type: "subscribe_sent", templateId, msgId, errorCode: 0, errorStatus: "success" }, chat)
    .catch((error: unknown) =>
      session.log("simulator", `delivery report not pushed: ${(error as Error).message}`),
    );
}

function templateCard(body: Record<string, unknown>): TemplateCard {
  const data = (typeof body.data === "object" && body.data !== null ? body.data : {}) as Record<
    string,
    { value?: unknown }
  >;
  return {
    kind: "template",
    templateId: String(body.template_id ?? ""),
    ...(typeof body.url === "string" ? { url: body.url } : {}),
    fields: Object.entries(data).map(([name, field]) => ({
      name,
      value: String(field?.value ?? ""),
    })),
  };
}

function massView(body: Record<string, unknown>) {
  const msgtype = String(body.msgtype ?? "");
  if (msgtype === "mpnews" || msgtype === "mpvideo" || msgtype === "wxcard") {
    const part = (body[msgtype] ?? {}) as Record<string, unknown>;
    return {
      kind: "other" as const,
      label: `[${msgtype}] ${String(part.media_id ?? part.card_id ?? "")}`,
    };
  }
  if (msgtype === "images") {
    const part = (body.images ?? {}) as { media_ids?: unknown[] };
    return { kind: "image" as const, mediaId: String(part.media_ids?.[0] ?? "") };
  }
  return customMessageView(body);
}
