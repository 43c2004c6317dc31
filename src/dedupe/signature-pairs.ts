/**
 * The replay guard's memory inside a PushLedger instance: which body each (timestamp, nonce)
 * carried, until the timestamp leaves the accepted window.
 *
 * The pairs are looked up in the instance's memory, loaded from SQLite when the instance starts,
 * and each call's new pairs are written as one row (their JSON list), not one row per pair: an
 * isolate's checks arrive in batches under load, and a row per pair made the replay guard the
 * largest item of a push's bill (npm run bench counts rows written). The row is written in the
 * same synchronous step in which the answers are decided, so no answer leaves the instance before
 * its pairs are durable (the output gate), and after a restart the instance still knows every
 * pair it ever called fresh.
 *
 * What it costs in memory: every pair of the accepted window (WECHAT_TIMESTAMP_TOLERANCE plus a
 * minute), about a hundred bytes each.
 */
export type SignatureCheck = "fresh" | "retry" | "conflict";

/** A pair to check: its body's fingerprint, and until when to remember it (ms since epoch). */
export interface SignatureClaim {
  timestamp: string;
  nonce: string;
  fingerprint: string;
  expiresAt: number;
}

interface KnownPair {
  fingerprint: string;
  expiresAt: number;
}

/** A pair as its batch row stores it: `[timestamp:nonce, fingerprint, expiresAt]`. */
type StoredPair = [string, string, number];

/** How often the pairs in memory are scanned for expired ones. */
const FORGET_EVERY_MS = 10_000;

export class SignaturePairs {
  #pairs: Map<string, KnownPair> | undefined;
  #forgotAt = 0;

  constructor(private readonly sql: SqlStorage) {
    // One pair per row: written before pairs were kept in batches; still read until they expire.
    // WITHOUT ROWID: a rowid table also writes its TEXT key's index, billed as a second row.
    sql.exec(`CREATE TABLE IF NOT EXISTS signatures (
      pair TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID`);
    // One row per call that brought new pairs; no index besides the rowid, so one row written.
    sql.exec(`CREATE TABLE IF NOT EXISTS signature_batches (
      id INTEGER PRIMARY KEY, pairs TEXT NOT NULL, expires_at INTEGER NOT NULL)`);
  }

  /**
   * Checks pairs in order: "fresh" the first time (remembered until its `expiresAt`), "retry"
   * for the same fingerprint again, "conflict" for another. `wrote` when a row was written.
   */
  check(checks: SignatureClaim[]): { results: SignatureCheck[]; wrote: boolean } {
    const now = Date.now();
    const pairs = this.#load(now);
    this.#forgetExpired(pairs, now);
    const fresh: StoredPair[] = [];
    let expiresAt = 0;
    const results = checks.map((check): SignatureCheck => {
      const pair = `${check.timestamp}:${check.nonce}`;
      const known = pairs.get(pair);
      if (known && known.expiresAt > now) {
        return known.fingerprint === check.fingerprint ? "retry" : "conflict";
      }
      pairs.set(pair, { fingerprint: check.fingerprint, expiresAt: check.expiresAt });
      fresh.push([pair, check.fingerprint, check.expiresAt]);
      expiresAt = Math.max(expiresAt, check.expiresAt);
      return "fresh";
    });
    if (fresh.length > 0) {
      this.sql.exec(
        "INSERT INTO signature_batches (pairs, expires_at) VALUES (?, ?)",
        JSON.stringify(fresh),
        expiresAt,
      );
    }
    return { results, wrote: fresh.length > 0 };
  }

  /** Deletes expired rows; whether any row is left. */
  sweep(now: number): boolean {
    let left = false;
    for (const table of ["signatures", "signature_batches"]) {
      this.sql.exec(`DELETE FROM ${table} WHERE expires_at <= ?`, now);
      left ||= this.sql.exec(`SELECT 1 FROM ${table} LIMIT 1`).toArray().length > 0;
    }
    return left;
  }

  #load(now: number): Map<string, KnownPair> {
    if (this.#pairs) return this.#pairs;
    const pairs = new Map<string, KnownPair>();
    const single = this.sql.exec<{ pair: string; fingerprint: string; expires_at: number }>(
      "SELECT pair, fingerprint, expires_at FROM signatures WHERE expires_at > ?",
      now,
    );
    for (const row of single) {
      pairs.set(row.pair, { fingerprint: row.fingerprint, expiresAt: row.expires_at });
    }
    // Oldest first, so that a pair written twice (after it had expired) keeps its latest body.
    const batches = this.sql.exec<{ pairs: string }>(
      "SELECT pairs FROM signature_batches WHERE expires_at > ? ORDER BY id",
      now,
    );
    for (const row of batches) {
      for (const [pair, fingerprint, expiresAt] of JSON.parse(row.pairs) as StoredPair[]) {
        if (expiresAt > now) pairs.set(pair, { fingerprint, expiresAt });
      }
    }
    this.#pairs = pairs;
    this.#forgotAt = now;
    return pairs;
  }

  #forgetExpired(pairs: Map<string, KnownPair>, now: number): void {
    if (now - this.#forgotAt < FORGET_EVERY_MS) return;
    this.#forgotAt = now;
    for (const [pair, known] of pairs) {
      if (known.expiresAt <= now) pairs.delete(pair);
    }
  }
}
