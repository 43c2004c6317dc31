/**
 * CORS for the account's own web origins (ALLOWED_ORIGINS), for routes that a page calls from the
 * browser (/qr, later the JS-SDK signature).
 *
 * An allowed origin gets its own origin echoed back (never a literal `*`, so the answer is the same
 * whether or not the page sends credentials) and `Vary: Origin`, so no shared cache hands one
 * origin's answer to another. Other origins get no CORS headers: the browser then keeps the answer
 * from the page, and a preflight is refused. `*` in ALLOWED_ORIGINS is honoured here and only here:
 * JS-SDK signing and OAuth redirects need real origins, and must not use this helper's rule.
 *
 * @example
 * app.use("*", cors({ methods: ["GET"], allowHeaders: ["Authorization"] }));
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";

interface CorsOptions {
  /** Methods a preflight may ask for (besides OPTIONS). Default GET. */
  methods?: readonly string[];
  /** Request headers a preflight may ask for. Default none beyond the CORS-safelisted ones. */
  allowHeaders?: readonly string[];
  /** Response headers the page may read (e.g. Retry-After). */
  exposeHeaders?: readonly string[];
  /** Seconds a browser may cache a preflight (Chromium caps it at 7200). */
  maxAgeSeconds?: number;
}

/** The Access-Control-Allow-Origin value for `origin`, or undefined when it is not allowed. */
function allowedCorsOrigin(allowedOrigins: readonly string[], origin: string | undefined) {
  if (!origin || origin === "null") return undefined;
  return allowedOrigins.includes("*") || allowedOrigins.includes(origin) ? origin : undefined;
}

function withHeaders(response: Response, headers: Record<string, string>): Response {
  let out = response;
  try {
    for (const [name, value] of Object.entries(headers)) out.headers.set(name, value);
  } catch {
    // Headers of a Response made by Response.redirect() or fetch() are immutable.
    out = new Response(response.body, response);
    for (const [name, value] of Object.entries(headers)) out.headers.set(name, value);
  }
  const vary = out.headers.get("vary");
  if (!vary || !/(^|,)\s*origin\s*(,|$)/i.test(vary)) {
    out.headers.set("vary", vary ? `${vary}, Origin` : "Origin");
  }
  return out;
}

export function cors(options: CorsOptions = {}): MiddlewareHandler<AppEnv> {
  const methods = [...(options.methods ?? ["GET"]), "OPTIONS"].join(", ");
  const allowHeaders = (options.allowHeaders ?? []).join(", ");
  const exposeHeaders = (options.exposeHeaders ?? []).join(", ");
  const maxAge = String(options.maxAgeSeconds ?? 7200);

  return async (c, next) => {
    const origin = allowedCorsOrigin(c.var.config.allowedOrigins, c.req.header("origin"));
    const isPreflight =
      c.req.method === "OPTIONS" && c.req.header("access-control-request-method") !== undefined;
    if (isPreflight) {
      if (!origin) {
        return withHeaders(
          Response.json({ error: "origin is not in ALLOWED_ORIGINS" }, { status: 403 }),
          {},
        );
      }
      return withHeaders(new Response(null, { status: 204 }), {
        "access-control-allow-origin": origin,
        "access-control-allow-methods": methods,
        ...(allowHeaders ? { "access-control-allow-headers": allowHeaders } : {}),
        "access-control-max-age": maxAge,
      });
    }
    await next();
    const response = withHeaders(
      c.res,
      origin
        ? {
            "access-control-allow-origin": origin,
            ...(exposeHeaders ? { "access-control-expose-headers": exposeHeaders } : {}),
          }
        : {},
    );
    if (response !== c.res) {
      // Hono copies the old response's headers onto a replacement; clear it first so they don't
      // overwrite the merged Vary.
      c.res = undefined;
      c.res = response;
    }
  };
}
