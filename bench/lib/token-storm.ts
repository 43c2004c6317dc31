/**
 * The token authority under a storm: N callers ask a cold Worker (fresh storage, no token yet)
 * for the access_token at once. All must be served the same token, and WeChat's token endpoint
 * must be called exactly once: one TokenAuthority per appid is the single writer, because
 * 获取access_token is rate-limited and every fetch invalidates the previous token.
 *
 * WeChat is the project's fake (dev/fake-wechat/serve.ts) on loopback; it counts token fetches.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_DIR } from "./build";
import { freePort, startServer, type ServerProcess } from "./process-tree";

export type StormResult =
  | { ran: false; reason: string }
  | {
      ran: true;
      callers: number;
      /** From the first request sent to the last answer received. */
      allServedMs: number;
      p50Ms: number;
      maxMs: number;
      upstreamFetches: number;
      /** Callers not answered 200 with the one token everybody else got. */
      failures: number;
    };

export interface StormOptions {
  /** Starts the deployed Worker with these extra bindings. */
  startWorker: (bindings: Record<string, string>) => Promise<ServerProcess>;
  callers: number;
  adminKey: string;
  appId: string;
  appSecret: string;
}

/** dev/fake-wechat/ served for one account, as bench/start.mjs bundles it. */
const FAKE_SERVER = join(PROJECT_DIR, "bench", "results", ".build", "fake-wechat.mjs");

/** The fake WeChat API on loopback, for one account; undefined when it is missing. */
export async function startFakeWeChat(
  appId: string,
  appSecret: string,
): Promise<ServerProcess | undefined> {
  if (!existsSync(FAKE_SERVER)) return undefined;
  const port = await freePort();
  return startServer(
    "fake WeChat",
    FAKE_SERVER,
    {},
    {
      args: ["--port", String(port), "--host", "127.0.0.1"].concat([
        "--appid",
        appId,
        "--secret",
        appSecret,
      ]),
      ready: /fake WeChat API on (http:\/\/\S+)/,
    },
  );
}

export async function runTokenStorm(options: StormOptions): Promise<StormResult> {
  const fake = await startFakeWeChat(options.appId, options.appSecret);
  if (!fake) {
    return { ran: false, reason: "the fake WeChat API was not built (bench/start.mjs builds it)" };
  }
  let worker: ServerProcess | undefined;
  try {
    worker = await options.startWorker({ WECHAT_API_BASE: fake.url });
    const url = `${worker.url}/admin/token`;
    const headers = { authorization: `Bearer ${options.adminKey}` };
    const probe = await fetch(`${worker.url}/healthz`);
    await probe.arrayBuffer();
    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: options.callers }, async () => {
        const response = await fetch(url, { headers });
        const body = (await response.json().catch(() => ({}))) as { access_token?: string };
        return {
          status: response.status,
          token: body.access_token,
          ms: performance.now() - started,
        };
      }),
    );
    const allServedMs = Math.max(...answers.map((answer) => answer.ms));
    const stats = (await (await fetch(`${fake.url}/__fake/stats`)).json()) as {
      token_fetches: number;
    };
    const first = answers.find((answer) => answer.status === 200)?.token;
    const failures = answers.filter(
      (a) => a.status !== 200 || !a.token || a.token !== first,
    ).length;
    const sorted = answers.map((answer) => answer.ms).sort((a, b) => a - b);
    return {
      ran: true,
      callers: options.callers,
      allServedMs,
      p50Ms: sorted[Math.floor(sorted.length / 2)]!,
      maxMs: sorted[sorted.length - 1]!,
      upstreamFetches: stats.token_fetches,
      failures,
    };
  } finally {
    await worker?.stop();
    await fake.stop();
  }
}
