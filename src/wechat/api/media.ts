/**
 * Media (素材管理): temporary media (kept 3 days) and permanent material, so image, voice, video
 * and music replies and messages have media ids to send.
 *
 * Uploads are multipart with the file in the field `media`; a permanent video also needs the
 * form field `description` = `{"title","introduction"}`. Sizes and formats are checked before
 * uploading, with WeChat's documented limits, so a bad file fails here with a reason rather than
 * as errcode 40005/40006/40009 after the upload.
 */
import type { ApiDownload, WeChatApiClient } from "./client";

export type MediaType = "image" | "voice" | "video" | "thumb";

interface MediaLimit {
  maxBytes: number;
  /** Accepted file extensions (WeChat checks the file name's extension). */
  formats: string[];
}

const MB = 1024 * 1024;

// 临时素材 limits: image 10 MB png/jpeg/jpg/gif; voice 2 MB ≤60 s amr/mp3; video 10 MB mp4; thumb 64 KB jpg.
export const TEMPORARY_MEDIA_LIMITS: Record<MediaType, MediaLimit> = {
  image: { maxBytes: 10 * MB, formats: ["png", "jpeg", "jpg", "gif"] },
  voice: { maxBytes: 2 * MB, formats: ["amr", "mp3"] },
  video: { maxBytes: 10 * MB, formats: ["mp4"] },
  thumb: { maxBytes: 64 * 1024, formats: ["jpg"] },
};

// 永久素材: image also bmp; voice also wma/wav; video up to 10 MB; thumb 64 KB jpg.
export const PERMANENT_MATERIAL_LIMITS: Record<MediaType, MediaLimit> = {
  image: { maxBytes: 10 * MB, formats: ["bmp", "png", "jpeg", "jpg", "gif"] },
  voice: { maxBytes: 2 * MB, formats: ["mp3", "wma", "wav", "amr"] },
  video: { maxBytes: 10 * MB, formats: ["mp4"] },
  thumb: { maxBytes: 64 * 1024, formats: ["jpg"] },
};

export interface MediaFile {
  /** The file name WeChat sees; its extension decides the format. */
  filename: string;
  bytes: Uint8Array;
  contentType?: string;
}

/** A file WeChat would refuse; thrown before any upload. */
export class MediaFileError extends Error {
  override readonly name = "MediaFileError";
}

export function isMediaType(value: unknown): value is MediaType {
  return value === "image" || value === "voice" || value === "video" || value === "thumb";
}

/** A reason WeChat would refuse this file as `type`, or undefined. */
export function mediaFileProblem(
  type: MediaType,
  file: MediaFile,
  limits: Record<MediaType, MediaLimit> = TEMPORARY_MEDIA_LIMITS,
): string | undefined {
  const limit = limits[type];
  const extension = /\.([A-Za-z0-9]+)$/.exec(file.filename)?.[1]?.toLowerCase();
  if (!extension || !limit.formats.includes(extension)) {
    return `a ${type} must be ${limit.formats.join("/")} (the file name's extension), got ${file.filename}`;
  }
  if (file.bytes.length === 0) return "the file is empty";
  if (file.bytes.length > limit.maxBytes) {
    return `a ${type} is at most ${limit.maxBytes} bytes, this one has ${file.bytes.length}`;
  }
  return undefined;
}

function multipart(file: MediaFile, extra: Record<string, string> = {}): FormData {
  const form = new FormData();
  const blob = new Blob([file.bytes as Uint8Array<ArrayBuffer>], {
    type: file.contentType ?? "application/octet-stream",
  });
  form.append("media", blob, file.filename);
  for (const [name, value] of Object.entries(extra)) form.append(name, value);
  return form;
}

export interface TemporaryMedia {
  type: MediaType;
  /** thumb uploads answer `thumb_media_id` instead; both come back here. */
  media_id: string;
  created_at: number;
}

/** `POST /cgi-bin/media/upload?type=…`: temporary media, valid for 3 days. */
export async function uploadTemporaryMedia(
  client: WeChatApiClient,
  type: MediaType,
  file: MediaFile,
): Promise<TemporaryMedia> {
  const problem = mediaFileProblem(type, file);
  if (problem) throw new MediaFileError(problem);
  const body = await client.call<{
    media_id?: string;
    thumb_media_id?: string;
    created_at: number;
  }>("/cgi-bin/media/upload", { method: "POST", query: { type }, body: multipart(file) });
  return {
    type,
    media_id: body.media_id ?? body.thumb_media_id ?? "",
    created_at: body.created_at,
  };
}

export type FetchedMedia =
  { kind: "file"; file: ApiDownload } | { kind: "video"; video_url: string };

/**
 * `GET /cgi-bin/media/get`: the file's bytes, except for video, which WeChat answers with JSON
 * `{video_url}` (a download link) instead.
 */
export async function getTemporaryMedia(
  client: WeChatApiClient,
  mediaId: string,
): Promise<FetchedMedia> {
  const answer = await client.download("/cgi-bin/media/get", { query: { media_id: mediaId } });
  return videoUrlOf(answer) ?? { kind: "file", file: answer };
}

// download() hands back JSON bodies without an errcode as bytes: that is the video answer.
function videoUrlOf(answer: ApiDownload): FetchedMedia | undefined {
  if (!/json|text\/plain/i.test(answer.contentType)) return undefined;
  try {
    const body = JSON.parse(new TextDecoder().decode(answer.bytes)) as { video_url?: unknown };
    return typeof body.video_url === "string"
      ? { kind: "video", video_url: body.video_url }
      : undefined;
  } catch {
    return undefined;
  }
}

export interface PermanentMaterial {
  media_id: string;
  /** Only for images: the image's URL (usable inside articles). */
  url?: string;
}

/** `POST /cgi-bin/material/add_material?type=…`: permanent material (video with title and introduction). */
export async function addPermanentMaterial(
  client: WeChatApiClient,
  type: MediaType,
  file: MediaFile,
  video?: { title: string; introduction: string },
): Promise<PermanentMaterial> {
  const problem =
    mediaFileProblem(type, file, PERMANENT_MATERIAL_LIMITS) ??
    (type === "video" && !video?.title
      ? "a permanent video needs a title and introduction"
      : undefined);
  if (problem) throw new MediaFileError(problem);
  const extra: Record<string, string> =
    type === "video" ? { description: JSON.stringify(video) } : {};
  const body = await client.call<{ media_id: string; url?: string }>(
    "/cgi-bin/material/add_material",
    {
      method: "POST",
      query: { type },
      body: multipart(file, extra),
    },
  );
  return { media_id: body.media_id, ...(body.url ? { url: body.url } : {}) };
}

export type FetchedMaterial =
  | { kind: "file"; file: ApiDownload }
  | { kind: "video"; title: string; description: string; down_url: string }
  | { kind: "news"; news_item: unknown[] };

/** `POST /cgi-bin/material/get_material`: bytes for image/voice/thumb, JSON for video and news. */
export async function getPermanentMaterial(
  client: WeChatApiClient,
  mediaId: string,
): Promise<FetchedMaterial> {
  const answer = await client.download("/cgi-bin/material/get_material", {
    method: "POST",
    json: { media_id: mediaId },
  });
  if (/json|text\/plain/i.test(answer.contentType)) {
    const body = JSON.parse(new TextDecoder().decode(answer.bytes)) as Record<string, unknown>;
    if (Array.isArray(body.news_item)) return { kind: "news", news_item: body.news_item };
    if (typeof body.down_url === "string") {
      return {
        kind: "video",
        title: String(body.title ?? ""),
        description: String(body.description ?? ""),
        down_url: body.down_url,
      };
    }
  }
  return { kind: "file", file: answer };
}

/** `POST /cgi-bin/material/del_material`. */
export async function deletePermanentMaterial(
  client: WeChatApiClient,
  mediaId: string,
): Promise<void> {
  await client.post("/cgi-bin/material/del_material", { media_id: mediaId });
}

export interface MaterialCount {
  voice_count: number;
  video_count: number;
  image_count: number;
  news_count: number;
}

/** `GET /cgi-bin/material/get_materialcount`. */
export function getMaterialCount(client: WeChatApiClient): Promise<MaterialCount> {
  return client.get<MaterialCount>("/cgi-bin/material/get_materialcount");
}

export interface MaterialItem {
  media_id: string;
  name?: string;
  update_time: number;
  url?: string;
}

/** `POST /cgi-bin/material/batchget_material`: a page of image, video or voice material (count 1..20). */
export async function listPermanentMaterial(
  client: WeChatApiClient,
  type: Exclude<MediaType, "thumb">,
  offset = 0,
  count = 20,
): Promise<{ total_count: number; item_count: number; item: MaterialItem[] }> {
  if (count < 1 || count > 20) throw new RangeError("batchget_material takes a count from 1 to 20");
  return client.post("/cgi-bin/material/batchget_material", { type, offset, count });
}
