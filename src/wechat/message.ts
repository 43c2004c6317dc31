/**
 * The typed inbound model: every message (普通消息) and event (事件推送) WeChat pushes to an
 * Official Account, as a discriminated union on `msgType` and, for events, `event`.
 *
 * Field names are WeChat's own in camelCase. 64-bit ids (`MsgId`, `MsgID`) stay strings: they
 * exceed 2^53. Types WeChat adds later parse as `UnknownMessage` / `UnknownEvent`, never an error;
 * `raw` always holds every field as sent.
 */
import type { XmlElement } from "./xml-read";

interface MessageBase {
  /** The account's original id (原始ID, `gh_…`). */
  toUserName: string;
  /** The follower's openid. */
  fromUserName: string;
  /** Unix seconds. */
  createTime: number;
  /** Every field of the push exactly as sent, for anything the typed form does not cover. */
  raw: XmlElement;
}

interface NormalMessageBase extends MessageBase {
  /** 64-bit message id, kept as a string. */
  msgId: string;
  /** Set when the message comes from an article (图文): the article's data id and position. */
  msgDataId?: string;
  idx?: string;
}

export interface TextMessage extends NormalMessageBase {
  msgType: "text";
  content: string;
}

export interface ImageMessage extends NormalMessageBase {
  msgType: "image";
  picUrl: string;
  mediaId: string;
}

export interface VoiceMessage extends NormalMessageBase {
  msgType: "voice";
  mediaId: string;
  /** amr or speex. */
  format: string;
  /** Speech-recognition text (语音识别结果); only when recognition is enabled for the account. */
  recognition?: string;
}

export interface VideoMessage extends NormalMessageBase {
  msgType: "video";
  mediaId: string;
  thumbMediaId: string;
}

export interface ShortVideoMessage extends NormalMessageBase {
  msgType: "shortvideo";
  mediaId: string;
  thumbMediaId: string;
}

export interface LocationMessage extends NormalMessageBase {
  msgType: "location";
  /** Location_X. */
  latitude: number;
  /** Location_Y. */
  longitude: number;
  scale: number;
  label: string;
}

export interface LinkMessage extends NormalMessageBase {
  msgType: "link";
  title: string;
  description: string;
  url: string;
}

/** A message type this model does not know (e.g. miniprogrampage, file): nothing is lost. */
export interface UnknownMessage extends MessageBase {
  msgType: "unknown";
  /** MsgType as sent. */
  originalMsgType: string;
  msgId?: string;
}

export type NormalMessage =
  | TextMessage
  | ImageMessage
  | VoiceMessage
  | VideoMessage
  | ShortVideoMessage
  | LocationMessage
  | LinkMessage;

interface EventBase extends MessageBase {
  msgType: "event";
}

/** Scene of a parametric QR code (带参数二维码), with the `qrscene_` prefix stripped. */
export interface QrScan {
  /** The scene value: scene_id as digits, or scene_str. */
  scene: string;
  /** The scene as a number when it is a positive integer (QR_SCENE / QR_LIMIT_SCENE). */
  sceneId?: number;
  ticket: string;
}

/** 关注. `qr` is set when the user followed by scanning a parametric QR code. */
export interface SubscribeEvent extends EventBase {
  event: "subscribe";
  eventKey?: string;
  qr?: QrScan;
}

/** 取消关注. WeChat asks that the user's data be deleted. */
export interface UnsubscribeEvent extends EventBase {
  event: "unsubscribe";
}

/** A follower scanned a parametric QR code. */
export interface ScanEvent extends EventBase {
  event: "SCAN";
  eventKey: string;
  qr: QrScan;
}

/** 上报地理位置: on session entry, or every 5 s when enabled. */
export interface LocationEvent extends EventBase {
  event: "LOCATION";
  latitude: number;
  longitude: number;
  precision: number;
}

/** Menu click on a `click` button; eventKey is the button's key. */
export interface ClickEvent extends EventBase {
  event: "CLICK";
  eventKey: string;
}

/** Menu click on a `view` button; eventKey is the URL. */
export interface ViewEvent extends EventBase {
  event: "VIEW";
  eventKey: string;
  menuId?: string;
}

export interface ScanCodeEvent extends EventBase {
  event: "scancode_push" | "scancode_waitmsg";
  eventKey: string;
  scanType: string;
  scanResult: string;
}

export interface PicEvent extends EventBase {
  event: "pic_sysphoto" | "pic_photo_or_album" | "pic_weixin";
  eventKey: string;
  count: number;
  picMd5Sums: string[];
}

export interface LocationSelectEvent extends EventBase {
  event: "location_select";
  eventKey: string;
  latitude: number;
  longitude: number;
  scale: number;
  label: string;
  poiname?: string;
}

export interface ViewMiniprogramEvent extends EventBase {
  event: "view_miniprogram";
  /** The mini program page path. */
  eventKey: string;
  menuId?: string;
}

/** Delivery result of a template message (模板消息). Note WeChat's `MsgID`, capital D. */
export interface TemplateSendJobFinishEvent extends EventBase {
  event: "TEMPLATESENDJOBFINISH";
  msgId: string;
  /** `success`, `failed:user block`, `failed: system failed`, ... */
  status: string;
}

export interface CopyrightCheckItem {
  articleIdx: number;
  userDeclareState: number;
  auditState: number;
  originalArticleUrl: string;
  originalArticleType: number;
  canReprint: number;
  needReplaceContent: number;
  needShowReprintSource: number;
}

/** Result of a mass send (群发). */
export interface MassSendJobFinishEvent extends EventBase {
  event: "MASSSENDJOBFINISH";
  msgId: string;
  /** `send success`, `send fail`, `err(30003)`, ... */
  status: string;
  totalCount: number;
  filterCount: number;
  sentCount: number;
  errorCount: number;
  copyrightCheck?: { count: number; checkState: number; results: CopyrightCheckItem[] };
  articleUrls: { articleIdx: number; articleUrl: string }[];
}

/** Result of a publish (发布). */
export interface PublishJobFinishEvent extends EventBase {
  event: "PUBLISHJOBFINISH";
  publishId: string;
  /** 0 success, 1 publishing, 2 original-check failed, 3 regular failure, 4 rejected, ... */
  publishStatus: number;
  articleId?: string;
  articles: { idx: number; articleUrl: string }[];
  failIdx: number[];
}

/**
 * What a follower chose for one template in a subscription popup (订阅通知弹窗) or on the service
 * notice management page: `accept` or `reject` as documented; kept as sent otherwise.
 */
export type SubscribeStatus = "accept" | "reject" | (string & {});

/** One template of a `subscribe_msg_popup_event`. */
export interface SubscribePopupItem {
  templateId: string;
  subscribeStatusString: SubscribeStatus;
  /** Where the popup was: 1 an H5 page, 2 an article (图文); mini programs send 0. */
  popupScene?: number;
}

/** One template of a `subscribe_msg_change_event` (WeChat pushes only `reject` here). */
export interface SubscribeChangeItem {
  templateId: string;
  subscribeStatusString: SubscribeStatus;
}

/** The delivery result of one bizsend. Note WeChat's `MsgID`, capital D. */
export interface SubscribeSentItem {
  templateId: string;
  /** The msgid bizsend answered, 64-bit, kept as a string. */
  msgId: string;
  /** 0 delivered; anything else is a failure of WeChat's asynchronous push. */
  errorCode: number;
  /** The errorCode's meaning as WeChat words it, e.g. `success`. */
  errorStatus: string;
}

/**
 * 用户操作订阅通知弹窗: the follower answered a subscription popup, one item per template asked
 * for (one `List` or several in the XML; always an array here).
 */
export interface SubscribeMsgPopupEvent extends EventBase {
  event: "subscribe_msg_popup_event";
  list: SubscribePopupItem[];
}

/** 用户管理订阅通知: the follower changed a template on the service notice management page. */
export interface SubscribeMsgChangeEvent extends EventBase {
  event: "subscribe_msg_change_event";
  list: SubscribeChangeItem[];
}

/** 发送订阅通知: what became of subscription notices the account sent with bizsend. */
export interface SubscribeMsgSentEvent extends EventBase {
  event: "subscribe_msg_sent_event";
  list: SubscribeSentItem[];
}

export type SubscribeMessageEvent =
  SubscribeMsgPopupEvent | SubscribeMsgChangeEvent | SubscribeMsgSentEvent;

/** An event this model does not know: routed by its name, with every field in `raw`. */
export interface UnknownEvent extends EventBase {
  event: "unknown";
  /** Event as sent. */
  originalEvent: string;
  eventKey?: string;
}

export type InboundEvent =
  | SubscribeEvent
  | UnsubscribeEvent
  | ScanEvent
  | LocationEvent
  | ClickEvent
  | ViewEvent
  | ScanCodeEvent
  | PicEvent
  | LocationSelectEvent
  | ViewMiniprogramEvent
  | TemplateSendJobFinishEvent
  | MassSendJobFinishEvent
  | PublishJobFinishEvent
  | SubscribeMsgPopupEvent
  | SubscribeMsgChangeEvent
  | SubscribeMsgSentEvent
  | UnknownEvent;

export type InboundMessage = NormalMessage | UnknownMessage | InboundEvent;

export type EventName = Exclude<InboundEvent["event"], "unknown">;
export type NormalMessageType = NormalMessage["msgType"];

/**
 * Key under which WeChat's retries of one push are recognised: MsgId where there is one, else
 * FromUserName + CreateTime as the docs recommend, plus Event and EventKey because several events
 * can share a second.
 */
export function dedupeKey(message: InboundMessage): string {
  if (message.msgType !== "event") {
    if (message.msgId) return `msg:${message.msgId}`;
  }
  const name =
    message.msgType === "event"
      ? rawEventName(message)
      : message.msgType === "unknown"
        ? message.originalMsgType
        : message.msgType;
  const eventKey = "eventKey" in message ? (message.eventKey ?? "") : "";
  // Job-finish events carry their own MsgID; two of them can reach one user in the same second.
  const jobId = "msgId" in message ? (message.msgId ?? "") : "";
  // So can two subscription events (two popups, two sends): their items tell them apart.
  const parts = ["evt", message.fromUserName, message.createTime, name, eventKey, jobId];
  if ("list" in message) parts.push(subscribeItemsKey(message.list));
  return parts.join("\u0000");
}

function subscribeItemsKey(list: SubscribeMessageEvent["list"]): string {
  return list
    .map((item) =>
      "msgId" in item
        ? `${item.templateId}:${item.msgId}:${item.errorCode}`
        : `${item.templateId}:${item.subscribeStatusString}`,
    )
    .join(",");
}

/** The event name as WeChat sent it (also for unknown events). */
export function rawEventName(event: InboundEvent): string {
  return event.event === "unknown" ? event.originalEvent : event.event;
}
