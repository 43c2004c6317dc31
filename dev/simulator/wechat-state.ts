/**
 * WeChat's own records, read and written on WeChat's side: the simulator and the fake API are
 * one WeChat. Reads: the menu the Worker published, the parametric QR codes it created, the
 * messages it sent (outbox), the account's subscription templates. Writes: the follower's
 * interactions, which open the customer-service window (5 messages in 48 h after a message; 3 in
 * 1 min after a follow, scan or menu click), and their answers to subscription popups, which
 * allow bizsend (one notice per acceptance of a one-time template).
 */
import type { FakeWeChat } from "../fake-wechat/fake";
import { qrCodeBook } from "../fake-wechat/endpoints/qrcode";
import {
  accountTemplates,
  acceptedNotices,
  recordSubscription,
} from "../fake-wechat/endpoints/subscribe";
import {
  addFollower,
  outboxSince,
  platformState,
  recordInteraction,
  type InteractionKind,
  type OutboxEntry,
} from "../fake-wechat/platform-state";
import type { FollowerAction } from "./pushes";

export type { OutboxEntry };

export interface MenuButton {
  type?: string;
  name: string;
  key?: string;
  url?: string;
  sub_button?: MenuButton[];
}

export type PublishedMenu =
  { published: true; button: MenuButton[] } | { published: false; reason: string };

export interface KnownQrCode {
  scene: string;
  ticket: string;
  permanent: boolean;
}

export function readPublishedMenu(fake: FakeWeChat): PublishedMenu {
  const menu = platformState(fake).menu as
    { button?: MenuButton[]; menu?: { button?: MenuButton[] } } | undefined;
  const button = menu?.button ?? menu?.menu?.button;
  return Array.isArray(button) && button.length > 0
    ? { published: true, button }
    : { published: false, reason: "the Worker has not published a menu (menu/create)" };
}

export function readOutbox(fake: FakeWeChat, since: number): OutboxEntry[] {
  return outboxSince(fake, since);
}

/** Live QR codes of this account, newest first. */
export function readQrCodes(fake: FakeWeChat, appId: string): KnownQrCode[] {
  const now = fake.now();
  return [...qrCodeBook(fake).byTicket.values()]
    .filter(
      (code) => code.appid === appId && (code.expiresAt === undefined || code.expiresAt > now),
    )
    .reverse()
    .map((code) => ({
      scene: code.scene,
      ticket: code.ticket,
      permanent: code.expiresAt === undefined,
    }));
}

const INTERACTIONS: Partial<Record<FollowerAction["type"], InteractionKind>> = {
  text: "message",
  image: "message",
  voice: "message",
  location: "message",
  link: "message",
  follow: "follow",
  scan: "scan",
  // Only click (and scancode) menu buttons open the window; view buttons do not.
  click: "click",
};

export interface KnownSubscribeTemplate {
  priTmplId: string;
  title: string;
  /** 2 one-time (一次性订阅), 3 long-term (长期订阅). */
  type: number;
  /** Notices the follower may still be sent (null: an accepted long-term template). */
  accepted: number | null;
}

/** The account's subscription templates, with what the follower has accepted of each. */
export function readSubscribeTemplates(
  fake: FakeWeChat,
  appId: string,
  openid: string,
): KnownSubscribeTemplate[] {
  return [...accountTemplates(fake, appId).values()].map(({ priTmplId, title, type }) => {
    const accepted = acceptedNotices(fake, openid, priTmplId);
    return { priTmplId, title, type, accepted: Number.isFinite(accepted) ? accepted : null };
  });
}

/** What WeChat records when the follower acts, before the push goes out. */
export function recordFollowerAction(
  fake: FakeWeChat,
  openid: string,
  action: FollowerAction,
  wasFollowing: boolean,
  appId = [...fake.accounts.keys()][0]!,
) {
  if (action.type === "subscribe_popup" || action.type === "subscribe_manage") {
    const status = action.type === "subscribe_popup" ? action.status : "reject";
    recordSubscription(fake, appId, openid, action.templateId, status);
    return;
  }
  const followers = platformState(fake).followers;
  if (action.type === "unfollow") {
    const info = followers.get(openid);
    if (info) followers.set(openid, { ...info, subscribe: 0 });
    return;
  }
  if (action.type === "follow" || (action.type === "scan" && !wasFollowing)) {
    const scene = action.type === "scan" ? action.scene : undefined;
    addFollower(fake, openid, {
      subscribe_scene: scene === undefined ? "ADD_SCENE_SEARCH" : "ADD_SCENE_QR_CODE",
      qr_scene: scene !== undefined && /^\d+$/.test(scene) ? Number(scene) : 0,
      qr_scene_str: scene !== undefined && !/^\d+$/.test(scene) ? scene : "",
    });
  }
  const kind = INTERACTIONS[action.type];
  if (kind) recordInteraction(fake, openid, kind);
}
