/**
 * The query of GET /qr, checked before anything is created: every refusal names its parameter.
 */
import {
  MAX_EXPIRE_SECONDS,
  parseExpireSeconds,
  parseScene,
  type QrCodeSpec,
} from "../wechat/qrcode";

export type QrFormat = "json" | "svg" | "png";

interface QrQuery {
  spec: QrCodeSpec;
  format: QrFormat;
}

type QrQueryResult =
  { ok: true; query: QrQuery } | { ok: false; parameter: string; reason: string };

const FORMATS: readonly QrFormat[] = ["json", "svg", "png"];

function single(params: URLSearchParams, name: string): string | undefined | null {
  const values = params.getAll(name);
  if (values.length > 1) return null;
  return values[0];
}

type PermanentResult =
  { ok: true; permanent: boolean } | { ok: false; parameter: string; reason: string };

/** Whether permanent=1 was asked for (read first: it decides who may go on). */
export function readPermanent(params: URLSearchParams): PermanentResult {
  const value = single(params, "permanent");
  if (value === null)
    return { ok: false, parameter: "permanent", reason: "permanent must be given once" };
  if (value === undefined || value === "0" || value === "false")
    return { ok: true, permanent: false };
  if (value === "1" || value === "true") return { ok: true, permanent: true };
  return { ok: false, parameter: "permanent", reason: "permanent must be 1 or 0" };
}

export function readQrQuery(params: URLSearchParams, permanent: boolean): QrQueryResult {
  const kind = permanent ? "permanent" : "temporary";
  const sceneText = single(params, "scene");
  if (sceneText === null)
    return { ok: false, parameter: "scene", reason: "scene must be given once" };
  if (sceneText === undefined) {
    return {
      ok: false,
      parameter: "scene",
      reason: "scene is required (an integer or a text of 1 to 64 characters)",
    };
  }
  const scene = parseScene(sceneText, kind);
  if (!scene.ok) return { ok: false, parameter: "scene", reason: scene.reason };

  const expireText = single(params, "expire");
  if (expireText === null)
    return { ok: false, parameter: "expire", reason: "expire must be given once" };
  if (permanent && expireText !== undefined) {
    return {
      ok: false,
      parameter: "expire",
      reason: "expire applies to temporary codes only; permanent codes never expire",
    };
  }
  let expireSeconds = MAX_EXPIRE_SECONDS;
  if (expireText !== undefined) {
    const expire = parseExpireSeconds(expireText);
    if (!expire.ok) return { ok: false, parameter: "expire", reason: expire.reason };
    expireSeconds = expire.value;
  }

  const formatText = single(params, "format");
  if (formatText === null)
    return { ok: false, parameter: "format", reason: "format must be given once" };
  const format = (formatText ?? "json") as QrFormat;
  if (!FORMATS.includes(format)) {
    return { ok: false, parameter: "format", reason: "format must be json, svg or png" };
  }
  const spec: QrCodeSpec = permanent
    ? { kind: "permanent", scene: scene.value }
    : { kind: "temporary", scene: scene.value, expireSeconds };
  return { ok: true, query: { spec, format } };
}
