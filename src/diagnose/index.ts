/**
 * The diagnose feature's public face: `diagnoseAccount` runs every check of one account and
 * returns the findings and the problems in plain words (GET /admin/diagnose, npm run diagnose).
 *
 * Each check is bounded in time and runs on its own: one that fails or hangs is reported as
 * "could-not-run" with the reason, and the others still answer. The API checks run first, side by
 * side; the token and permission checks read the authority afterwards, so they include what those
 * calls just taught it. Nothing here calls a token endpoint.
 */
import type { AccountConfig } from "../config";
import type { Env } from "../env";
import { createApiClient, tokenAuthority } from "../token";
import { apiDomainCheck } from "./api-domain-check";
import { callbackCheck } from "./callback-check";
import { probePermissions } from "./permission-probes";
import { permissionsCheck } from "./permissions-check";
import { couldNotRun, within, type CheckOutcome, type Problem } from "./problem";
import { quotaCheck } from "./quota-check";
import { tokenCheck } from "./token-check";

export type { CheckOutcome, CheckState, Problem } from "./problem";

export interface DiagnoseOptions {
  /** Each check's time bound (default 8 s). */
  checkTimeoutMs?: number;
}

export interface Diagnosis {
  account: { appid: string };
  checked_at: string;
  ok: boolean;
  checks: Record<string, { state: CheckOutcome["state"] } & Record<string, unknown>>;
  problems: Problem[];
}

const DEFAULT_CHECK_TIMEOUT_MS = 8000;

export async function diagnoseAccount(
  env: Env,
  config: AccountConfig,
  options: DiagnoseOptions = {},
): Promise<Diagnosis> {
  const ms = options.checkTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const client = createApiClient(env, config);
  const authority = tokenAuthority(env, config.appId);
  const run = (doing: string, check: () => Promise<CheckOutcome>) =>
    within(ms, check()).catch((error: unknown) => couldNotRun(error, doing));

  const [apiDomain, callback, quota, probes] = await Promise.all([
    run("get_api_domain_ip", () => apiDomainCheck(client)),
    run("callback/check", () => callbackCheck(client)),
    run("openapi/quota/get", async () =>
      quotaCheck(client, config, await authority.quotaClears().catch(() => undefined)),
    ),
    // Probes that cannot answer leave the areas as learnt.
    within(ms, probePermissions(client)).catch(() => ({})),
  ]);
  const [token, permissions] = await Promise.all([
    run("the token authority", async () => {
      const statuses = await authority.status();
      return tokenCheck(
        config,
        statuses.find((status) => status.credential === "access_token"),
      );
    }),
    run("the token authority", async () =>
      permissionsCheck(config, await authority.accountPermissions(), probes),
    ),
  ]);

  const checks = {
    token,
    api_domain: apiDomain,
    callback,
    quota,
    permissions,
  };
  const problems = distinct(Object.values(checks).flatMap((check) => check.problems));
  return {
    account: { appid: config.appId },
    checked_at: new Date().toISOString(),
    ok: problems.length === 0,
    checks: Object.fromEntries(
      Object.entries(checks).map(([name, check]) => [
        name,
        { state: check.state, ...check.detail },
      ]),
    ),
    problems,
  };
}

/** One problem met by several checks (a 40164 on every call) is told once. */
function distinct(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key =
      problem.errcode !== undefined ? `errcode:${problem.errcode}:${problem.what}` : problem.what;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
