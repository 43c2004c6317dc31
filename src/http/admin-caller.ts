/**
 * Who is calling, for every surface that takes the admin key: /admin/*, /qr, /healthz.
 *
 * An Authorization header is checked against ADMIN_KEY (src/http/bearer.ts). A wrong key is
 * refused with 401 and counted against the caller's failure budget; a caller past it gets 429
 * before any comparison (src/http/failure-limit.ts). With ADMIN_KEY set but too short, any
 * header gets 503 naming ADMIN_KEY: the surface is disabled, not opened.
 */
import { classifyBearer } from "./bearer";
import { blockedForSeconds, recordFailure } from "./failure-limit";

type AdminCaller =
  { kind: "no-header" } | { kind: "admin" } | { kind: "refused"; response: Response };

interface AdminCallerOptions {
  authorization: string | null | undefined;
  connectingIp: string | null | undefined;
  adminKeys: readonly string[] | undefined;
  adminKeyProblem: string | undefined;
  limiter: Pick<RateLimit, "limit"> | undefined;
  /** The realm named in WWW-Authenticate. */
  realm: string;
}

const NO_STORE = { "cache-control": "no-store" };

export async function identifyAdminCaller(options: AdminCallerOptions): Promise<AdminCaller> {
  const { authorization, connectingIp } = options;
  if (!authorization || authorization.trim() === "") return { kind: "no-header" };
  if (options.adminKeyProblem) {
    return refused(
      Response.json({ error: options.adminKeyProblem }, { status: 503, headers: NO_STORE }),
    );
  }
  const blocked = blockedForSeconds("admin-key", connectingIp);
  if (blocked > 0) return refused(tooManyFailures(blocked));
  if ((await classifyBearer(authorization, options.adminKeys)) === "admin")
    return { kind: "admin" };
  const retryAfter = await recordFailure(options.limiter, "admin-key", connectingIp);
  if (retryAfter > 0) return refused(tooManyFailures(retryAfter));
  return refused(
    Response.json(
      { error: "unauthorized" },
      {
        status: 401,
        headers: { ...NO_STORE, "www-authenticate": `Bearer realm="${options.realm}"` },
      },
    ),
  );
}

function refused(response: Response): AdminCaller {
  return { kind: "refused", response };
}

function tooManyFailures(seconds: number): Response {
  return Response.json(
    { error: "too many wrong keys from this client; try again later" },
    { status: 429, headers: { ...NO_STORE, "retry-after": String(seconds) } },
  );
}
