/**
 * The router users write their bots against: handlers by message type, by event (and event key),
 * by text pattern, and a fallback.
 *
 * @example
 * const bot = new WeChatRouter<BotContext>()
 *   .text(/^hi$/i, () => "hello")
 *   .on("image", () => reply.text("nice picture"))
 *   .event("CLICK", "V1001_TODAY_MUSIC", () => reply.music({ ... }))
 *   .event("subscribe_msg_popup_event", (e) => `${e.list.length} template(s) answered`)
 *   .fallback(() => undefined); // nothing → "success"
 */
import type {
  EventName,
  InboundEvent,
  InboundMessage,
  NormalMessageType,
  TextMessage,
  UnknownMessage,
} from "./message";
import { rawEventName } from "./message";
import type { Reply } from "./reply";

/** What a handler may return: a reply, a string (a text reply), or nothing (`success`). */
export type HandlerResult = Reply | string | undefined | null | void;

export type Handler<M extends InboundMessage, C> = (
  message: M,
  context: C,
) => HandlerResult | Promise<HandlerResult>;

export type TextMatch = TextMessage & { match: RegExpMatchArray };

type MessageOfType<T extends NormalMessageType | "unknown"> = T extends "unknown"
  ? UnknownMessage
  : Extract<InboundMessage, { msgType: T }>;
type EventOfName<E extends string> = E extends EventName
  ? Extract<InboundEvent, { event: E }>
  : InboundEvent;

interface Route<C> {
  matches(message: InboundMessage): RegExpMatchArray | true | undefined;
  handler: Handler<any, C>;
}

function eventKeyMatches(message: InboundEvent, key: string | RegExp): boolean {
  // Subscription events have no EventKey; their key is a template: any item with that TemplateId.
  if ("list" in message) {
    return message.list.some((item) =>
      typeof key === "string"
        ? item.templateId === key
        : execFromStart(key, item.templateId) !== null,
    );
  }
  const eventKey = "eventKey" in message ? (message.eventKey ?? "") : "";
  if (typeof key === "string") {
    // A QR follow's key is qrscene_<scene>; routing on the scene alone is what users mean.
    return eventKey === key || ("qr" in message && message.qr?.scene === key);
  }
  return execFromStart(key, eventKey) !== null;
}

// A /g or /y pattern keeps lastIndex between calls, so reused as is it would match only every
// other push; each push is matched from its start, and exec keeps capture groups even with /g.
function execFromStart(pattern: RegExp, text: string): RegExpExecArray | null {
  pattern.lastIndex = 0;
  const match = pattern.exec(text);
  pattern.lastIndex = 0;
  return match;
}

/** Routes an inbound message to the first matching handler. */
export class WeChatRouter<C = unknown> {
  readonly #textRoutes: Route<C>[] = [];
  readonly #eventKeyRoutes: Route<C>[] = [];
  readonly #typeRoutes: Route<C>[] = [];
  #fallback: Handler<InboundMessage, C> | undefined;

  /** Handles one message type (text, image, voice, …, or "unknown" for types WeChat adds later). */
  on<T extends NormalMessageType | "unknown">(
    msgType: T,
    handler: Handler<MessageOfType<T>, C>,
  ): this {
    this.#typeRoutes.push({ matches: (m) => (m.msgType === msgType ? true : undefined), handler });
    return this;
  }

  /**
   * Handles an event by name (case-insensitive, any name WeChat sends), optionally only for one
   * EventKey (a string, or a pattern). For QR follows and scans the scene matches as the key; for
   * the subscription events (`subscribe_msg_popup_event`, `…_change_event`, `…_sent_event`) a
   * template id does, when any item of the event's `list` names it.
   */
  event<E extends EventName | (string & {})>(event: E, handler: Handler<EventOfName<E>, C>): this;
  event<E extends EventName | (string & {})>(
    event: E,
    eventKey: string | RegExp,
    handler: Handler<EventOfName<E>, C>,
  ): this;
  event(
    event: string,
    keyOrHandler: string | RegExp | Handler<any, C>,
    maybeHandler?: Handler<any, C>,
  ): this {
    const name = event.toLowerCase();
    const isEvent = (m: InboundMessage): m is InboundEvent =>
      m.msgType === "event" && rawEventName(m).toLowerCase() === name;
    if (typeof keyOrHandler === "function") {
      this.#typeRoutes.push({
        matches: (m) => (isEvent(m) ? true : undefined),
        handler: keyOrHandler,
      });
    } else if (maybeHandler) {
      const key = keyOrHandler;
      this.#eventKeyRoutes.push({
        matches: (m) => (isEvent(m) && eventKeyMatches(m, key) ? true : undefined),
        handler: maybeHandler,
      });
    }
    return this;
  }

  /** Handles text messages equal to a string or matching a pattern; the match is passed along. */
  text(pattern: string | RegExp, handler: Handler<TextMatch, C>): this {
    this.#textRoutes.push({
      matches: (m) => {
        if (m.msgType !== "text") return undefined;
        if (typeof pattern === "string") {
          return m.content.trim() === pattern
            ? (Object.assign([m.content], { index: 0 }) as RegExpMatchArray)
            : undefined;
        }
        return execFromStart(pattern, m.content) ?? undefined;
      },
      handler: (message: TextMessage, context: C) => {
        return handler(message as TextMatch, context);
      },
    });
    return this;
  }

  /** Handles whatever no other route took. Without one, unmatched pushes get `success`. */
  fallback(handler: Handler<InboundMessage, C>): this {
    this.#fallback = handler;
    return this;
  }

  /** Runs the first matching handler: text patterns, then event keys, then types, then fallback. */
  async dispatch(message: InboundMessage, context: C): Promise<Reply | undefined> {
    for (const routes of [this.#textRoutes, this.#eventKeyRoutes, this.#typeRoutes]) {
      for (const route of routes) {
        const match = route.matches(message);
        if (match === undefined) continue;
        const target = match === true ? message : { ...message, match };
        return normalizeResult(await route.handler(target, context));
      }
    }
    return this.#fallback ? normalizeResult(await this.#fallback(message, context)) : undefined;
  }
}

function normalizeResult(result: HandlerResult): Reply | undefined {
  if (result === undefined || result === null) return undefined;
  if (typeof result === "string") return { type: "text", content: result };
  return result;
}
