/**
 * Parametric QR codes (生成带参数的二维码), strict per the documentation:
 *
 * - `POST /cgi-bin/qrcode/create`: action_name QR_SCENE / QR_STR_SCENE (temporary) or
 *   QR_LIMIT_SCENE / QR_LIMIT_STR_SCENE (permanent); scene_id a 32-bit non-zero integer for
 *   temporary codes and 1..100000 for permanent ones; scene_str 1..64 characters; expire_seconds
 *   at most 2592000, 60 when omitted, and not allowed to be anything but a positive integer.
 *   Anything else is 40053 "invalid action info". Every temporary call creates a new ticket (as
 *   WeChat does); a permanent scene asked again returns its existing ticket, and a new permanent
 *   scene past the account's limit (100,000, for ever) is 40053. The daily quota (100,000) is 45009.
 * - `GET /cgi-bin/showqrcode?ticket=…` (on the mp.weixin.qq.com host, no access_token): the image
 *   of a live ticket, 404 for an unknown or expired one. WeChat answers a JPEG; the fake answers
 *   the same code as SVG, which is all a page's <img> needs.
 */
import { renderQrSvg } from "../../../src/qr/render-svg.ts";
import type { FakeWeChat } from "../fake.ts";
import { randomToken, WeChatFault, type Endpoint } from "./types.ts";

const MAX_EXPIRE_SECONDS = 2_592_000;
const DEFAULT_EXPIRE_SECONDS = 60;
const MAX_TEMPORARY_SCENE_ID = 0xffffffff;
const MAX_PERMANENT_SCENE_ID = 100_000;

export interface IssuedQrCode {
  appid: string;
  ticket: string;
  url: string;
  actionName: string;
  scene: string;
  /** Epoch ms; undefined for permanent codes. */
  expiresAt?: number;
}

/** The fake's QR bookkeeping, one per FakeWeChat. */
export class QrCodeBook {
  readonly byTicket = new Map<string, IssuedQrCode>();
  /** `${appid}:${action_name}:${scene}` → the permanent code. */
  readonly permanent = new Map<string, IssuedQrCode>();
  /** Permanent codes an account may create (WeChat: 100,000, for ever). */
  permanentLimit = 100_000;
  /** qrcode/create calls per day (WeChat: 100,000). */
  dailyQuota = 100_000;

  /** Codes that were newly created (a repeated permanent scene is not one). */
  get created(): number {
    return this.byTicket.size;
  }

  permanentCount(appid: string): number {
    return [...this.permanent.values()].filter((code) => code.appid === appid).length;
  }
}

const books = new WeakMap<FakeWeChat, QrCodeBook>();

export function qrCodeBook(fake: FakeWeChat): QrCodeBook {
  let book = books.get(fake);
  if (!book) books.set(fake, (book = new QrCodeBook()));
  return book;
}

const invalidActionInfo = () =>
  new WeChatFault(40053, "invalid action info, please check document");

function isInteger(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

function sceneOf(body: Record<string, unknown>, permanent: boolean, byId: boolean): string {
  const info = body.action_info as { scene?: Record<string, unknown> } | undefined;
  const scene = info && typeof info === "object" ? info.scene : undefined;
  if (!scene || typeof scene !== "object") throw invalidActionInfo();
  if (byId) {
    const max = permanent ? MAX_PERMANENT_SCENE_ID : MAX_TEMPORARY_SCENE_ID;
    if (!isInteger(scene.scene_id, 1, max)) throw invalidActionInfo();
    return String(scene.scene_id);
  }
  const text = scene.scene_str;
  if (typeof text !== "string" || text.length < 1 || [...text].length > 64)
    throw invalidActionInfo();
  return text;
}

/** A ticket shaped like WeChat's: base64 of a binary record that embeds the code's URL. */
function ticketFor(url: string): string {
  const bytes = [
    ...crypto.getRandomValues(new Uint8Array(12)),
    ...new TextEncoder().encode(url),
    ...crypto.getRandomValues(new Uint8Array(8)),
  ];
  return btoa(String.fromCharCode(...bytes));
}

const createQrCode: Endpoint = {
  method: "POST",
  path: "/cgi-bin/qrcode/create",
  auth: true,
  handle({ body, appid, fake, now }) {
    const book = qrCodeBook(fake);
    const request = (body ?? {}) as Record<string, unknown>;
    const actionName = request.action_name;
    if (
      actionName !== "QR_SCENE" &&
      actionName !== "QR_STR_SCENE" &&
      actionName !== "QR_LIMIT_SCENE" &&
      actionName !== "QR_LIMIT_STR_SCENE"
    ) {
      throw invalidActionInfo();
    }
    const permanent = actionName.startsWith("QR_LIMIT_");
    const scene = sceneOf(request, permanent, !actionName.endsWith("STR_SCENE"));
    let expireSeconds: number | undefined;
    if (!permanent) {
      const asked = request.expire_seconds;
      if (asked !== undefined && !isInteger(asked, 1, MAX_EXPIRE_SECONDS))
        throw invalidActionInfo();
      expireSeconds = asked ?? DEFAULT_EXPIRE_SECONDS;
    }
    if (!fake.useQuota(`qrcode:${appid}`, now, book.dailyQuota)) {
      throw new WeChatFault(45009, "reach max api daily quota limit");
    }
    const permanentKey = `${appid}:${actionName}:${scene}`;
    const existing = permanent ? book.permanent.get(permanentKey) : undefined;
    if (existing) return { ticket: existing.ticket, url: existing.url };
    if (permanent && book.permanentCount(appid) >= book.permanentLimit) throw invalidActionInfo();
    const url = `http://weixin.qq.com/q/02${randomToken(22).replace(/[-_]/g, "x")}`;
    const code: IssuedQrCode = {
      appid,
      ticket: ticketFor(url),
      url,
      actionName,
      scene,
      ...(expireSeconds !== undefined ? { expiresAt: now + expireSeconds * 1000 } : {}),
    };
    book.byTicket.set(code.ticket, code);
    if (permanent) {
      book.permanent.set(permanentKey, code);
      return { ticket: code.ticket, url };
    }
    return { ticket: code.ticket, expire_seconds: expireSeconds, url };
  },
};

const showQrCode: Endpoint = {
  method: "GET",
  path: "/cgi-bin/showqrcode",
  auth: false,
  handle({ query, fake, now }) {
    const code = qrCodeBook(fake).byTicket.get(query.get("ticket") ?? "");
    if (!code || (code.expiresAt !== undefined && code.expiresAt <= now)) {
      return new Response("ticket not found or expired\n", {
        status: 404,
        headers: { "content-type": "text/plain" },
      });
    }
    return new Response(renderQrSvg(code.url), {
      headers: { "content-type": "image/svg+xml", "cache-control": "max-age=3600" },
    });
  },
};

export const qrCodeEndpoints: Endpoint[] = [createQrCode, showQrCode];
