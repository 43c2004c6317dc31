/**
 * Subscription notices (订阅通知) for operators (Bearer ADMIN_KEY, mounted under /admin):
 *
 * POST   /admin/subscribe/send                  bizsend JSON → { msgid } (or { ok: true })
 * GET    /admin/subscribe/templates             gettemplate → { data: [{ …, fields }] }
 * POST   /admin/subscribe/templates             { tid, kidList, sceneDesc? } → { priTmplId }
 * DELETE /admin/subscribe/templates/:priTmplId  deltemplate
 * GET    /admin/subscribe/categories            getcategory → { data }
 * GET    /admin/subscribe/titles?ids=2,616[&start=0&limit=30]  getpubtemplatetitles
 * GET    /admin/subscribe/keywords?tid=99       getpubtemplatekeywords
 *
 * A notice WeChat would refuse (a value that breaks its keyword type's rule, a missing field) is
 * 400 with the one-line reason before any call; WeChat's own refusals (43101: the follower has
 * not accepted the template; 40037; 47003) come back through apiErrorResponse with errcode and
 * hint.
 */
import { Hono } from "hono/tiny";
import type { AppEnv } from "../app-env";
import {
  addSubscribeTemplate,
  deleteSubscribeTemplate,
  getPubTemplateKeywords,
  getPubTemplateTitles,
  getSubscribeCategory,
  getSubscribeTemplates,
  sendSubscribeMessage,
  subscribeMessageProblem,
  subscribeTemplateFields,
  type AddSubscribeTemplate,
  type SubscribeMessage,
} from "../wechat/api/subscribe-message";
import { jsonBody, withClient } from "./call-wechat";

/** A query integer, or NaN when present and not one (the API module then names the field). */
function queryInteger(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  return /^\d+$/.test(value) ? Number(value) : Number.NaN;
}

export function subscribeAdminRoutes() {
  const app = new Hono<AppEnv>();

  app.post("/subscribe/send", async (c) => {
    const body = await jsonBody(c);
    if (!body.ok) return body.response;
    const problem = subscribeMessageProblem(body.value);
    if (problem) return c.json({ error: problem }, 400);
    return withClient(c, async (client) => {
      const sent = await sendSubscribeMessage(client, body.value as SubscribeMessage);
      return sent.msgid === undefined ? { ok: true } : sent;
    });
  });

  app.get("/subscribe/templates", (c) =>
    withClient(c, async (client) => ({
      data: (await getSubscribeTemplates(client)).map((template) => ({
        ...template,
        fields: subscribeTemplateFields(template.content),
      })),
    })),
  );

  app.post("/subscribe/templates", async (c) => {
    const body = await jsonBody(c);
    if (!body.ok) return body.response;
    return withClient(c, (client) =>
      addSubscribeTemplate(client, body.value as AddSubscribeTemplate),
    );
  });

  app.delete("/subscribe/templates/:priTmplId", (c) =>
    withClient(c, async (client) => {
      await deleteSubscribeTemplate(client, c.req.param("priTmplId"));
      return { ok: true };
    }),
  );

  app.get("/subscribe/categories", (c) =>
    withClient(c, async (client) => ({ data: await getSubscribeCategory(client) })),
  );

  app.get("/subscribe/titles", (c) =>
    withClient(c, (client) =>
      getPubTemplateTitles(client, {
        ids: (c.req.query("ids") ?? "").split(",").filter((id) => id !== ""),
        start: queryInteger(c.req.query("start")),
        limit: queryInteger(c.req.query("limit")),
      }),
    ),
  );

  app.get("/subscribe/keywords", (c) =>
    withClient(c, (client) => getPubTemplateKeywords(client, c.req.query("tid") ?? "")),
  );

  return app;
}
