/**
 * Admin endpoints for tools outside the Worker (dev/cli/wechat-admin.ts): they must never fetch
 * their own access_token (each fetch invalidates ours), so they ask the Worker to make the call.
 * Mounted under /admin, behind adminAuth() (Bearer ADMIN_KEY).
 *
 * POST   /admin/menu                   menu JSON → validated, then menu/create
 * GET    /admin/menu                   menu/get
 * DELETE /admin/menu                   menu/delete
 * POST   /admin/template/send          template message → { msgid } (exact string)
 * POST   /admin/mass/send              mass message (filter or touser list) → { msg_id, duplicate }
 * POST   /admin/mass/preview           { touser|towxname, msgtype, … }
 * GET    /admin/mass/status?msg_id=N   → { msg_id, msg_status }
 * POST   /admin/mass/delete            { msg_id, article_idx? }
 * POST   /admin/custom/send            customer-service message
 * POST   /admin/media/upload?type=image|voice|video|thumb[&permanent=1]
 *                                      multipart `media` (+ `title`, `introduction` for a permanent video)
 *
 * A body WeChat would refuse gets 400 with the reason before any call; WeChat's own refusals come
 * back as 502 with errcode and hint (src/http/api-error-response.ts).
 */
import { Hono } from "hono/tiny";
import type { AppEnv } from "../app-env";
import {
  customMessageProblem,
  sendCustomMessage,
  type CustomMessage,
} from "../wechat/api/custom-service";
import {
  deleteMass,
  getMassStatus,
  massMessageProblem,
  previewMass,
  sendMass,
  type MassMessage,
} from "../wechat/api/mass";
import {
  addPermanentMaterial,
  isMediaType,
  PERMANENT_MATERIAL_LIMITS,
  uploadTemporaryMedia,
} from "../wechat/api/media";
import { createMenu, deleteMenu, getMenu } from "../wechat/api/menu";
import { validateMenu } from "../wechat/api/menu-validation";
import {
  sendTemplateMessage,
  templateMessageProblem,
  type TemplateMessage,
} from "../wechat/api/template";
import { jsonBody, withClient } from "./call-wechat";

// Menus, template and mass messages are small; drafts (call-wechat.ts's default) are not.
const MAX_JSON_BYTES = 256 * 1024;
// Largest documented material (10 MB) plus multipart overhead.
const MAX_UPLOAD_BYTES = PERMANENT_MATERIAL_LIMITS.video.maxBytes + 64 * 1024;

export function platformAdminRoutes() {
  const app = new Hono<AppEnv>();

  app.post("/menu", async (c) => {
    const body = await jsonBody(c, MAX_JSON_BYTES);
    if (!body.ok) return body.response;
    const check = validateMenu(body.value);
    if (!check.ok)
      return c.json({ error: "the menu breaks WeChat's rules", problems: check.problems }, 400);
    return withClient(c, async (client) => {
      await createMenu(client, check.menu);
      return { ok: true };
    });
  });

  app.get("/menu", (c) => withClient(c, (client) => getMenu(client)));

  app.delete("/menu", (c) =>
    withClient(c, async (client) => {
      await deleteMenu(client);
      return { ok: true };
    }),
  );

  app.post("/template/send", async (c) => {
    const body = await jsonBody(c, MAX_JSON_BYTES);
    if (!body.ok) return body.response;
    const problem = templateMessageProblem(body.value);
    if (problem) return c.json({ error: problem }, 400);
    return withClient(c, (client) => sendTemplateMessage(client, body.value as TemplateMessage));
  });

  app.post("/mass/send", async (c) => {
    const body = await jsonBody(c, MAX_JSON_BYTES);
    if (!body.ok) return body.response;
    const problem = massMessageProblem(body.value);
    if (problem) return c.json({ error: problem }, 400);
    return withClient(c, (client) => sendMass(client, body.value as MassMessage));
  });

  app.post("/mass/preview", async (c) => {
    const body = await jsonBody(c, MAX_JSON_BYTES);
    if (!body.ok) return body.response;
    const message = body.value as Record<string, unknown> | null;
    const to = message?.touser ?? message?.towxname;
    if (typeof to !== "string" || to === "")
      return c.json({ error: "touser (openid) or towxname is required" }, 400);
    const problem = massMessageProblem({
      ...message,
      touser: undefined,
      towxname: undefined,
      filter: { is_to_all: true },
    });
    if (problem) return c.json({ error: problem }, 400);
    return withClient(c, (client) =>
      previewMass(client, message as Parameters<typeof previewMass>[1]),
    );
  });

  app.get("/mass/status", (c) => {
    const msgId = c.req.query("msg_id") ?? "";
    if (!/^\d{1,20}$/.test(msgId))
      return c.json({ error: "msg_id must be the decimal id of a send" }, 400);
    return withClient(c, (client) => getMassStatus(client, msgId));
  });

  app.post("/mass/delete", async (c) => {
    const body = await jsonBody(c, MAX_JSON_BYTES);
    if (!body.ok) return body.response;
    const { msg_id: msgId, article_idx: articleIdx } = (body.value ?? {}) as Record<
      string,
      unknown
    >;
    if (typeof msgId !== "string" || !/^\d{1,20}$/.test(msgId)) {
      return c.json({ error: "msg_id must be the decimal id as a string (it exceeds 2^53)" }, 400);
    }
    if (
      articleIdx !== undefined &&
      (typeof articleIdx !== "number" || !Number.isInteger(articleIdx) || articleIdx < 0)
    ) {
      return c.json(
        { error: "article_idx must be a whole number (1-based; 0 or absent deletes all)" },
        400,
      );
    }
    return withClient(c, async (client) => {
      await deleteMass(client, msgId, articleIdx as number | undefined);
      return { ok: true };
    });
  });

  app.post("/custom/send", async (c) => {
    const body = await jsonBody(c, MAX_JSON_BYTES);
    if (!body.ok) return body.response;
    const problem = customMessageProblem(body.value);
    if (problem) return c.json({ error: problem }, 400);
    return withClient(c, async (client) => {
      await sendCustomMessage(client, body.value as CustomMessage);
      return { ok: true };
    });
  });

  app.post("/media/upload", async (c) => {
    const type = c.req.query("type");
    if (!isMediaType(type))
      return c.json({ error: "type must be image, voice, video or thumb" }, 400);
    const declared = Number(c.req.header("content-length") ?? "");
    if (Number.isFinite(declared) && declared > MAX_UPLOAD_BYTES) {
      return c.json({ error: `body exceeds ${MAX_UPLOAD_BYTES} bytes` }, 413);
    }
    let form: FormData;
    try {
      form = await c.req.formData();
    } catch {
      return c.json(
        { error: "the body must be multipart/form-data with the file in `media`" },
        400,
      );
    }
    const media = form.get("media");
    if (!media || typeof media === "string")
      return c.json({ error: "the file goes in the form field `media`" }, 400);
    const file = {
      filename: media.name,
      bytes: new Uint8Array(await media.arrayBuffer()),
      contentType: media.type,
    };
    const permanent = c.req.query("permanent") === "1";
    return withClient(c, (client) => {
      if (!permanent) return uploadTemporaryMedia(client, type, file);
      const title = form.get("title");
      const introduction = form.get("introduction");
      return addPermanentMaterial(
        client,
        type,
        file,
        typeof title === "string"
          ? { title, introduction: typeof introduction === "string" ? introduction : "" }
          : undefined,
      );
    });
  });

  return app;
}
