/** Driving /qr through the whole app with a chosen env, against the fake WeChat API. */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import jsQR from "jsqr";
import { createApp } from "../../src/app";
import { parrot } from "../../demo/parrot";
import type { Env } from "../../src/env";

export const ADMIN_KEY = "qr-admin-key-for-tests-0123456789";
export const PAGE_ORIGIN = "https://landing.example.com";

const app = createApp(parrot);

/** The test env with ADMIN_KEY and ALLOWED_ORIGINS set (one object: config is cached per env). */
export const qrEnv: Env = {
  ...env,
  ADMIN_KEY,
  ALLOWED_ORIGINS: `${PAGE_ORIGIN}, https://other.example.com`,
};

export interface CallOptions {
  key?: string;
  ip?: string;
  origin?: string;
  method?: string;
  headers?: Record<string, string>;
  env?: Env;
}

let visitor = 0;
/** A fresh client IP per call unless given, so the per-visitor limit stays out of the way. */
export function freshIp(): string {
  visitor++;
  return `198.51.${Math.floor(visitor / 250) % 250}.${(visitor % 250) + 1}`;
}

export async function call(path: string, options: CallOptions = {}) {
  const headers = new Headers(options.headers);
  headers.set("cf-connecting-ip", options.ip ?? freshIp());
  if (options.key !== undefined) headers.set("authorization", `Bearer ${options.key}`);
  if (options.origin !== undefined) headers.set("origin", options.origin);
  const ctx = createExecutionContext();
  const response = await app.fetch(
    new Request(`https://worker.test${path}`, { method: options.method ?? "GET", headers }),
    options.env ?? qrEnv,
    ctx,
  );
  const body = await response.text();
  await waitOnExecutionContext(ctx);
  return { status: response.status, headers: response.headers, body, json: () => JSON.parse(body) };
}

/**
 * Decodes an SVG from src/qr/render-svg.ts with jsQR (an independent decoder): the path's runs
 * are painted into a bitmap, 4 pixels per module.
 */
export function decodeQrSvg(svg: string): string | undefined {
  const span = Number(/viewBox="0 0 (\d+) \d+"/.exec(svg)?.[1]);
  if (!span) return undefined;
  const scale = 4;
  const size = span * scale;
  const pixels = new Uint8ClampedArray(size * size * 4).fill(255);
  const path = /<path d="([^"]*)"/.exec(svg)?.[1] ?? "";
  for (const [, x, y, width] of path.matchAll(/M(\d+) (\d+)h(\d+)v1h-\d+z/g)) {
    for (let py = Number(y) * scale; py < (Number(y) + 1) * scale; py++) {
      const start = (py * size + Number(x) * scale) * 4;
      const end = (py * size + (Number(x) + Number(width)) * scale) * 4;
      for (let offset = start; offset < end; offset += 4) pixels.fill(0, offset, offset + 3);
    }
  }
  return jsQR(pixels, size, size)?.data;
}
