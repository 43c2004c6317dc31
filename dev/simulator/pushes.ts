/**
 * The inner XML of every push the playground can send, field for field as WeChat documents them
 * (接收普通消息, 接收事件推送, 自定义菜单事件推送). Signing and encryption happen later, in delivery.
 */
import { randomBytes } from "node:crypto";
import { renderXml, type XmlOutputElement } from "../../src/wechat/xml";

/** What the page asks the follower to do. */
export type FollowerAction =
  | { type: "text"; content: string }
  | { type: "image"; picUrl: string }
  | { type: "voice"; recognition?: string }
  | { type: "location"; latitude: string; longitude: string; scale?: string; label?: string }
  | { type: "link"; title: string; description?: string; url: string }
  | { type: "follow" }
  | { type: "unfollow" }
  | { type: "scan"; scene: string; ticket?: string }
  | { type: "click"; key: string }
  | { type: "view"; url: string }
  | { type: "report_location"; latitude: string; longitude: string; precision?: string };

export interface PushParties {
  /** The account's original id (原始ID). */
  originalId: string;
  openid: string;
  following: boolean;
}

export interface BuiltPush {
  xml: string;
  /** How the follower's side of the chat shows it. */
  summary: string;
  /** The follower's subscription state once WeChat has processed the action. */
  followingAfter: boolean;
}

/** A MsgId as WeChat issues them: 64-bit, above 2^53, so it must stay a string end to end. */
export function newMsgId(): string {
  return (BigInt(`0x${randomBytes(8).toString("hex")}`) | (1n << 62n)).toString();
}

function mediaId(): string {
  return randomBytes(24).toString("base64url");
}

/** A ticket shaped like qrcode/create's, for scans of codes the Worker did not create itself. */
export function placeholderTicket(): string {
  return `gQ${randomBytes(42).toString("base64")}`;
}

export function buildPush(action: FollowerAction, parties: PushParties, now: number): BuiltPush {
  const head = {
    ToUserName: parties.originalId,
    FromUserName: parties.openid,
    CreateTime: now,
  };
  const message = (msgType: string, fields: XmlOutputElement) =>
    renderXml({ ...head, MsgType: msgType, ...fields, MsgId: newMsgId() });
  const event = (name: string, fields: XmlOutputElement = {}) =>
    renderXml({ ...head, MsgType: "event", Event: name, ...fields });
  const stay = parties.following;

  switch (action.type) {
    case "text":
      return {
        xml: message("text", { Content: action.content }),
        summary: action.content,
        followingAfter: stay,
      };
    case "image":
      return {
        xml: message("image", { PicUrl: action.picUrl, MediaId: mediaId() }),
        summary: "[图片 image]",
        followingAfter: stay,
      };
    case "voice":
      return {
        // Recognition is present only when the account enabled 语音识别.
        xml: message("voice", {
          MediaId: mediaId(),
          Format: "amr",
          ...(action.recognition ? { Recognition: action.recognition } : {}),
        }),
        summary: action.recognition ? `[语音 voice] ${action.recognition}` : "[语音 voice]",
        followingAfter: stay,
      };
    case "location":
      return {
        xml: message("location", {
          Location_X: action.latitude,
          Location_Y: action.longitude,
          Scale: action.scale ?? "15",
          Label: action.label ?? "",
        }),
        summary: `[位置 location] ${action.label || `${action.latitude}, ${action.longitude}`}`,
        followingAfter: stay,
      };
    case "link":
      return {
        xml: message("link", {
          Title: action.title,
          Description: action.description ?? "",
          Url: action.url,
        }),
        summary: `[链接 link] ${action.title}`,
        followingAfter: stay,
      };
    case "follow":
      return {
        xml: event("subscribe", { EventKey: "" }),
        summary: "关注 follow",
        followingAfter: true,
      };
    case "unfollow":
      return {
        xml: event("unsubscribe", { EventKey: "" }),
        summary: "取消关注 unfollow",
        followingAfter: false,
      };
    case "scan": {
      const ticket = action.ticket ?? placeholderTicket();
      // Not following: the scan is a follow carrying "qrscene_<scene>"; following: a SCAN event
      // with the bare scene (接收事件推送: 扫描带参数二维码事件).
      return parties.following
        ? {
            xml: event("SCAN", { EventKey: action.scene, Ticket: ticket }),
            summary: `扫码 scan: ${action.scene}`,
            followingAfter: true,
          }
        : {
            xml: event("subscribe", { EventKey: `qrscene_${action.scene}`, Ticket: ticket }),
            summary: `扫码关注 scan & follow: ${action.scene}`,
            followingAfter: true,
          };
    }
    case "click":
      return {
        xml: event("CLICK", { EventKey: action.key }),
        summary: `菜单 menu: ${action.key}`,
        followingAfter: stay,
      };
    case "view":
      return {
        xml: event("VIEW", { EventKey: action.url }),
        summary: `菜单链接 menu link: ${action.url}`,
        followingAfter: stay,
      };
    case "report_location":
      return {
        xml: event("LOCATION", {
          Latitude: action.latitude,
          Longitude: action.longitude,
          Precision: action.precision ?? "30.000000",
        }),
        summary: `上报位置 location report: ${action.latitude}, ${action.longitude}`,
        followingAfter: stay,
      };
  }
}

const text = (value: unknown, max: number): string | undefined =>
  typeof value === "string" && value.length <= max ? value : undefined;
const coordinate = (value: unknown): string | undefined =>
  typeof value === "string" && /^-?\d{1,3}(\.\d{1,8})?$/.test(value.trim())
    ? value.trim()
    : undefined;

/** Validates an action posted by the page; a string is the reason it was refused. */
export function parseAction(body: unknown): FollowerAction | string {
  if (typeof body !== "object" || body === null) return "expected a JSON object";
  const b = body as Record<string, unknown>;
  switch (b.type) {
    case "text": {
      const content = text(b.content, 2048);
      return content ? { type: "text", content } : "content must be 1-2048 characters";
    }
    case "image": {
      const picUrl = text(b.picUrl, 1024);
      return picUrl && /^https?:\/\//.test(picUrl)
        ? { type: "image", picUrl }
        : "picUrl must be an http(s) URL";
    }
    case "voice": {
      const recognition = b.recognition === undefined ? undefined : text(b.recognition, 1024);
      if (b.recognition !== undefined && recognition === undefined)
        return "recognition must be text";
      return recognition ? { type: "voice", recognition } : { type: "voice" };
    }
    case "location":
    case "report_location": {
      const latitude = coordinate(b.latitude);
      const longitude = coordinate(b.longitude);
      if (!latitude || !longitude) return "latitude and longitude must be decimal degrees";
      return b.type === "location"
        ? { type: "location", latitude, longitude, label: text(b.label, 200) ?? "" }
        : { type: "report_location", latitude, longitude };
    }
    case "link": {
      const title = text(b.title, 200);
      const url = text(b.url, 1024);
      if (!title || !url || !/^https?:\/\//.test(url))
        return "a link needs a title and an http(s) url";
      return { type: "link", title, url, description: text(b.description, 500) ?? "" };
    }
    case "follow":
    case "unfollow":
      return { type: b.type };
    case "scan": {
      const scene = text(b.scene, 64);
      if (!scene || !/^[\x21-\x7e]+$/.test(scene))
        return "scene must be 1-64 visible ASCII characters";
      const ticket = b.ticket === undefined ? undefined : text(b.ticket, 512);
      return ticket ? { type: "scan", scene, ticket } : { type: "scan", scene };
    }
    case "click": {
      const key = text(b.key, 128);
      return key ? { type: "click", key } : "key must be 1-128 characters";
    }
    case "view": {
      const url = text(b.url, 1024);
      return url ? { type: "view", url } : "url must be given";
    }
    default:
      return "unknown action type";
  }
}
