/**
 * Parametric QR codes (生成带参数的二维码): the scene rules, the `qrcode/create` request and its answer.
 *
 * WeChat's rules (Account_Management/Generating_a_Parametric_QR_Code):
 * - temporary (临时): `QR_SCENE` with a 32-bit non-zero scene_id, or `QR_STR_SCENE`; `expire_seconds`
 *   at most 2,592,000 (30 days), 60 s when omitted.
 * - permanent (永久): `QR_LIMIT_SCENE` with scene_id 1..100000, or `QR_LIMIT_STR_SCENE`; an account
 *   has 100,000 of them for ever (40053 once they are used up).
 * - scene_str: a string of 1..64 characters.
 *
 * A scan comes back as EventKey `qrscene_<scene>` (subscribe) or `<scene>` (SCAN) with no mark of
 * the scene's type, so a digit-only string scene could not be told apart from a scene_id. Scene
 * values that look like numbers are therefore always integer scenes here (and must be canonical:
 * no sign, no leading zero, no fraction), which makes the scene text a unique key for attribution.
 */

export type QrKind = "temporary" | "permanent";

export type QrScene = { type: "id"; id: number } | { type: "str"; str: string };

export type QrActionName = "QR_SCENE" | "QR_STR_SCENE" | "QR_LIMIT_SCENE" | "QR_LIMIT_STR_SCENE";

export const MAX_TEMPORARY_SCENE_ID = 0xffffffff;
export const MAX_PERMANENT_SCENE_ID = 100_000;
const MAX_SCENE_STR_LENGTH = 64;
/** "最大不超过2592000（即30天）". */
export const MAX_EXPIRE_SECONDS = 2_592_000;
/** WeChat's default when expire_seconds is omitted; below it a code is gone before it is scanned. */
const MIN_EXPIRE_SECONDS = 60;

/** `https://mp.weixin.qq.com`: the host of `/cgi-bin/showqrcode` (not the API host). */
export const DEFAULT_MP_BASE = "https://mp.weixin.qq.com";

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

const NUMBER_LIKE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;
// Controls would not survive the XML push that carries the scene back (EventKey).
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The scene as WeChat's push will report it (`QrScan.scene`): the key for attribution. */
export function sceneKey(scene: QrScene): string {
  return scene.type === "id" ? String(scene.id) : scene.str;
}

/** Reads a scene value as the caller typed it; checks it against the rules of `kind`. */
export function parseScene(text: string, kind: QrKind): Checked<QrScene> {
  const maxId = kind === "permanent" ? MAX_PERMANENT_SCENE_ID : MAX_TEMPORARY_SCENE_ID;
  const idRule = `an integer from 1 to ${maxId} or a text of 1 to ${MAX_SCENE_STR_LENGTH} characters that is not a number`;
  if (text === "") return { ok: false, reason: `scene must be ${idRule}; it is empty` };
  if (NUMBER_LIKE.test(text)) {
    const id = /^[1-9]\d{0,9}$/.test(text) ? Number(text) : Number.NaN;
    if (!(id >= 1 && id <= maxId)) {
      const permanentHint =
        kind === "permanent" && id > MAX_PERMANENT_SCENE_ID && id <= MAX_TEMPORARY_SCENE_ID
          ? ` (permanent codes allow scene_id up to ${MAX_PERMANENT_SCENE_ID})`
          : "";
      return { ok: false, reason: `scene must be ${idRule}${permanentHint}` };
    }
    return { ok: true, value: { type: "id", id } };
  }
  const length = [...text].length;
  if (length > MAX_SCENE_STR_LENGTH) {
    return {
      ok: false,
      reason: `scene must be at most ${MAX_SCENE_STR_LENGTH} characters; it has ${length}`,
    };
  }
  if (CONTROL.test(text)) return { ok: false, reason: "scene must not contain control characters" };
  return { ok: true, value: { type: "str", str: text } };
}

/** Reads expire_seconds for a temporary code: whole seconds, 60..2592000. */
export function parseExpireSeconds(text: string): Checked<number> {
  const rule = `expire must be a whole number of seconds from ${MIN_EXPIRE_SECONDS} to ${MAX_EXPIRE_SECONDS}`;
  if (!/^[1-9]\d{0,9}$/.test(text)) return { ok: false, reason: rule };
  const seconds = Number(text);
  if (seconds < MIN_EXPIRE_SECONDS || seconds > MAX_EXPIRE_SECONDS)
    return { ok: false, reason: rule };
  return { ok: true, value: seconds };
}

export function actionName(kind: QrKind, scene: QrScene): QrActionName {
  if (kind === "permanent") return scene.type === "id" ? "QR_LIMIT_SCENE" : "QR_LIMIT_STR_SCENE";
  return scene.type === "id" ? "QR_SCENE" : "QR_STR_SCENE";
}

/** The body of `POST /cgi-bin/qrcode/create`. */
export interface QrCodeCreateBody {
  expire_seconds?: number;
  action_name: QrActionName;
  action_info: { scene: { scene_id: number } | { scene_str: string } };
}

/** A code to create: permanent ones carry no expiry. */
export type QrCodeSpec =
  | { kind: "temporary"; scene: QrScene; expireSeconds: number }
  | { kind: "permanent"; scene: QrScene };

export function qrCodeCreateBody(spec: QrCodeSpec): QrCodeCreateBody {
  const scene =
    spec.scene.type === "id" ? { scene_id: spec.scene.id } : { scene_str: spec.scene.str };
  return {
    ...(spec.kind === "temporary" ? { expire_seconds: spec.expireSeconds } : {}),
    action_name: actionName(spec.kind, spec.scene),
    action_info: { scene },
  };
}

/** WeChat's answer to `qrcode/create`. Permanent codes come without expire_seconds. */
export interface QrCodeTicket {
  /** 换取二维码的 ticket: base64 text, so it must be URL-encoded in showqrcode's query. */
  ticket: string;
  /** What the QR image encodes ("二维码图片解析后的地址"): e.g. `http://weixin.qq.com/q/02…`. */
  url: string;
  expireSeconds?: number;
}

/** Checks the shape of a successful answer (errcodes are the API client's business). */
export function readQrCodeTicket(answer: Record<string, unknown>): Checked<QrCodeTicket> {
  const { ticket, url, expire_seconds: expireSeconds } = answer;
  if (typeof ticket !== "string" || ticket === "" || typeof url !== "string" || url === "") {
    return { ok: false, reason: "qrcode/create answered without a ticket and url" };
  }
  if (expireSeconds !== undefined && (typeof expireSeconds !== "number" || !(expireSeconds > 0))) {
    return { ok: false, reason: "qrcode/create answered an invalid expire_seconds" };
  }
  return { ok: true, value: { ticket, url, ...(expireSeconds ? { expireSeconds } : {}) } };
}

/** 通过ticket换取二维码: `https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=<URL-encoded ticket>`. */
export function showQrCodeUrl(ticket: string, mpBase: string = DEFAULT_MP_BASE): string {
  return `${mpBase}/cgi-bin/showqrcode?ticket=${encodeURIComponent(ticket)}`;
}
