/**
 * Media: /cgi-bin/media/upload and /cgi-bin/media/get (temporary, 3 days), and the permanent
 * /cgi-bin/material/* endpoints. Uploads are multipart with the file in `media`; a wrong type is
 * 40004, a wrong format 40005, a file too large 40009 (image), 40010 (voice), 40011 (video) or
 * 40012 (thumb), as in WeChat's global code list; a permanent video without `description` 40097.
 * media/get answers the bytes, or JSON {video_url} for video; an expired or unknown id is 40007.
 */
import { platformState, type StoredMedia } from "../platform-state.ts";
import {
  jsonAnswer,
  randomToken,
  requireString,
  WeChatFault,
  type Endpoint,
  type EndpointContext,
} from "./types.ts";

const MB = 1024 * 1024;
const LIMITS: Record<string, { max: number; formats: string[]; tooLarge: number }> = {
  image: { max: 10 * MB, formats: ["bmp", "png", "jpeg", "jpg", "gif"], tooLarge: 40009 },
  voice: { max: 2 * MB, formats: ["amr", "mp3", "wma", "wav"], tooLarge: 40010 },
  video: { max: 10 * MB, formats: ["mp4"], tooLarge: 40011 },
  thumb: { max: 64 * 1024, formats: ["jpg"], tooLarge: 40012 },
};
const TEMPORARY_MS = 3 * 86_400_000;

async function readUpload(context: EndpointContext, permanent: boolean) {
  const type = context.query.get("type") ?? "";
  const limit = LIMITS[type];
  if (!limit) throw new WeChatFault(40004, "invalid media type");
  let form: FormData;
  try {
    form = await context.request.formData();
  } catch {
    throw new WeChatFault(41005, "media data missing");
  }
  const file = form.get("media");
  if (!file || typeof file === "string") throw new WeChatFault(41005, "media data missing");
  const extension = /\.([A-Za-z0-9]+)$/.exec(file.name)?.[1]?.toLowerCase() ?? "";
  const formats = permanent
    ? limit.formats
    : limit.formats.filter((f) => !["bmp", "wma", "wav"].includes(f));
  if (!formats.includes(extension)) throw new WeChatFault(40005, "invalid file type");
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (bytes.length === 0) throw new WeChatFault(41005, "media data missing");
  if (bytes.length > limit.max) throw new WeChatFault(limit.tooLarge, "invalid file size");
  const stored: StoredMedia = {
    type,
    filename: file.name,
    contentType: file.type || "application/octet-stream",
    bytes,
    permanent,
    createdAt: context.now,
  };
  if (permanent && type === "video") {
    let description: { title?: unknown; introduction?: unknown } | undefined;
    try {
      description = JSON.parse(String(form.get("description") ?? ""));
    } catch {
      description = undefined;
    }
    if (typeof description?.title !== "string")
      throw new WeChatFault(40097, "invalid args: description");
    stored.video = {
      title: description.title,
      introduction: String(description.introduction ?? ""),
    };
  }
  return stored;
}

const upload: Endpoint = {
  method: "POST",
  path: "/cgi-bin/media/upload",
  auth: true,
  rawBody: true,
  async handle(context) {
    const stored = await readUpload(context, false);
    const id = randomToken(64);
    platformState(context.fake).media.set(id, stored);
    const key = stored.type === "thumb" ? "thumb_media_id" : "media_id";
    return { type: stored.type, [key]: id, created_at: Math.floor(context.now / 1000) };
  },
};

function find(context: EndpointContext, id: string, permanent: boolean) {
  const stored = platformState(context.fake).media.get(id);
  if (!stored || stored.permanent !== permanent) throw new WeChatFault(40007, "invalid media_id");
  if (!permanent && context.now - stored.createdAt > TEMPORARY_MS)
    throw new WeChatFault(40007, "invalid media_id");
  return stored;
}

function fileAnswer(stored: StoredMedia) {
  return new Response(stored.bytes as Uint8Array<ArrayBuffer>, {
    headers: {
      "content-type": stored.contentType,
      "content-disposition": `attachment; filename="${stored.filename}"`,
    },
  });
}

const get: Endpoint = {
  method: "GET",
  path: "/cgi-bin/media/get",
  auth: true,
  handle(context) {
    const id = requireString(context.query.get("media_id"), 40007, "invalid media_id");
    const stored = find(context, id, false);
    if (stored.type === "video")
      return jsonAnswer({ video_url: `http://vweixinf.tc.qq.com/fake/${id}.mp4` });
    return fileAnswer(stored);
  },
};

const addMaterial: Endpoint = {
  method: "POST",
  path: "/cgi-bin/material/add_material",
  auth: true,
  rawBody: true,
  async handle(context) {
    const stored = await readUpload(context, true);
    const id = randomToken(43);
    platformState(context.fake).media.set(id, stored);
    return {
      media_id: id,
      ...(stored.type === "image" ? { url: `http://mmbiz.qpic.cn/fake/${id}/0` } : {}),
    };
  },
};

function mediaIdOf(body: unknown) {
  return requireString(
    (body as { media_id?: unknown } | null)?.media_id,
    40007,
    "invalid media_id",
  );
}

const getMaterial: Endpoint = {
  method: "POST",
  path: "/cgi-bin/material/get_material",
  auth: true,
  handle(context) {
    const stored = find(context, mediaIdOf(context.body), true);
    if (stored.type === "video") {
      return {
        title: stored.video!.title,
        description: stored.video!.introduction,
        down_url: `http://www.qq.com/fake/${stored.filename}`,
      };
    }
    return fileAnswer(stored);
  },
};

const delMaterial: Endpoint = {
  method: "POST",
  path: "/cgi-bin/material/del_material",
  auth: true,
  handle(context) {
    const id = mediaIdOf(context.body);
    find(context, id, true);
    platformState(context.fake).media.delete(id);
    return { errcode: 0, errmsg: "ok" };
  },
};

function permanentOf(context: EndpointContext) {
  return [...platformState(context.fake).media.entries()].filter(([, stored]) => stored.permanent);
}

const count: Endpoint = {
  method: "GET",
  path: "/cgi-bin/material/get_materialcount",
  auth: true,
  handle(context) {
    const items = permanentOf(context);
    const n = (type: string) => items.filter(([, stored]) => stored.type === type).length;
    return {
      voice_count: n("voice"),
      video_count: n("video"),
      image_count: n("image"),
      news_count: 0,
    };
  },
};

const batchget: Endpoint = {
  method: "POST",
  path: "/cgi-bin/material/batchget_material",
  auth: true,
  handle(context) {
    const { type, offset, count: wanted } = (context.body ?? {}) as Record<string, unknown>;
    if (!["image", "video", "voice", "news"].includes(String(type)))
      throw new WeChatFault(40004, "invalid media type");
    if (typeof offset !== "number" || typeof wanted !== "number" || wanted < 1 || wanted > 20) {
      throw new WeChatFault(40097, "invalid args");
    }
    const items = permanentOf(context).filter(([, stored]) => stored.type === type);
    return {
      total_count: items.length,
      item_count: Math.max(0, Math.min(wanted, items.length - offset)),
      item: items.slice(offset, offset + wanted).map(([id, stored]) => ({
        media_id: id,
        name: stored.filename,
        update_time: Math.floor(stored.createdAt / 1000),
        ...(stored.type === "image" ? { url: `http://mmbiz.qpic.cn/fake/${id}/0` } : {}),
      })),
    };
  },
};

export const mediaEndpoints: Endpoint[] = [
  upload,
  get,
  addMaterial,
  getMaterial,
  delMaterial,
  count,
  batchget,
];
