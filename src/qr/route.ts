/**
 * `/qr`: parametric QR codes for marketing pages, and `/qr/stats` for the operator.
 *
 * GET /qr?scene=…[&expire=…][&format=json|svg|png][&permanent=1], called from the page's browser:
 * 1. CORS for ALLOWED_ORIGINS (a working preflight, `*` accepted here only).
 * 2. An Authorization header must carry the admin key, checked as /admin checks it
 *    (src/http/admin-caller.ts): 503 while ADMIN_KEY is unusable, 401 for a wrong key, which counts
 *    against the client's failure budget, and 429 once that is spent, before any comparison.
 *    Visitors without the header are never affected by any of this.
 * 3. Per-visitor rate limit (QR_RATE_LIMITER, 60 a minute) by client address, an IPv6 address by
 *    its /64: 429 + Retry-After. Admin calls are not limited.
 * 4. permanent=1 needs the admin key: an account has 100,000 permanent codes for ever, and an open
 *    endpoint would let anyone spend them (401 without a key, 403 when ADMIN_KEY is not set, 503
 *    while it is unusable).
 * 5. Bad parameters: 400 naming the parameter. Nothing is created before this point.
 * 6. The ticket: isolate memory, else the scene's QrTicketIssuer, which creates at most one, and
 *    for visitors only within the account's daily cap (QR_NEW_SCENES_PER_DAY): past it, 429 with
 *    Retry-After until midnight in Beijing for a scene that has no live ticket.
 */
import { Hono } from "hono/tiny";
import type { AppEnv } from "../app-env";
import { adminAuth } from "../http/admin-auth";
import { identifyAdminCaller } from "../http/admin-caller";
import { clientAddressKey } from "../http/client-address";
import { cors } from "../http/cors";
import { requireAccount } from "../http/require-account";
import { qrAnswer } from "./answer";
import { readPermanent, readQrQuery } from "./params";
import { qrStatsHandler } from "./stats-route";
import { qrTicketCache } from "./ticket-cache";

/** Workers Rate Limiting periods are 10 or 60 s; wrangler.toml sets 60. */
const RATE_LIMIT_PERIOD_SECONDS = 60;

const NO_STORE = { "cache-control": "no-store" };

export function qrRoutes() {
  const app = new Hono<AppEnv>();

  app.use(
    "*",
    cors({ methods: ["GET"], allowHeaders: ["Authorization"], exposeHeaders: ["Retry-After"] }),
  );

  app.get("/stats", adminAuth(), qrStatsHandler);

  app.get("/", async (c) => {
    const config = c.var.config;
    const identified = await identifyAdminCaller({
      authorization: c.req.header("authorization"),
      connectingIp: c.req.header("cf-connecting-ip"),
      adminKeys: config.adminKeys,
      adminKeyProblem: config.adminKeyProblem,
      limiter: c.env.AUTH_FAILURE_LIMITER,
      realm: "qr",
    });
    if (identified.kind === "refused") return identified.response;
    const caller = identified.kind === "admin" ? "admin" : "visitor";
    if (caller === "visitor") {
      const client = clientAddressKey(c.req.header("cf-connecting-ip"));
      const { success } = await c.env.QR_RATE_LIMITER.limit({ key: `qr:${client}` });
      // Not logged: under abuse that would be a log line per refused request.
      if (!success) {
        return c.json({ error: "too many requests from this client; try again in a minute" }, 429, {
          ...NO_STORE,
          "retry-after": String(RATE_LIMIT_PERIOD_SECONDS),
        });
      }
    }

    const params = new URL(c.req.url).searchParams;
    const permanentFlag = readPermanent(params);
    if (!permanentFlag.ok) {
      return c.json({ error: permanentFlag.reason, parameter: permanentFlag.parameter }, 400);
    }
    const { permanent } = permanentFlag;
    if (permanent && caller !== "admin") {
      if (config.adminKeyProblem) return c.json({ error: config.adminKeyProblem }, 503, NO_STORE);
      if (!config.adminKeys) {
        return c.json(
          {
            error:
              "permanent codes can only be created with the admin key, and ADMIN_KEY is not set",
          },
          403,
          NO_STORE,
        );
      }
      return c.json(
        { error: "permanent codes need the admin key (Authorization: Bearer <ADMIN_KEY>)" },
        401,
        { ...NO_STORE, "www-authenticate": 'Bearer realm="qr"' },
      );
    }
    const query = readQrQuery(params, permanent);
    if (!query.ok) return c.json({ error: query.reason, parameter: query.parameter }, 400);

    const account = requireAccount(c);
    if (!account.ok) return account.response;
    const result = await qrTicketCache.get(
      c.env,
      account.config.appId,
      query.query.spec,
      caller === "admin" ? {} : { newScenesPerDay: config.qrNewScenesPerDay },
    );
    if (!result.ok) {
      const { status, body, retryAfterSeconds } = result.failure;
      return c.json(body, status, {
        ...NO_STORE,
        ...(retryAfterSeconds ? { "retry-after": String(retryAfterSeconds) } : {}),
      });
    }
    const { spec, format } = query.query;
    return qrAnswer(result.ticket, {
      format,
      expireSeconds: spec.kind === "temporary" ? spec.expireSeconds : 0,
      mpBase: config.mpBase,
      privateAnswer: caller === "admin",
      now: Date.now(),
    });
  });

  return app;
}
