/**
 * 短key托管 (short keys): `shorten/gen` turns up to 4 KB of text into a 15-character base62 key,
 * `shorten/fetch` turns it back, for at most 30 days. Useful where a QR scene or a URL has no
 * room for the data itself. WeChat's errcodes: 9410010 long_data too long, 9410011
 * expire_seconds too long, 9410012 the key is unknown, expired or another account's.
 */
import type { WeChatApiClient } from "./client";
import { refuse } from "./input-error";

export const SHORTEN_LIMITS = {
  longDataBytes: 4 * 1024,
  /** 30 days, also WeChat's default. */
  maxExpireSeconds: 2_592_000,
} as const;

export interface ShortKeyData {
  long_data: string;
  /** Unix seconds. */
  create_time: number;
  /** Seconds left. */
  expire_seconds: number;
}

/** A reason a shorten/gen request breaks WeChat's limits, or undefined. */
export function shortenProblem(longData: unknown, expireSeconds?: unknown): string | undefined {
  if (typeof longData !== "string" || longData === "") return "long_data is required";
  const size = new TextEncoder().encode(longData).length;
  if (size > SHORTEN_LIMITS.longDataBytes) {
    return `long_data is ${size} bytes, at most ${SHORTEN_LIMITS.longDataBytes} allowed`;
  }
  if (
    expireSeconds !== undefined &&
    (typeof expireSeconds !== "number" ||
      !Number.isInteger(expireSeconds) ||
      expireSeconds < 1 ||
      expireSeconds > SHORTEN_LIMITS.maxExpireSeconds)
  ) {
    return `expire_seconds must be 1 to ${SHORTEN_LIMITS.maxExpireSeconds} (30 days)`;
  }
  return undefined;
}

/** A reason `shortKey` cannot be a key shorten/gen made (15 base62 characters), or undefined. */
export function shortKeyProblem(shortKey: unknown): string | undefined {
  return typeof shortKey === "string" && /^[0-9A-Za-z]{1,64}$/.test(shortKey)
    ? undefined
    : "short_key must be the base62 key shorten/gen answered";
}

/** `shorten/gen`: `expireSeconds` defaults to WeChat's 30 days. */
export async function genShortKey(
  client: WeChatApiClient,
  longData: string,
  expireSeconds: number = SHORTEN_LIMITS.maxExpireSeconds,
): Promise<{ short_key: string }> {
  refuse(shortenProblem(longData, expireSeconds));
  const body = await client.post<{ short_key: string }>("/cgi-bin/shorten/gen", {
    long_data: longData,
    expire_seconds: expireSeconds,
  });
  return { short_key: body.short_key };
}

/** `shorten/fetch`: the data behind a key, when it was made and how long it has left. */
export async function fetchShortKey(
  client: WeChatApiClient,
  shortKey: string,
): Promise<ShortKeyData> {
  refuse(shortKeyProblem(shortKey));
  const body = await client.post<ShortKeyData>("/cgi-bin/shorten/fetch", { short_key: shortKey });
  return {
    long_data: body.long_data,
    create_time: body.create_time,
    expire_seconds: body.expire_seconds,
  };
}
