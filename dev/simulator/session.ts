/**
 * The playground's conversations: one per account the follower chats with (the Worker's own
 * account, or the two demo accounts of the 第三方平台 mode), each with the follower's state
 * (following or not); the encryption mode chosen for pushes, every exchange with the Worker, and
 * the messages that arrived outside an exchange (customer-service, template, mass, subscription
 * notices), each tagged with its chat. The page follows it through an event stream; the history
 * is replayed to a page that (re)connects.
 */
import type { PushMode } from "../../src/wechat/push";
import {
  deliverPush,
  SERVICE_UNAVAILABLE,
  type AttemptRecord,
  type DeliveryAccount,
  type ExchangeWire,
} from "./delivery";
import { buildPush, type FollowerAction } from "./pushes";
import type { ChatMessage } from "./reply-view";
import { DEFAULT_SETTINGS, type PlaygroundSettings } from "./settings";

/** One account the follower chats with: the Worker's own, or a 第三方平台's authoriser. */
export interface ChatAccount {
  /** MAIN_CHAT, or the authoriser's appid. */
  id: string;
  /** The name in the chat's header and tab. */
  name: string;
  /** The account's appid (the authoriser's, in component mode). */
  appId: string;
  /** The follower's openid with this account (each account has its own, as on WeChat). */
  openid: string;
  /** The account's original id (原始ID), the ToUserName of its pushes. */
  originalId: string;
  /** How WeChat signs and seals this account's pushes: an authoriser's with the component's. */
  keys: { token: string; appId: string; encodingAESKey: string };
  /** The push URL's path: /wechat, or /wechat/<appid> for an authoriser. */
  path: string;
  /** A mode WeChat always uses for this account (a 第三方平台's pushes are always encrypted). */
  mode?: PushMode;
}

/** The chat with the Worker's own account (WECHAT_APPID). */
export const MAIN_CHAT = "main";

export interface PublicChat {
  id: string;
  name: string;
  appId: string;
  openid: string;
  originalId: string;
  path: string;
  mode?: PushMode;
  following: boolean;
}

export interface Exchange {
  id: number;
  at: number;
  /** The chat (ChatAccount id) it belongs to. */
  chat: string;
  action: FollowerAction["type"];
  /** The follower's side of the chat. */
  summary: string;
  status: "sending" | "answered" | "failed";
  /** Deliveries that are over, for the timeline. */
  attempts: AttemptRecord[];
  /** The delivery under way while sending: which one and when it went out. */
  delivering?: { attempt: number; startedMs: number };
  wire?: ExchangeWire;
  reply?: ChatMessage;
  /** WeChat's notice to the follower when the answer was unusable. */
  notice?: string;
  problem?: string;
}

export interface ArrivedMessage {
  id: number;
  at: number;
  /** The chat (ChatAccount id) it reached. */
  chat: string;
  /** How it reached the follower. */
  via: "customer-service" | "template" | "mass" | "subscribe";
  message: ChatMessage | TemplateCard | ServiceNotice;
  /** The request the Worker made, for the raw view. */
  raw: string;
}

export interface TemplateCard {
  kind: "template";
  templateId: string;
  url?: string;
  fields: { name: string; value: string }[];
}

/**
 * A subscription notice as WeChat draws it (服务通知): the template's title, one row per keyword,
 * and the tap target: 查看详情 for a web page, 进入小程序查看 for a mini program.
 */
export interface ServiceNotice {
  kind: "service-notice";
  templateId: string;
  title: string;
  rows: { name: string; value: string }[];
  /** What tapping opens, if anything. */
  opens?: { kind: "page"; url: string } | { kind: "miniprogram"; appid: string; pagepath: string };
}

export type SessionEvent =
  | { type: "state"; state: PublicState }
  | { type: "exchange"; exchange: Exchange }
  | { type: "arrived"; message: ArrivedMessage }
  | { type: "log"; at: number; source: "simulator" | "worker"; line: string };

/** What the page may know: nothing here is a secret. */
export interface PublicState extends PlaygroundSettings {
  /** "restarting" while a bot switch restarts `wrangler dev`: the page cannot push meanwhile. */
  worker: WorkerStatus;
  mode: PushMode;
  /** The first chat's, as before the component mode: */
  following: boolean;
  openid: string;
  originalId: string;
  appId: string;
  /** Every account the follower can chat with now, the first one the default. */
  chats: PublicChat[];
  workerUrl: string;
}

export type WorkerStatus = "running" | "restarting" | "stopped";

const HISTORY_LIMIT = 500;
const LOG_LIMIT = 400;

export class PlaygroundSession {
  mode: PushMode = "plaintext";
  settings: PlaygroundSettings = { ...DEFAULT_SETTINGS };
  worker: WorkerStatus = "running";
  readonly #mainChat: ChatAccount;
  #chats: { account: ChatAccount; following: boolean }[];
  /** Every chat there has been, so that one coming back keeps its following state. */
  readonly #known = new Map<string, { account: ChatAccount; following: boolean }>();
  readonly #workerUrl: string;
  readonly #attemptTimeoutMs: number | undefined;
  readonly #onAction:
    ((action: FollowerAction, wasFollowing: boolean, chat: ChatAccount) => void) | undefined;
  readonly #history: SessionEvent[] = [];
  readonly #logs: SessionEvent[] = [];
  readonly #listeners = new Set<(event: SessionEvent) => void>();
  #nextId = 1;

  constructor(
    account: DeliveryAccount,
    workerUrl: string,
    options: {
      attemptTimeoutMs?: number;
      /** Called as the follower acts, before the push goes out (WeChat records it first). */
      onAction?: (action: FollowerAction, wasFollowing: boolean, chat: ChatAccount) => void;
    } = {},
  ) {
    this.#mainChat = {
      id: MAIN_CHAT,
      name: "演示公众号",
      appId: account.appId,
      openid: account.openid,
      originalId: account.originalId,
      keys: { token: account.token, appId: account.appId, encodingAESKey: account.encodingAESKey },
      path: "/wechat",
    };
    this.#chats = [{ account: this.#mainChat, following: false }];
    this.#known.set(MAIN_CHAT, this.#chats[0]!);
    this.#workerUrl = workerUrl;
    this.#attemptTimeoutMs = options.attemptTimeoutMs;
    this.#onAction = options.onAction;
  }

  state(): PublicState {
    const chats = this.#chats.map(({ account, following }) => ({
      id: account.id,
      name: account.name,
      appId: account.appId,
      openid: account.openid,
      originalId: account.originalId,
      path: account.path,
      ...(account.mode ? { mode: account.mode } : {}),
      following,
    }));
    const first = chats[0]!;
    return {
      ...this.settings,
      worker: this.worker,
      mode: this.mode,
      following: first.following,
      openid: first.openid,
      originalId: first.originalId,
      appId: first.appId,
      chats,
      workerUrl: this.#workerUrl,
    };
  }

  /** Whether the follower follows the chat's account (the first chat's by default). */
  following(chat?: string): boolean {
    return this.#chat(chat)?.following ?? false;
  }

  /**
   * The accounts the follower chats with: the given ones (a 第三方平台's authorisers), or, with
   * none, the Worker's own account again. A chat seen before keeps its following state.
   */
  setChats(accounts: ChatAccount[]): void {
    const next = accounts.length > 0 ? accounts : [this.#mainChat];
    this.#chats = next.map((account) => {
      const chat = { account, following: this.#known.get(account.id)?.following ?? false };
      this.#known.set(account.id, chat);
      return chat;
    });
    this.#emit({ type: "state", state: this.state() });
  }

  hasChat(id: string): boolean {
    return this.#chat(id) !== undefined;
  }

  /** The chat a message the Worker sent through WeChat's API reaches, if any. */
  chatReached(appId: string, to: string | string[]): string | undefined {
    const everyone = to === "all" || (typeof to === "string" && to.startsWith("tag:"));
    return this.#chats.find(
      ({ account }) =>
        account.appId === appId &&
        (everyone || to === account.openid || (Array.isArray(to) && to.includes(account.openid))),
    )?.account.id;
  }

  #chat(id: string | undefined) {
    return id === undefined ? this.#chats[0] : this.#chats.find((c) => c.account.id === id);
  }

  /** Everything a newly connected page needs to redraw the conversation. */
  replay(): SessionEvent[] {
    return [{ type: "state", state: this.state() }, ...this.#history, ...this.#logs];
  }

  subscribe(listener: (event: SessionEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  setMode(mode: PushMode): void {
    this.mode = mode;
    this.log("simulator", `encryption mode → ${mode}`);
    this.#emit({ type: "state", state: this.state() });
  }

  /** Records switches the stack has applied, and tells the page. */
  update(change: Partial<PlaygroundSettings> & { worker?: WorkerStatus }): void {
    const { worker, ...settings } = change;
    if (worker) this.worker = worker;
    this.settings = { ...this.settings, ...settings };
    this.#emit({ type: "state", state: this.state() });
  }

  log(source: "simulator" | "worker", line: string): void {
    const event: SessionEvent = { type: "log", at: Date.now(), source, line };
    this.#logs.push(event);
    if (this.#logs.length > LOG_LIMIT) this.#logs.shift();
    for (const listener of this.#listeners) listener(event);
  }

  arrived(message: Omit<ArrivedMessage, "id" | "at">): void {
    this.#record({ type: "arrived", message: { id: this.#nextId++, at: Date.now(), ...message } });
  }

  /**
   * Sends one push as WeChat would, in `chatId`'s chat (the first by default); resolves when
   * WeChat is done with it (retries included).
   */
  async act(action: FollowerAction, chatId?: string): Promise<Exchange> {
    const chat = this.#chat(chatId);
    if (!chat) throw new Error(`no chat ${JSON.stringify(chatId)}`);
    const { account } = chat;
    const built = buildPush(
      action,
      { originalId: account.originalId, openid: account.openid, following: chat.following },
      Math.floor(Date.now() / 1000),
    );
    this.#onAction?.(action, chat.following, account);
    // WeChat changes the subscription at once, whatever the account answers.
    if (built.followingAfter !== chat.following) {
      chat.following = built.followingAfter;
      this.#emit({ type: "state", state: this.state() });
    }
    const exchange: Exchange = {
      id: this.#nextId++,
      at: Date.now(),
      chat: account.id,
      action: action.type,
      summary: built.summary,
      status: "sending",
      attempts: [],
      delivering: { attempt: 1, startedMs: 0 },
    };
    this.#record({ type: "exchange", exchange });
    const mode = account.mode ?? this.mode;
    this.log("simulator", `push #${exchange.id} (${action.type}, ${mode}) → POST ${account.path}`);
    const delivery: DeliveryAccount = {
      ...account.keys,
      openid: account.openid,
      originalId: account.originalId,
    };
    const result = await deliverPush(delivery, built.xml, {
      workerUrl: this.#workerUrl,
      mode,
      path: account.path,
      ...(this.#attemptTimeoutMs ? { attemptTimeoutMs: this.#attemptTimeoutMs } : {}),
      onAttemptStart: (attempt, startedMs) => {
        if (attempt === 1) return;
        exchange.delivering = { attempt, startedMs };
        this.#emit({ type: "exchange", exchange });
      },
      onAttempt: (record) => {
        delete exchange.delivering;
        exchange.attempts.push(record);
        const lapsed = record.got === "no-answer" || record.got === "connection-failed";
        this.log(
          "simulator",
          `push #${exchange.id} delivery ${record.attempt}/3 at ${seconds(record.startedMs)}: ` +
            `${record.outcome} after ${record.ms} ms, ${record.got}` +
            (lapsed && record.attempt < 3 ? "; WeChat sends the same push again" : ""),
        );
        this.#emit({ type: "exchange", exchange });
      },
    });
    exchange.wire = result.wire;
    if (result.problem) {
      exchange.status = "failed";
      exchange.problem = result.problem;
      exchange.notice = SERVICE_UNAVAILABLE;
      this.log(
        "simulator",
        `push #${exchange.id}: the follower sees "${SERVICE_UNAVAILABLE}" (${result.problem})`,
      );
    } else {
      exchange.status = "answered";
      if (result.reply) exchange.reply = result.reply;
      else this.log("simulator", `push #${exchange.id}: answered "success" (no passive reply)`);
    }
    this.#emit({ type: "exchange", exchange });
    return exchange;
  }

  #record(event: SessionEvent): void {
    this.#history.push(event);
    if (this.#history.length > HISTORY_LIMIT) this.#history.shift();
    this.#emit(event);
  }

  #emit(event: SessionEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
