/**
 * QrScanStats: the per-scene counts behind /qr/stats, in one SQLite-backed Durable Object per
 * account.
 *
 * Why Durable Object SQLite and not D1: nothing to create before the first deploy (D1 needs
 * `wrangler d1 create`, a database_id in wrangler.toml and a migration step); one writer, so
 * counter upserts and the follower → scene match never race; storage sits next to the code that
 * writes it. Why one object per account and not one per scene: an unfollow carries no scene, so
 * it must find the follower's scene by openid, and /qr/stats must read every scene; sharding by
 * scene would need a second lookup shard and a fan-out for every report. The cost: writes are
 * serialised through one object (its capacity is far above any account's follow rate), the data
 * lives in one location, and it is queried only through this class
 * (no ad-hoc SQL console as D1 has).
 *
 * What is stored (and nothing else):
 * - `scene_hour`: counts per scene per UTC hour (scans, follows, unfollows); kept 400 days.
 * - `follower`: for each follower who came through a scene, a keyed hash of the openid, the
 *   scene and the hour, so a later unfollow is counted against that scene; deleted at the
 *   unfollow, or after 400 days.
 * - `recent_push`: a keyed hash per event for 10 minutes, so WeChat's retries of one push
 *   (3 deliveries in about 15 s) are counted once.
 * - `new_scenes`: how many temporary codes /qr created for visitors per Beijing day, for the
 *   daily cap (new-scene-cap.ts); kept a few days.
 * openids are never stored in the clear; the hash key is derived from a Worker secret
 * (follower-key.ts) and never leaves the Worker.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { log } from "../log";
import {
  NEW_SCENES_SCHEMA,
  pruneNewScenes,
  releaseNewScene,
  reserveNewScene,
} from "./new-scene-cap";

type ScanKind = "scan" | "follow" | "unfollow";

export interface ScanRecord {
  kind: ScanKind;
  /** Keyed hash of the openid (never the openid). */
  follower: string;
  /** The scene (absent for unfollow: it is looked up). */
  scene?: string;
  /** Epoch ms of the event. */
  at: number;
  /** Identifies the push, so its retries count once. */
  pushKey: string;
}

interface SceneCounts {
  scene: string;
  scans: number;
  follows: number;
  unfollows: number;
}

interface StatsQuery {
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  scene?: string;
}

const HOUR_MS = 3_600_000;
export const RETENTION_DAYS = 400;
const RETENTION_MS = RETENTION_DAYS * 86_400_000;
const RECENT_PUSH_MS = 10 * 60_000;
const PRUNE_EVERY_MS = HOUR_MS;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS scene_hour (
  scene TEXT NOT NULL, hour INTEGER NOT NULL,
  scans INTEGER NOT NULL DEFAULT 0, follows INTEGER NOT NULL DEFAULT 0,
  unfollows INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (scene, hour)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS scene_hour_by_hour ON scene_hour (hour);
CREATE TABLE IF NOT EXISTS follower (
  follower TEXT PRIMARY KEY, scene TEXT NOT NULL, hour INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS recent_push (push_key TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;
`;

const COLUMN: Record<ScanKind, "scans" | "follows" | "unfollows"> = {
  scan: "scans",
  follow: "follows",
  unfollow: "unfollows",
};

export class QrScanStats extends DurableObject<Env> {
  readonly #sql: SqlStorage;
  #prunedAt = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec(SCHEMA);
    this.#sql.exec(NEW_SCENES_SCHEMA);
  }

  /** Takes one of `day`'s `limit` slots for a new temporary code; false when none is left. */
  async reserveNewScene(day: string, limit: number): Promise<boolean> {
    pruneNewScenes(this.#sql, Date.now());
    const taken = reserveNewScene(this.#sql, day, limit);
    // Once a day, when the last slot goes, rather than once for every refusal after it.
    if (taken === limit) log.warn("qr.new_scenes.cap_reached", { day, limit });
    return taken !== undefined;
  }

  /** Gives back a slot taken on `day` whose `qrcode/create` failed. */
  async releaseNewScene(day: string): Promise<void> {
    releaseNewScene(this.#sql, day);
  }

  /** Counts one event; returns the scene it was counted against, or undefined when it was not. */
  async record(event: ScanRecord): Promise<string | undefined> {
    const now = Date.now();
    this.#prune(now);
    const seen = this.#sql
      .exec("SELECT 1 FROM recent_push WHERE push_key = ?", event.pushKey)
      .toArray().length;
    if (seen) return undefined;
    this.#sql.exec("INSERT INTO recent_push (push_key, at) VALUES (?, ?)", event.pushKey, now);
    const hour = Math.floor(event.at / HOUR_MS) * HOUR_MS;
    let scene = event.scene;
    if (event.kind === "unfollow") {
      const row = this.#sql
        .exec<{ scene: string }>("SELECT scene FROM follower WHERE follower = ?", event.follower)
        .toArray()[0];
      if (!row) return undefined;
      scene = row.scene;
      this.#sql.exec("DELETE FROM follower WHERE follower = ?", event.follower);
    }
    if (scene === undefined) return undefined;
    const column = COLUMN[event.kind];
    this.#sql.exec(
      `INSERT INTO scene_hour (scene, hour, ${column}) VALUES (?, ?, 1)
       ON CONFLICT (scene, hour) DO UPDATE SET ${column} = ${column} + 1`,
      scene,
      hour,
    );
    if (event.kind === "follow") {
      // A new follower is also a scan of the code.
      this.#sql.exec(
        `UPDATE scene_hour SET scans = scans + 1 WHERE scene = ? AND hour = ?`,
        scene,
        hour,
      );
      this.#sql.exec(
        `INSERT INTO follower (follower, scene, hour) VALUES (?, ?, ?)
         ON CONFLICT (follower) DO UPDATE SET scene = excluded.scene, hour = excluded.hour`,
        event.follower,
        scene,
        hour,
      );
    }
    return scene;
  }

  /** Counts per scene over [from, to), by whole UTC hours, busiest scene first. */
  async counts(query: StatsQuery): Promise<SceneCounts[]> {
    const from = Math.floor(query.from / HOUR_MS) * HOUR_MS;
    const filter = query.scene === undefined ? "" : "AND scene = ?";
    const rows = this.#sql.exec<{
      scene: string;
      scans: number;
      follows: number;
      unfollows: number;
    }>(
      `SELECT scene, SUM(scans) AS scans, SUM(follows) AS follows, SUM(unfollows) AS unfollows
       FROM scene_hour WHERE hour >= ? AND hour < ? ${filter}
       GROUP BY scene ORDER BY scans DESC, follows DESC, scene ASC`,
      ...(query.scene === undefined ? [from, query.to] : [from, query.to, query.scene]),
    );
    return rows.toArray().map((row) => ({ ...row }));
  }

  #prune(now: number): void {
    this.#sql.exec("DELETE FROM recent_push WHERE at < ?", now - RECENT_PUSH_MS);
    if (now - this.#prunedAt < PRUNE_EVERY_MS) return;
    this.#prunedAt = now;
    this.#sql.exec("DELETE FROM scene_hour WHERE hour < ?", now - RETENTION_MS);
    this.#sql.exec("DELETE FROM follower WHERE hour < ?", now - RETENTION_MS);
  }
}
