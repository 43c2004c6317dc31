/**
 * `/__fake/*`: control endpoints for the fake when it runs as a server (serve.ts), for the
 * playground, the benchmarks and manual runs against `wrangler dev`. WeChat has no such paths.
 *
 * GET  /__fake/stats                    → counts per path, token fetches, recent requests
 * POST /__fake/inject {failure,path?,times?}
 * POST /__fake/clear                    → removes injected failures
 * POST /__fake/revoke                   → invalidates every issued access_token (40001 next)
 * POST /__fake/advance?seconds=N        → moves the fake's clock
 * POST /__fake/reset                    → forgets the request log
 * Messaging and OAuth controls (outbox, interaction, oauth-user): platform-control.ts
 * The 第三方平台's pushes and authorisations (/__fake/component/*): endpoints/component.ts
 */
import type { FakeWeChat } from "./fake.ts";
import { jsonAnswer } from "./endpoints/types.ts";
import type { Failure } from "./failures.ts";
import { componentControl } from "./endpoints/component.ts";
import { platformControl } from "./platform-control.ts";

export const CONTROL_PREFIX = "/__fake/";

export async function control(fake: FakeWeChat, request: Request): Promise<Response> {
  const url = new URL(request.url);
  const action = url.pathname.slice(CONTROL_PREFIX.length);
  if (request.method === "GET" && action === "stats") {
    const perPath: Record<string, number> = {};
    for (const record of fake.requests) perPath[record.path] = (perPath[record.path] ?? 0) + 1;
    return jsonAnswer({
      token_fetches: fake.tokenFetches(),
      requests: fake.requests.length,
      per_path: perPath,
      recent: fake.requests.slice(-20),
      now: new Date(fake.now()).toISOString(),
    });
  }
  const platform = await platformControl(fake, request, action);
  if (platform) return platform;
  const component = await componentControl(fake, request, action);
  if (component) return component;
  if (request.method !== "POST") return jsonAnswer({ error: "unknown control" }, 404);
  switch (action) {
    case "inject": {
      const body = (await request.json().catch(() => ({}))) as {
        failure?: Failure;
        path?: string;
        times?: number;
      };
      if (!body.failure) return jsonAnswer({ error: "failure is required" }, 400);
      fake.inject(body.failure, { path: body.path, times: body.times });
      return jsonAnswer({ ok: true });
    }
    case "clear":
      fake.clearFailures();
      return jsonAnswer({ ok: true });
    case "revoke":
      return jsonAnswer({ ok: true, revoked: fake.revoke() });
    case "advance": {
      const seconds = Number(url.searchParams.get("seconds"));
      if (!Number.isFinite(seconds) || seconds < 0)
        return jsonAnswer({ error: "seconds must be >= 0" }, 400);
      fake.advance(seconds);
      return jsonAnswer({ ok: true, now: new Date(fake.now()).toISOString() });
    }
    case "reset":
      fake.requests.length = 0;
      return jsonAnswer({ ok: true });
    default:
      return jsonAnswer({ error: "unknown control" }, 404);
  }
}
