/**
 * Issue 18's figure: a storm of callers spread over the authorisers of a 第三方平台 (open
 * platform component), each authoriser's token held by its own AuthorizerAuthority: the time
 * until every caller is served and the upstream calls, which must be one api_authorizer_token
 * per authoriser and one api_component_token for the whole storm.
 *
 * The caller: a follower's text to `/wechat/<authoriser appid>` (signed and encrypted with the
 * component's token and key, as WeChat sends it), answered by a bot that calls WeChat's API with
 * `ctx.api` (bench/workers/authoriser-api-bot.ts, built by wrangler from the public entry point
 * with wrangler.toml's bindings). Two callers per authoriser, all at once.
 *
 * The setup, all through the Worker's own surfaces against the fake WeChat (dev/fake-wechat/
 * serve.ts, which counts every upstream call): a component_verify_ticket pushed to
 * /component/events, each authoriser authorised at the fake and its `authorized` push sent to
 * /component/events (the Worker exchanges the auth_code with api_query_auth, as in production).
 *
 * Cold: api_query_auth hands each authoriser a token, so the storm would find them warm. An
 * authoriser idle for a token lifetime is what the storm is about (its alarm lets an unused token
 * lapse; its next caller waits for one fetch), so the fake issues tokens with a short lifetime
 * (`--lifetime`) and the storm starts once every token has lapsed, as the admin surface reports:
 * each authoriser's, and the component's. The component's alarm refreshes its token on a fixed
 * spacing whether used or not, so the storm starts inside a window where it has lapsed and that
 * alarm is not due; then the storm's first fetches all need it at once. The upstream calls are
 * counted at the fake from the first push of the storm to its last answer.
 *
 * The same storm is then sent again with every token fresh: the difference is what the fetches
 * cost the callers.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FAKE_COMPONENT } from "../../dev/fake-wechat/endpoints/component-account";
import { signPush, textPushXml, type Account } from "../../dev/fake-wechat/sign-push";
import { MessageCrypt } from "../../src/wechat/message-crypt";
import { parseXml, textOf } from "../../src/wechat/xml";
import { PROJECT_DIR } from "./build";
import { freePort, startServer, type ServerProcess } from "./process-tree";
import { ACCOUNT } from "./pushes";
import type { Budget } from "./report";

export type ComponentStormResult =
  | { ran: false; reason: string }
  | {
      ran: true;
      callers: number;
      authorisers: number;
      /** From the first push sent to the last answer received. */
      allServedMs: number;
      p50Ms: number;
      maxMs: number;
      /** The same storm again once every token is fresh: the pushes' own cost, no fetch. */
      warmAllServedMs: number;
      warmP50Ms: number;
      upstreamAuthoriserTokenCalls: number;
      upstreamComponentTokenCalls: number;
      /** The handlers' own API calls (get_api_domain_ip), one per caller. */
      upstreamApiCalls: number;
      /** Callers of the cold storm not answered 200 with the bot's line for their authoriser. */
      failures: number;
      warmFailures: number;
      /** The first few failures, for the log. */
      failureSamples: string[];
      /** Token lifetime the fake granted (seconds): short, so tokens lapse before the storm. */
      tokenLifetimeSeconds: number;
    };

export const COMPONENT_STORM = { callers: 200, authorisers: 100 } as const;
export const COMPONENT_STORM_SMOKE = { callers: 20, authorisers: 10 } as const;

export interface ComponentStormOptions {
  /** Starts `script` (a built Worker) with wrangler.toml's bindings and these variables. */
  startWorker: (script: string, bindings: Record<string, string>) => Promise<ServerProcess>;
  callers: number;
  authorisers: number;
  adminKey: string;
  log: (line: string) => void;
}

const AUTHORIZER_TOKEN = "/cgi-bin/component/api_authorizer_token";
const COMPONENT_TOKEN = "/cgi-bin/component/api_component_token";
const API_CALL = "/cgi-bin/get_api_domain_ip";
/**
 * Seconds of life of every token the fake grants. Long enough that a token fetched by the storm
 * stays servable (more than the keeper's 10 s guard) until the storm is over; short enough that
 * the tokens from the setup lapse within a minute.
 */
const TOKEN_LIFETIME_SECONDS = 25;
/** The keepers' guard (src/token/refresh-rule.ts): a token this close to expiry is not served. */
const EXPIRY_GUARD_MS = 10_000;
/**
 * The keepers' spacing of rule-driven refreshes (src/component/credential-keeper.ts): with a
 * lifetime under the refresh margin, the component's alarm fires this long after each refresh.
 */
const RULE_SPACING_MS = 30_000;
/** The storm starts no later than this before the component's alarm is due. */
const ALARM_HEADROOM_MS = 5_000;
const COLD_TIMEOUT_MS = 120_000;

const appidOf = (index: number) => `wx5ca1ab1e${index.toString(16).padStart(8, "0")}`;

/** The storm's Worker, bundled by wrangler as it deploys (wrangler.toml's bindings). */
function buildStormWorker(): string {
  const out = join(mkdtempSync(join(tmpdir(), "wechat-edge-storm-")), "out");
  const result = spawnSync(
    process.execPath,
    [
      join(PROJECT_DIR, "node_modules", "wrangler", "bin", "wrangler.js"),
      "deploy",
      "--dry-run",
      "--outdir",
      out,
      join("bench", "workers", "authoriser-api-bot.ts"),
    ],
    {
      cwd: PROJECT_DIR,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
      encoding: "utf8",
    },
  );
  if (result.status !== 0) {
    throw new Error(`wrangler could not build the storm's Worker:\n${result.stderr}`);
  }
  const entry = readdirSync(out).find((name) => /\.m?js$/.test(name));
  if (!entry) throw new Error(`no bundle in ${out}`);
  return join(out, entry);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function json<T>(response: Promise<Response>): Promise<T> {
  const answer = await response;
  const body = (await answer.json().catch(() => ({}))) as T;
  if (!answer.ok)
    throw new Error(`${answer.url} answered ${answer.status}: ${JSON.stringify(body)}`);
  return body;
}

async function inBatches<T>(items: readonly T[], size: number, each: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += size) {
    await Promise.all(items.slice(i, i + size).map(each));
  }
}

interface Admin {
  component: () => Promise<{ tokenExpiresAt?: number; tokenRefreshedAt?: number }>;
  authorizers: () => Promise<{ appid: string; active: boolean; tokenExpiresAt?: number }[]>;
}

function adminOf(worker: ServerProcess, adminKey: string): Admin {
  const headers = { authorization: `Bearer ${adminKey}` };
  return {
    component: () => json(fetch(`${worker.url}/admin/component`, { headers })),
    authorizers: async () =>
      (
        await json<{ authorizers: { appid: string; active: boolean; tokenExpiresAt?: number }[] }>(
          fetch(`${worker.url}/admin/component/authorizers?limit=500`, { headers }),
        )
      ).authorizers,
  };
}

/**
 * Waits until no token is servable (every authoriser's and the component's have lapsed) and the
 * component's alarm is not due for a while: the moment the storm must start.
 */
async function waitUntilCold(admin: Admin, appids: readonly string[]): Promise<void> {
  const deadline = Date.now() + COLD_TIMEOUT_MS;
  const lapsed = (expiresAt: number | undefined, now: number) =>
    expiresAt === undefined || expiresAt - now <= EXPIRY_GUARD_MS - 500;
  for (;;) {
    const now = Date.now();
    const listed = await admin.authorizers();
    const active = new Set(listed.filter((entry) => entry.active).map((entry) => entry.appid));
    const missing = appids.filter((appid) => !active.has(appid));
    const warm = listed.filter((entry) => !lapsed(entry.tokenExpiresAt, now));
    const component = await admin.component();
    const componentCold =
      lapsed(component.tokenExpiresAt, now) &&
      (component.tokenRefreshedAt === undefined ||
        now < component.tokenRefreshedAt + RULE_SPACING_MS - ALARM_HEADROOM_MS);
    if (missing.length === 0 && warm.length === 0 && componentCold) return;
    if (Date.now() > deadline) {
      throw new Error(
        `the tokens did not lapse in time: ${missing.length} authorisers not registered, ` +
          `${warm.length} with a servable token, component token ${componentCold ? "lapsed" : "servable or about to be refreshed"}`,
      );
    }
    await sleep(missing.length > 0 ? 250 : 500);
  }
}

/** The component as a signer: authorisers' pushes are signed and sealed with its token and key. */
const COMPONENT: Required<Account> = {
  token: FAKE_COMPONENT.token,
  appId: FAKE_COMPONENT.appid,
  encodingAESKey: FAKE_COMPONENT.encodingAESKey,
};

async function openReply(
  text: string,
  account: Required<Account> = COMPONENT,
): Promise<string | undefined> {
  const outer = parseXml(text);
  if (!outer.ok) return undefined;
  const encrypt = textOf(outer.root, "Encrypt");
  if (!encrypt) return undefined;
  const opened = await new MessageCrypt(account.encodingAESKey, account.appId)
    .decrypt(encrypt)
    .catch(() => undefined);
  if (!opened) return undefined;
  const inner = parseXml(opened.message);
  return inner.ok ? textOf(inner.root, "Content") : undefined;
}

/**
 * `callers` followers' texts at once, caller i to authoriser i mod n; every reply must be the
 * bot's line for that authoriser. Pushes are signed up front, so this times the Worker only.
 */
async function storm(
  url: string,
  appids: readonly string[],
  callers: number,
  round: string,
  account?: Required<Account>,
) {
  const pushes = await Promise.all(
    Array.from({ length: callers }, async (_, i) => {
      const appid = appids[i % appids.length]!;
      const follower = `oStorm${round}${String(i).padStart(18, "0")}`;
      const push = await signPush(
        account ?? COMPONENT,
        textPushXml("hello", { from: follower, to: `gh_${appid.slice(-12)}` }),
        { mode: "safe", path: account ? "/wechat" : `/wechat/${appid}` },
      );
      return { appid, push };
    }),
  );
  const started = performance.now();
  const answers = await Promise.all(
    pushes.map(async ({ appid, push }) => {
      const response = await fetch(`${url}${push.path}`, {
        method: "POST",
        body: push.body,
        headers: { "content-type": "text/xml" },
      });
      const text = await response.text();
      const ms = performance.now() - started;
      const content = response.status === 200 ? await openReply(text, account) : undefined;
      return {
        ms,
        failure:
          content === `api ok for ${appid}`
            ? undefined
            : `${round} ${appid}: ${response.status} ${content ?? text.slice(0, 120)}`,
      };
    }),
  );
  const sorted = answers.map((answer) => answer.ms).sort((a, b) => a - b);
  return {
    p50Ms: sorted[Math.floor(sorted.length / 2)]!,
    maxMs: sorted[sorted.length - 1]!,
    failures: answers.flatMap((answer) => (answer.failure ? [answer.failure] : [])),
  };
}

export async function runComponentStorm(
  options: ComponentStormOptions,
): Promise<ComponentStormResult> {
  const { callers, authorisers, log } = options;
  const script = buildStormWorker();
  const port = await freePort();
  // The fake as its own file runs on Node 24 directly (type stripping); --lifetime is its option.
  const fake = await startServer(
    "fake WeChat",
    join(PROJECT_DIR, "dev", "fake-wechat", "serve.ts"),
    {},
    {
      args: [
        ...["--port", String(port), "--host", "127.0.0.1"],
        ...["--lifetime", String(TOKEN_LIFETIME_SECONDS)],
      ],
      ready: /fake WeChat API on (http:\/\/\S+)/,
    },
  );
  let worker: ServerProcess | undefined;
  try {
    worker = await options.startWorker(script, {
      WECHAT_API_BASE: fake.url,
      WECHAT_COMPONENT_APPID: FAKE_COMPONENT.appid,
      WECHAT_COMPONENT_APPSECRET: FAKE_COMPONENT.appsecret,
      WECHAT_COMPONENT_TOKEN: FAKE_COMPONENT.token,
      WECHAT_COMPONENT_AES_KEY: FAKE_COMPONENT.encodingAESKey,
      WECHAT_COMPONENT_API_BASE: fake.url,
    });
    const events = `${worker.url}/component/events`;
    const control = (path: string, body: unknown) =>
      json<{ status?: number; answer?: string; auth_code?: string }>(
        fetch(`${fake.url}/__fake/${path}`, { method: "POST", body: JSON.stringify(body) }),
      );
    const pushed = await control("component/ticket", { url: events });
    if (pushed.status !== 200) {
      throw new Error(`the ticket push was answered ${pushed.status}: ${pushed.answer}`);
    }

    // Registration: what WeChat does when each account's administrator authorises the platform.
    const appids = Array.from({ length: authorisers }, (_, i) => appidOf(i));
    await inBatches(appids, 10, async (appid) => {
      const { auth_code: authCode } = await control("component/authorize", { appid });
      const sent = await control("component/event", {
        url: events,
        infoType: "authorized",
        appid,
        authCode,
      });
      if (sent.status !== 200) throw new Error(`the authorized push was answered ${sent.status}`);
    });
    const admin = adminOf(worker, options.adminKey);
    log(`  ${authorisers} authorisers registered; waiting for every token to lapse...`);
    // While the tokens lapse, the push path and ctx.api are warmed on the Worker's own account,
    // so that the cold storm differs from the warm one by the authorisers' tokens, not by code
    // run for the first time.
    const warmed = await storm(worker.url, [ACCOUNT.appId], callers, "warm-up", ACCOUNT);
    if (warmed.failures.length > 0) {
      throw new Error(`the warm-up on the Worker's own account failed: ${warmed.failures[0]}`);
    }
    await waitUntilCold(admin, appids);

    await control("reset", {});
    const cold = await storm(worker.url, appids, callers, "cold");
    const stats = await json<{ per_path: Record<string, number> }>(
      fetch(`${fake.url}/__fake/stats`),
    );
    // The same storm again, every token now fresh: what the pushes cost without any fetch.
    const warm = await storm(worker.url, appids, callers, "warm");
    const failures = [...cold.failures, ...warm.failures];
    return {
      ran: true,
      callers,
      authorisers,
      allServedMs: cold.maxMs,
      p50Ms: cold.p50Ms,
      maxMs: cold.maxMs,
      warmAllServedMs: warm.maxMs,
      warmP50Ms: warm.p50Ms,
      upstreamAuthoriserTokenCalls: stats.per_path[AUTHORIZER_TOKEN] ?? 0,
      upstreamComponentTokenCalls: stats.per_path[COMPONENT_TOKEN] ?? 0,
      upstreamApiCalls: stats.per_path[API_CALL] ?? 0,
      failures: cold.failures.length,
      warmFailures: warm.failures.length,
      failureSamples: failures.slice(0, 5),
      tokenLifetimeSeconds: TOKEN_LIFETIME_SECONDS,
    };
  } finally {
    await worker?.stop();
    await fake.stop();
  }
}

/**
 * The storm's rules as budget rows: one api_authorizer_token per authoriser and one
 * api_component_token for the whole storm, every caller served. A storm that did not run fails
 * them: the rule was not checked.
 */
export function componentStormBudgets(
  result: ComponentStormResult,
  size: { callers: number; authorisers: number },
): Budget[] {
  const label = `${size.callers} callers over ${size.authorisers} authorisers`;
  const served = result.ran && result.failures === 0;
  const failed = result.ran && result.failures > 0 ? ` (${result.failures} callers failed)` : "";
  return [
    {
      name: `authoriser storm: upstream api_authorizer_token calls for ${label}`,
      limit: `= ${size.authorisers}`,
      value: result.ran ? `${result.upstreamAuthoriserTokenCalls}${failed}` : "not measured",
      pass: served && result.upstreamAuthoriserTokenCalls === size.authorisers,
    },
    {
      name: `authoriser storm: upstream api_component_token calls for ${label}`,
      limit: "= 1",
      value: result.ran ? `${result.upstreamComponentTokenCalls}${failed}` : "not measured",
      pass: served && result.upstreamComponentTokenCalls === 1,
    },
  ];
}
