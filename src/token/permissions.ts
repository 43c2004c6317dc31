/**
 * What the account may do, as WeChat's answers tell it. WeChat publishes no API that lists an
 * account's permissions (接口权限 is a page of the MP console), so the Worker learns them from
 * refusals: 48001 "api unauthorized" (the account type or verification lacks it) and 48004 "api
 * forbidden" (banned for this account). A refusal is remembered per area of the API, and a later
 * success of the same area forgets it.
 */

/** An area of WeChat's API, as the MP console's 接口权限 page groups them. */
export type PermissionArea =
  | "customer-service"
  | "menu"
  | "oauth"
  | "template"
  | "subscribe"
  | "mass"
  | "qrcode"
  | "media"
  | "followers"
  | "draft"
  | "publish"
  | "shorten"
  | "jssdk";

/** One refusal learnt from WeChat. */
export interface PermissionRefusal {
  allowed: false;
  errcode: number;
  /** Epoch ms. */
  learntAt: number;
  /** The API path that was refused (without query). */
  path?: string;
}

/** What WeChat has refused this account, by area; absent: not known to be refused. */
export type AccountPermissions = Partial<Record<PermissionArea, PermissionRefusal>>;

/** errcodes that mean the account itself may not use the API (not a bad request). */
const REFUSALS: ReadonlySet<number> = new Set([48001, 48004]);

export function isPermissionRefusal(errcode: number | undefined): boolean {
  return errcode !== undefined && REFUSALS.has(errcode);
}

/** Path prefixes of each area; the first match wins. */
const AREAS: readonly [string, PermissionArea][] = [
  ["/cgi-bin/message/custom/", "customer-service"],
  ["/customservice/", "customer-service"],
  ["/cgi-bin/customservice/", "customer-service"],
  ["/cgi-bin/message/template/", "template"],
  ["/cgi-bin/template/", "template"],
  ["/cgi-bin/message/subscribe/", "subscribe"],
  ["/wxaapi/newtmpl/", "subscribe"],
  ["/cgi-bin/message/mass/", "mass"],
  ["/cgi-bin/menu/", "menu"],
  ["/cgi-bin/get_current_selfmenu_info", "menu"],
  ["/sns/", "oauth"],
  ["/cgi-bin/qrcode/", "qrcode"],
  ["/cgi-bin/media/", "media"],
  ["/cgi-bin/material/", "media"],
  ["/cgi-bin/user/", "followers"],
  ["/cgi-bin/tags/", "followers"],
  ["/cgi-bin/draft/", "draft"],
  ["/cgi-bin/freepublish/", "publish"],
  ["/cgi-bin/shorten/", "shorten"],
  ["/cgi-bin/ticket/getticket", "jssdk"],
];

/** The area of an API path, or undefined for APIs whose refusal says nothing about the account. */
export function permissionAreaOf(path: string): PermissionArea | undefined {
  return AREAS.find(([prefix]) => path.startsWith(prefix))?.[1];
}

/** How each area reads to an operator, and what it usually takes (WeChat's 接口权限 table). */
export const AREA_NEEDS: Record<PermissionArea, { label: string; needs: string }> = {
  "customer-service": {
    label: "customer-service messages (客服消息)",
    needs: "a verified account (微信认证); unverified subscription accounts never have it",
  },
  menu: {
    label: "the custom menu API (自定义菜单)",
    needs: "a verified account, or a menu edited in the MP console instead",
  },
  oauth: {
    label: "web authorisation (网页授权, OAuth)",
    needs: "a verified service account (认证服务号), and the domain set under 网页授权域名",
  },
  template: {
    label: "template messages (模板消息)",
    needs: "a verified service account with the template message plugin enabled",
  },
  subscribe: {
    label: "subscription notices (订阅通知)",
    needs: "the 订阅通知 plugin enabled in the MP console (a verified account for most categories)",
  },
  mass: {
    label: "mass sending (群发)",
    needs:
      "a verified account for the API (unverified accounts can only mass-send from the MP console)",
  },
  qrcode: {
    label: "parametric QR codes (带参数二维码)",
    needs: "a verified service account",
  },
  media: {
    label: "media and material (素材管理)",
    needs: "a verified account",
  },
  followers: {
    label: "follower management (用户管理)",
    needs: "a verified account",
  },
  draft: {
    label: "drafts (草稿箱)",
    needs: "an account that still has the draft API (WeChat withdrew it from some account types)",
  },
  publish: {
    label: "publishing (发布)",
    needs:
      "a verified account: freepublish was withdrawn from personal and unverified accounts in 2025",
  },
  shorten: {
    label: "short keys (短key)",
    needs: "a verified account",
  },
  jssdk: {
    label: "the JS-SDK ticket (jsapi_ticket)",
    needs: "an account with the JS-SDK permission and the domain set under JS接口安全域名",
  },
};
