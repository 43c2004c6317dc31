/**
 * From a parsed `<xml>` element to the typed InboundMessage. Pure: no I/O, no bindings.
 */
import type {
  CopyrightCheckItem,
  InboundEvent,
  InboundMessage,
  QrScan,
  SubscribeChangeItem,
  SubscribePopupItem,
  SubscribeSentItem,
} from "./message";
import { elementOf, elementsOf, textOf, type XmlElement } from "./xml-read";

export type ParseMessageResult =
  { ok: true; message: InboundMessage } | { ok: false; reason: string };

const EVENT_NAMES = [
  "subscribe",
  "unsubscribe",
  "SCAN",
  "LOCATION",
  "CLICK",
  "VIEW",
  "scancode_push",
  "scancode_waitmsg",
  "pic_sysphoto",
  "pic_photo_or_album",
  "pic_weixin",
  "location_select",
  "view_miniprogram",
  "TEMPLATESENDJOBFINISH",
  "MASSSENDJOBFINISH",
  "PUBLISHJOBFINISH",
  "subscribe_msg_popup_event",
  "subscribe_msg_change_event",
  "subscribe_msg_sent_event",
] as const;

// WeChat's docs are not consistent about event-name case (SCAN vs scan); match either way.
const canonicalEvent = new Map<string, (typeof EVENT_NAMES)[number]>(
  EVENT_NAMES.map((name) => [name.toLowerCase(), name]),
);

const QR_SCENE_PREFIX = "qrscene_";

function num(value: string | undefined): number {
  if (value === undefined) return Number.NaN;
  const trimmed = value.trim();
  return trimmed === "" ? Number.NaN : Number(trimmed);
}

function optional(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

function qrScan(scene: string, ticket: string | undefined): QrScan {
  const id = /^[1-9][0-9]{0,9}$/.test(scene) ? Number(scene) : undefined;
  return {
    scene,
    ...(id !== undefined && id <= 0xffffffff ? { sceneId: id } : {}),
    ticket: ticket ?? "",
  };
}

/** Turns the root `<xml>` element of a push into a typed message. */
export function parseMessage(root: XmlElement): ParseMessageResult {
  const toUserName = textOf(root, "ToUserName");
  const fromUserName = textOf(root, "FromUserName");
  const createTimeText = textOf(root, "CreateTime");
  const msgType = textOf(root, "MsgType");
  if (!toUserName) return { ok: false, reason: "push has no ToUserName" };
  if (!fromUserName) return { ok: false, reason: "push has no FromUserName" };
  if (!msgType) return { ok: false, reason: "push has no MsgType" };
  if (!createTimeText || !/^\s*\d{1,12}\s*$/.test(createTimeText)) {
    return { ok: false, reason: "push has no valid CreateTime" };
  }
  const base = { toUserName, fromUserName, createTime: Number(createTimeText), raw: root };
  const t = (name: string) => textOf(root, name) ?? "";
  const msgId = t("MsgId").trim();
  const normal = {
    ...base,
    msgId,
    ...(optional(textOf(root, "MsgDataId")) ? { msgDataId: t("MsgDataId") } : {}),
    ...(optional(textOf(root, "Idx")) ? { idx: t("Idx") } : {}),
  };

  switch (msgType) {
    case "text":
      return { ok: true, message: { ...normal, msgType, content: t("Content") } };
    case "image":
      return {
        ok: true,
        message: { ...normal, msgType, picUrl: t("PicUrl"), mediaId: t("MediaId") },
      };
    case "voice": {
      const recognition = textOf(root, "Recognition");
      return {
        ok: true,
        message: {
          ...normal,
          msgType,
          mediaId: t("MediaId"),
          format: t("Format"),
          ...(recognition !== undefined ? { recognition } : {}),
        },
      };
    }
    case "video":
    case "shortvideo":
      return {
        ok: true,
        message: { ...normal, msgType, mediaId: t("MediaId"), thumbMediaId: t("ThumbMediaId") },
      };
    case "location":
      return {
        ok: true,
        message: {
          ...normal,
          msgType,
          latitude: num(t("Location_X")),
          longitude: num(t("Location_Y")),
          scale: num(t("Scale")),
          label: t("Label"),
        },
      };
    case "link":
      return {
        ok: true,
        message: {
          ...normal,
          msgType,
          title: t("Title"),
          description: t("Description"),
          url: t("Url"),
        },
      };
    case "event":
      return parseEvent(base, root);
    default:
      return {
        ok: true,
        message: {
          ...base,
          msgType: "unknown",
          originalMsgType: msgType,
          ...(msgId ? { msgId } : {}),
        },
      };
  }
}

type Base = { toUserName: string; fromUserName: string; createTime: number; raw: XmlElement };

function parseEvent(base: Base, root: XmlElement): ParseMessageResult {
  const originalEvent = textOf(root, "Event") ?? "";
  const t = (name: string) => textOf(root, name) ?? "";
  const eventBase = { ...base, msgType: "event" as const };
  const eventKey = t("EventKey");
  const event = canonicalEvent.get(originalEvent.toLowerCase());
  const ok = (message: InboundEvent): ParseMessageResult => ({ ok: true, message });

  switch (event) {
    case "subscribe": {
      const scene = eventKey.startsWith(QR_SCENE_PREFIX)
        ? eventKey.slice(QR_SCENE_PREFIX.length)
        : undefined;
      return ok({
        ...eventBase,
        event,
        ...(eventKey ? { eventKey } : {}),
        ...(scene ? { qr: qrScan(scene, textOf(root, "Ticket")) } : {}),
      });
    }
    case "unsubscribe":
      return ok({ ...eventBase, event });
    case "SCAN":
      return ok({ ...eventBase, event, eventKey, qr: qrScan(eventKey, textOf(root, "Ticket")) });
    case "LOCATION":
      return ok({
        ...eventBase,
        event,
        latitude: num(t("Latitude")),
        longitude: num(t("Longitude")),
        precision: num(t("Precision")),
      });
    case "CLICK":
      return ok({ ...eventBase, event, eventKey });
    case "VIEW":
    case "view_miniprogram": {
      const menuId = optional(textOf(root, "MenuId"));
      return ok({ ...eventBase, event, eventKey, ...(menuId ? { menuId } : {}) });
    }
    case "scancode_push":
    case "scancode_waitmsg": {
      const info = elementOf(root, "ScanCodeInfo") ?? {};
      return ok({
        ...eventBase,
        event,
        eventKey,
        scanType: textOf(info, "ScanType") ?? "",
        scanResult: textOf(info, "ScanResult") ?? "",
      });
    }
    case "pic_sysphoto":
    case "pic_photo_or_album":
    case "pic_weixin": {
      const info = elementOf(root, "SendPicsInfo") ?? {};
      const items = elementsOf(elementOf(info, "PicList"), "item");
      return ok({
        ...eventBase,
        event,
        eventKey,
        count: num(textOf(info, "Count")),
        picMd5Sums: items.map((item) => textOf(item, "PicMd5Sum") ?? ""),
      });
    }
    case "location_select": {
      const info = elementOf(root, "SendLocationInfo") ?? {};
      const s = (name: string) => textOf(info, name) ?? "";
      const poiname = optional(textOf(info, "Poiname"));
      return ok({
        ...eventBase,
        event,
        eventKey,
        latitude: num(s("Location_X")),
        longitude: num(s("Location_Y")),
        scale: num(s("Scale")),
        label: s("Label"),
        ...(poiname ? { poiname } : {}),
      });
    }
    case "TEMPLATESENDJOBFINISH":
      return ok({ ...eventBase, event, msgId: jobMsgId(root), status: t("Status") });
    case "MASSSENDJOBFINISH":
      return ok({
        ...eventBase,
        event,
        msgId: jobMsgId(root),
        status: t("Status"),
        totalCount: num(t("TotalCount")),
        filterCount: num(t("FilterCount")),
        sentCount: num(t("SentCount")),
        errorCount: num(t("ErrorCount")),
        ...copyrightCheck(elementOf(root, "CopyrightCheckResult")),
        articleUrls: elementsOf(elementOf(root, "ArticleUrlResult"), "ResultList")
          .flatMap((list) => elementsOf(list, "item"))
          .map((item) => ({
            articleIdx: num(textOf(item, "ArticleIdx")),
            articleUrl: textOf(item, "ArticleUrl") ?? "",
          })),
      });
    case "PUBLISHJOBFINISH": {
      const info = elementOf(root, "PublishEventInfo") ?? {};
      const detail = elementOf(info, "article_detail");
      const articleId = optional(textOf(info, "article_id"));
      return ok({
        ...eventBase,
        event,
        publishId: textOf(info, "publish_id") ?? "",
        publishStatus: num(textOf(info, "publish_status")),
        ...(articleId ? { articleId } : {}),
        articles: elementsOf(detail, "item").map((item) => ({
          idx: num(textOf(item, "idx")),
          articleUrl: textOf(item, "article_url") ?? "",
        })),
        failIdx: failIndexes(info),
      });
    }
    case "subscribe_msg_popup_event":
      return ok({
        ...eventBase,
        event,
        list: subscribeItems(root, "SubscribeMsgPopupEvent").map(popupItem),
      });
    case "subscribe_msg_change_event":
      return ok({
        ...eventBase,
        event,
        list: subscribeItems(root, "SubscribeMsgChangeEvent").map(changeItem),
      });
    case "subscribe_msg_sent_event":
      return ok({
        ...eventBase,
        event,
        list: subscribeItems(root, "SubscribeMsgSentEvent").map(sentItem),
      });
    default:
      return ok({
        ...eventBase,
        event: "unknown",
        originalEvent,
        ...(eventKey ? { eventKey } : {}),
      });
  }
}

/**
 * The items of a subscription event: `<Wrapper><List>…</List><List>…</List></Wrapper>`, one
 * `List` per template (订阅通知的事件推送). A single `List` parses as an element and several as
 * an array; both become a list. Some SDKs' fixtures put `<item>` elements inside one `List`; those
 * are read too, so no item is lost whichever shape arrives.
 */
function subscribeItems(root: XmlElement, wrapper: string): XmlElement[] {
  return elementsOf(elementOf(root, wrapper), "List").flatMap((list) =>
    textOf(list, "TemplateId") === undefined && list.item !== undefined
      ? elementsOf(list, "item")
      : [list],
  );
}

function popupItem(item: XmlElement): SubscribePopupItem {
  const scene = (textOf(item, "PopupScene") ?? "").trim();
  return {
    ...changeItem(item),
    ...(/^\d{1,9}$/.test(scene) ? { popupScene: Number(scene) } : {}),
  };
}

function changeItem(item: XmlElement): SubscribeChangeItem {
  return {
    templateId: (textOf(item, "TemplateId") ?? "").trim(),
    subscribeStatusString: (textOf(item, "SubscribeStatusString") ?? "").trim(),
  };
}

function sentItem(item: XmlElement): SubscribeSentItem {
  return {
    templateId: (textOf(item, "TemplateId") ?? "").trim(),
    msgId: jobMsgId(item),
    errorCode: num(textOf(item, "ErrorCode")),
    errorStatus: textOf(item, "ErrorStatus") ?? "",
  };
}

/** Job-finish events spell it `MsgID`; accept `MsgId` too. */
function jobMsgId(root: XmlElement): string {
  return (textOf(root, "MsgID") ?? textOf(root, "MsgId") ?? "").trim();
}

function failIndexes(info: XmlElement): number[] {
  const value = info.fail_idx;
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return list.filter((v): v is string => typeof v === "string").map((v) => num(v));
}

function copyrightCheck(result: XmlElement | undefined) {
  if (!result) return {};
  const items: CopyrightCheckItem[] = elementsOf(elementOf(result, "ResultList"), "item").map(
    (item) => {
      const n = (name: string) => num(textOf(item, name));
      return {
        articleIdx: n("ArticleIdx"),
        userDeclareState: n("UserDeclareState"),
        auditState: n("AuditState"),
        originalArticleUrl: textOf(item, "OriginalArticleUrl") ?? "",
        originalArticleType: n("OriginalArticleType"),
        canReprint: n("CanReprint"),
        needReplaceContent: n("NeedReplaceContent"),
        needShowReprintSource: n("NeedShowReprintSource"),
      };
    },
  );
  return {
    copyrightCheck: {
      count: num(textOf(result, "Count")),
      checkState: num(textOf(result, "CheckState")),
      results: items,
    },
  };
}
