/**
 * The fake's memory for the messaging, menu, media, follower and OAuth endpoints, kept beside the
 * FakeWeChat instance (a WeakMap, so the core fake stays unaware of these areas).
 *
 * Everything the account sends (customer-service, template, mass, preview) lands in `outbox` with
 * a sequence number, so the playground can show it (`GET /__fake/outbox?since=<seq>`).
 */
import type { FakeWeChat } from "./fake.ts";

export type InteractionKind = "message" | "click" | "follow" | "scan";

/** What an interaction allows: the customer-service quota table of the current docs. */
export const INTERACTION_ALLOWANCE: Record<InteractionKind, { quota: number; validMs: number }> = {
  message: { quota: 5, validMs: 48 * 3_600_000 },
  click: { quota: 3, validMs: 60_000 },
  follow: { quota: 3, validMs: 60_000 },
  scan: { quota: 3, validMs: 60_000 },
};

export interface Grant {
  kind: InteractionKind;
  at: number;
  used: number;
}

export interface OutboxEntry {
  seq: number;
  at: number;
  kind: "custom" | "typing" | "template" | "mass" | "preview" | "subscribe";
  appid: string;
  /** One openid, a list, or "tag:<id>" / "all" for mass sends. */
  to: string | string[];
  body: unknown;
  msgid?: string;
}

export interface StoredMedia {
  type: string;
  filename: string;
  contentType: string;
  bytes: Uint8Array;
  permanent: boolean;
  createdAt: number;
  video?: { title: string; introduction: string };
}

export interface MassRecord {
  msgId: string;
  clientmsgid?: string;
  at: number;
  status: "SEND_SUCCESS" | "DELETE";
}

export interface OAuthUser {
  openid: string;
  nickname: string;
  headimgurl: string;
  unionid?: string;
}

export interface PlatformState {
  /**
   * Whether the account may use the customer-service API (客服接口). Verified service accounts
   * may; unverified subscription accounts (未认证订阅号) get 48001 "api unauthorized".
   */
  customerService: boolean;
  seq: number;
  outbox: OutboxEntry[];
  grants: Map<string, Grant[]>;
  nextMsgId: bigint;
  mass: Map<string, MassRecord>;
  massSpeed: number;
  menu: unknown;
  media: Map<string, StoredMedia>;
  followers: Map<string, Record<string, unknown>>;
  /** The follower the authorize page signs in (configurable by tests and the playground). */
  oauthUser: OAuthUser;
  oauthCodes: Map<
    string,
    { appid: string; openid: string; scope: string; expiresAt: number; used: boolean }
  >;
  userTokens: Map<string, { openid: string; scope: string; expiresAt: number }>;
}

const states = new WeakMap<FakeWeChat, PlatformState>();

export const DEFAULT_OAUTH_USER: OAuthUser = {
  openid: "oFakeUser0000000000000000001",
  nickname: "测试用户",
  headimgurl: "https://thirdwx.qlogo.cn/mmopen/fake/132",
};

export function platformState(fake: FakeWeChat): PlatformState {
  let state = states.get(fake);
  if (!state) {
    state = {
      customerService: true,
      seq: 0,
      outbox: [],
      grants: new Map(),
      // Ids beyond 2^53, as WeChat's are (co-wechat-api #89).
      nextMsgId: 3_147_483_649_123_456_789n,
      mass: new Map(),
      massSpeed: 0,
      menu: undefined,
      media: new Map(),
      followers: new Map(),
      oauthUser: { ...DEFAULT_OAUTH_USER },
      oauthCodes: new Map(),
      userTokens: new Map(),
    };
    states.set(fake, state);
  }
  return state;
}

/** Records that `openid` interacted with the account at `at` (default: the fake's now). */
export function recordInteraction(
  fake: FakeWeChat,
  openid: string,
  kind: InteractionKind = "message",
  at = fake.now(),
) {
  const state = platformState(fake);
  state.grants.set(openid, [...(state.grants.get(openid) ?? []), { kind, at, used: 0 }]);
  if (!state.followers.has(openid)) addFollower(fake, openid);
}

export function addFollower(fake: FakeWeChat, openid: string, info: Record<string, unknown> = {}) {
  platformState(fake).followers.set(openid, {
    subscribe: 1,
    openid,
    language: "zh_CN",
    subscribe_time: Math.floor(fake.now() / 1000),
    remark: "",
    groupid: 0,
    tagid_list: [],
    subscribe_scene: "ADD_SCENE_QR_CODE",
    qr_scene: 0,
    qr_scene_str: "",
    ...info,
  });
}

export function nextMsgId(fake: FakeWeChat): string {
  const state = platformState(fake);
  state.nextMsgId += 1n;
  return state.nextMsgId.toString();
}

export function recordSent(fake: FakeWeChat, entry: Omit<OutboxEntry, "seq" | "at">): OutboxEntry {
  const state = platformState(fake);
  const full = { ...entry, seq: ++state.seq, at: fake.now() };
  state.outbox.push(full);
  return full;
}

/** Entries after `since` (a seq), oldest first. */
export function outboxSince(fake: FakeWeChat, since = 0): OutboxEntry[] {
  return platformState(fake).outbox.filter((entry) => entry.seq > since);
}
