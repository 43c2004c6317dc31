/**
 * The daily cap on temporary QR codes created for visitors (QR_NEW_SCENES_PER_DAY per account).
 *
 * /qr is public: every new scene costs a `qrcode/create` call against the account's daily quota,
 * a Durable Object and a stored record, and the per-visitor limit alone only slows one address
 * down. So creations for callers without the admin key are counted per account and per day, and
 * refused past the cap; tickets already created are still served. A renewal (a live ticket that
 * has lost its comfortable life) counts too: it is a `qrcode/create` call all the same, and a
 * scene asked for with expire=60 would otherwise renew every half minute without bound.
 *
 * Where: the account's QrScanStats object, in a `new_scenes` table next to the scan counts. A
 * Durable Object is the only strongly consistent counter on hand (KV is eventually consistent and
 * has no compare-and-set, so concurrent first requests would all pass), one per account already
 * exists, and a table needs no wrangler.toml migration. The price is one more round trip to that
 * object whenever an issuer would create (never for a comfortable ticket, from memory or stored).
 *
 * When: days in Beijing time (UTC+8), the clock WeChat's own quotas reset by.
 *
 * Reserve first, give back on failure: the slot is taken before `qrcode/create` is called, so
 * concurrent creations for many scenes cannot all pass a check made before any was counted, and
 * it is returned when the call fails, so WeChat's trouble does not use up the day.
 */

const DAY_MS = 86_400_000;
const BEIJING_OFFSET_MS = 8 * 3_600_000;
/** Rows are kept a few days (a day that ends while a creation is out still gets its refund). */
const KEEP_DAYS = 3;

/** The Beijing date of `now` (YYYY-MM-DD): the key a day's count is kept under. */
export function beijingDay(now: number): string {
  return new Date(now + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
}

/** Seconds from `now` to the next midnight in Beijing, when the count starts again (at least 1). */
export function secondsToBeijingMidnight(now: number): number {
  const nextMidnight = (Math.floor((now + BEIJING_OFFSET_MS) / DAY_MS) + 1) * DAY_MS;
  return Math.max(1, Math.ceil((nextMidnight - BEIJING_OFFSET_MS - now) / 1000));
}

export const NEW_SCENES_SCHEMA = `
CREATE TABLE IF NOT EXISTS new_scenes (day TEXT PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID;
`;

/** Takes one of `day`'s `limit` slots: the slots now taken, or undefined when none was left. */
export function reserveNewScene(sql: SqlStorage, day: string, limit: number): number | undefined {
  const taken =
    sql.exec<{ count: number }>("SELECT count FROM new_scenes WHERE day = ?", day).toArray()[0]
      ?.count ?? 0;
  if (taken >= limit) return undefined;
  sql.exec(
    `INSERT INTO new_scenes (day, count) VALUES (?, 1)
     ON CONFLICT (day) DO UPDATE SET count = count + 1`,
    day,
  );
  return taken + 1;
}

/** Gives back a slot taken on `day` whose creation failed. */
export function releaseNewScene(sql: SqlStorage, day: string): void {
  sql.exec("UPDATE new_scenes SET count = count - 1 WHERE day = ? AND count > 0", day);
}

/** Forgets days long past (ISO dates compare as text). */
export function pruneNewScenes(sql: SqlStorage, now: number): void {
  sql.exec("DELETE FROM new_scenes WHERE day < ?", beijingDay(now - KEEP_DAYS * DAY_MS));
}
