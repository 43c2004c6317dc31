/**
 * GET /qr/stats (admin key): per-scene scans, new follows and unfollows over a time range.
 *
 * `from` and `to` take a date (2026-03-01, UTC), an ISO date-time, or Unix seconds; a bare date
 * in `to` includes that whole day. Default: the last 30 days. Counts are kept per UTC hour, so
 * the range is widened to whole hours. `scene` narrows the answer to one scene; `appid` picks
 * the account (src/http/require-account.ts).
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { requireAccount } from "../http/require-account";
import { qrScanStats } from "./attribution";
import { RETENTION_DAYS } from "./scan-stats";

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const DEFAULT_RANGE_MS = 30 * DAY_MS;

type Instant = { ok: true; ms: number } | { ok: false; reason: string };

function readInstant(name: string, text: string, endOfDay: boolean): Instant {
  const rule = `${name} must be a date (YYYY-MM-DD), an ISO date-time or Unix seconds`;
  if (/^\d{1,10}$/.test(text)) return { ok: true, ms: Number(text) * 1000 };
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const ms = Date.parse(`${text}T00:00:00Z`);
    return Number.isNaN(ms)
      ? { ok: false, reason: rule }
      : { ok: true, ms: endOfDay ? ms + DAY_MS : ms };
  }
  if (/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return { ok: true, ms };
  }
  return { ok: false, reason: rule };
}

export async function qrStatsHandler(c: Context<AppEnv>) {
  const account = requireAccount(c);
  if (!account.ok) return account.response;
  const { config } = account;
  const fromText = c.req.query("from");
  const toText = c.req.query("to");
  const scene = c.req.query("scene");
  const now = Date.now();
  let to = Math.ceil(now / HOUR_MS) * HOUR_MS;
  if (toText !== undefined) {
    const read = readInstant("to", toText, true);
    if (!read.ok) return c.json({ error: read.reason, parameter: "to" }, 400);
    to = read.ms;
  }
  let from = to - DEFAULT_RANGE_MS;
  if (fromText !== undefined) {
    const read = readInstant("from", fromText, false);
    if (!read.ok) return c.json({ error: read.reason, parameter: "from" }, 400);
    from = read.ms;
  }
  if (from >= to) return c.json({ error: "from must be before to", parameter: "from" }, 400);
  if (scene !== undefined && (scene === "" || [...scene].length > 64)) {
    return c.json({ error: "scene must be 1 to 64 characters", parameter: "scene" }, 400);
  }
  const scenes = await qrScanStats(c.env, config.appId).counts({
    from,
    to,
    ...(scene !== undefined ? { scene } : {}),
  });
  const totals = { scans: 0, follows: 0, unfollows: 0 };
  for (const row of scenes) {
    totals.scans += row.scans;
    totals.follows += row.follows;
    totals.unfollows += row.unfollows;
  }
  return c.json({
    from: new Date(Math.floor(from / HOUR_MS) * HOUR_MS).toISOString(),
    to: new Date(to).toISOString(),
    scenes,
    totals,
    retention_days: RETENTION_DAYS,
  });
}
