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
  | { type: "report_location"; latitude: string; longitude: string; precision?: string }
  /** The follower answers a subscription popup (订阅通知弹窗) in an article (2) or an H5 page (1). */
  | { type: "subscribe_popup"; templateId: string; status: "accept" | "reject"; scene: 1 | 2 }
  /** The follower refuses a template on the service notice management page (拒收). */
  | { type: "subscribe_manage"; templateId: string }
  /** Not the follower's doing: WeChat reports what became of a bizsend (下发结果). */
  | {
      type: "subscribe_sent";
      templateId: string;
      msgId: string;
      errorCode: number;
      errorStatus: string;
    };

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
    case "subscribe_popup":
      // 订阅通知的事件推送: one List per template the popup asked for.
      return {
        xml: event("subscribe_msg_popup_event", {
          SubscribeMsgPopupEvent: {
            List: [
              {
                TemplateId: action.templateId,
                SubscribeStatusString: action.status,
                PopupScene: action.scene,
              },
            ],
          },
        }),
        summary: `订阅通知弹窗 subscription popup: ${action.status === "accept" ? "允许 accept" : "取消 reject"} ${short(action.templateId)}`,
        followingAfter: stay,
      };
    case "subscribe_manage":
      return {
        xml: event("subscribe_msg_change_event", {
          SubscribeMsgChangeEvent: {
            List: [{ TemplateId: action.templateId, SubscribeStatusString: "reject" }],
          },
        }),
        summary: `服务通知管理 拒收 refused on the management page: ${short(action.templateId)}`,
        followingAfter: stay,
      };
    case "subscribe_sent":
      return {
        xml: event("subscribe_msg_sent_event", {
          SubscribeMsgSentEvent: {
            List: [
              {
                TemplateId: action.templateId,
                // Bare numbers, as in WeChat's sample: <MsgID>1700827132819554304</MsgID>.
                MsgID: Number.isSafeInteger(Number(action.msgId))
                  ? Number(action.msgId)
                  : action.msgId,
                ErrorCode: action.errorCode,
                ErrorStatus: action.errorStatus,
              },
            ],
          },
        }),
        summary: `订阅通知下发结果 delivery report: ${action.errorStatus} (${short(action.templateId)})`,
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

function short(id: string): string {
  return id.length > 14 ? `${id.slice(0, 8)}…` : id;
}

const TEMPLATE_ID = /^[\w-]{1,128}$/;

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
    case "subscribe_popup": {
      if (typeof b.templateId !== "string" || !TEMPLATE_ID.test(b.templateId))
        return "templateId must be a template id";
      if (b.status !== "accept" && b.status !== "reject") return "status must be accept or reject";
      const scene = b.scene ?? 2;
      if (scene !== 1 && scene !== 2) return "scene must be 1 (an H5 page) or 2 (an article)";
      return { type: "subscribe_popup", templateId: b.templateId, status: b.status, scene };
    }
    case "subscribe_manage":
      return typeof b.templateId === "string" && TEMPLATE_ID.test(b.templateId)
        ? { type: "subscribe_manage", templateId: b.templateId }
        : "templateId must be a template id";
    default:
      return "unknown action type";
  }
}
