/**
 * When a cached ticket is still good enough to hand out: "comfortable life left".
 *
 * A visitor scans a code seconds to minutes after the page loads; a screenshot or a printed page
 * may be scanned within a day. So a temporary ticket is reused while it has at least half of the
 * life the caller asked for, capped at one day: a 30-day code (the default) is reused for 29 days,
 * so a page costs one ticket per scene a month however heavy its traffic, and nobody is handed a
 * code that dies in less than a day (or, for short codes, in less than half of what was asked).
 * A permanent ticket never expires and is reused for ever.
 */
import type { QrKind } from "../wechat/qrcode";

const MAX_COMFORTABLE_LIFE_SECONDS = 86_400;

/** A ticket as /qr stores and serves it. */
export interface QrTicket {
  kind: QrKind;
  /** The scene as the push reports it (`QrScan.scene`). */
  scene: string;
  ticket: string;
  url: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms; absent for permanent codes. */
  expiresAt?: number;
}

/** The least life, in seconds, a reused temporary ticket must have for a request of `expireSeconds`. */
function comfortableLifeSeconds(expireSeconds: number): number {
  return Math.min(Math.ceil(expireSeconds / 2), MAX_COMFORTABLE_LIFE_SECONDS);
}

/** Whether `ticket` may answer a request for `expireSeconds` (ignored for permanent codes) at `now`. */
export function hasComfortableLife(ticket: QrTicket, expireSeconds: number, now: number): boolean {
  if (ticket.expiresAt === undefined) return ticket.kind === "permanent";
  return ticket.expiresAt - now >= comfortableLifeSeconds(expireSeconds) * 1000;
}

/** Seconds a cache may keep an answer carrying `ticket` before it stops being comfortable. */
export function cacheableSeconds(
  ticket: QrTicket,
  expireSeconds: number,
  now: number,
  cap: number,
) {
  if (ticket.expiresAt === undefined) return cap;
  const spare = Math.floor((ticket.expiresAt - now) / 1000) - comfortableLifeSeconds(expireSeconds);
  return Math.max(0, Math.min(cap, spare));
}
