/**
 * The three shapes of a /qr answer for one ticket: JSON, the SVG rendered here, or a redirect to
 * WeChat's own image. Answers for visitors may be cached (publicly) only while the ticket stays
 * comfortable, so no cache ever hands out a code about to die; answers to admin calls are not
 * cached anywhere.
 */
import { showQrCodeUrl } from "../wechat/qrcode";
import type { QrFormat } from "./params";
import { renderQrSvg } from "./render-svg";
import { cacheableSeconds, type QrTicket } from "./ticket-life";

const MAX_CACHE_SECONDS = { json: 300, svg: 3600, png: 300 } as const;

export interface AnswerOptions {
  format: QrFormat;
  /** The expire the caller asked for (temporary codes). */
  expireSeconds: number;
  mpBase: string;
  /** Admin calls: never cached. */
  privateAnswer: boolean;
  now: number;
}

function cacheControl(ticket: QrTicket, options: AnswerOptions): string {
  if (options.privateAnswer) return "no-store";
  const seconds = cacheableSeconds(
    ticket,
    options.expireSeconds,
    options.now,
    MAX_CACHE_SECONDS[options.format],
  );
  return seconds > 0 ? `public, max-age=${seconds}` : "no-cache";
}

function qrTicketJson(ticket: QrTicket, mpBase: string, now: number) {
  const { expiresAt } = ticket;
  return {
    scene: ticket.scene,
    ticket: ticket.ticket,
    url: ticket.url,
    image: showQrCodeUrl(ticket.ticket, mpBase),
    expire_seconds:
      expiresAt === undefined ? null : Math.max(0, Math.floor((expiresAt - now) / 1000)),
    expires_at: expiresAt === undefined ? null : new Date(expiresAt).toISOString(),
    permanent: ticket.kind === "permanent",
  };
}

export function qrAnswer(ticket: QrTicket, options: AnswerOptions): Response {
  const headers = new Headers({ "cache-control": cacheControl(ticket, options) });
  switch (options.format) {
    case "json":
      return Response.json(qrTicketJson(ticket, options.mpBase, options.now), { headers });
    case "svg":
      headers.set("content-type", "image/svg+xml");
      headers.set("x-content-type-options", "nosniff");
      // The SVG is ours and inert; forbid anything active should it ever be opened directly.
      headers.set("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'");
      return new Response(renderQrSvg(ticket.url), { headers });
    case "png":
      headers.set("location", showQrCodeUrl(ticket.ticket, options.mpBase));
      return new Response(null, { status: 302, headers });
  }
}
