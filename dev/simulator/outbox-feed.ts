/**
 * Turns what the Worker sent through WeChat's API into messages on the follower's phone:
 * customer-service messages (the late replies of /slow), template messages and mass sends that
 * reach this follower. Polls the fake's outbox, as a phone would simply receive them. A
 * customer-service message WeChat refused reaches nobody; the log says why (48001 on an
 * unverified subscription account).
 */
import type { FakeWeChat } from "../fake-wechat/fake";
import { customMessageView } from "./reply-view";
import type { PlaygroundSession, TemplateCard } from "./session";
import { readOutbox, type OutboxEntry } from "./wechat-state";

const POLL_MS = 500;
const CUSTOM_SEND = "/cgi-bin/message/custom/send";
const REFUSALS: Record<number, string> = {
  45015: "the follower has not written in 48 hours",
  45047: "over the customer-service quota",
  48001: "api unauthorized: this account has no customer-service permission",
};

export function followOutbox(
  fake: FakeWeChat,
  session: PlaygroundSession,
  openid: string,
): () => void {
  let since = 0;
  let requestsSeen = 0;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const poll = () => {
    try {
      for (const entry of readOutbox(fake, since)) {
        since = Math.max(since, entry.seq);
        show(entry, session, openid);
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

function show(entry: OutboxEntry, session: PlaygroundSession, openid: string) {
  const body = (typeof entry.body === "object" && entry.body !== null ? entry.body : {}) as Record<
    string,
    unknown
  >;
  const raw = JSON.stringify(body, null, 2);
  // Mass sends to everyone or a tag reach this follower too; the playground has only one.
  const reaches =
    entry.to === openid ||
    (Array.isArray(entry.to) && entry.to.includes(openid)) ||
    entry.to === "all" ||
    (typeof entry.to === "string" && entry.to.startsWith("tag:"));
  if (!reaches) return;
  switch (entry.kind) {
    case "custom":
      return session.arrived({ via: "customer-service", message: customMessageView(body), raw });
    case "template":
      return session.arrived({ via: "template", message: templateCard(body), raw });
    case "mass":
    case "preview":
      return session.arrived({ via: "mass", message: massView(body), raw });
    case "typing":
      return session.log(
        "simulator",
        `customer-service typing indicator: ${String(body.command ?? "")}`,
      );
  }
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
