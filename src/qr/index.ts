/**
 * The QR feature's public face: `/qr` and `/qr/stats`, the push hook that attributes scans and
 * follows to scenes, and its two Durable Objects (ticket issuer, scan statistics).
 */
export { qrAttributionHook } from "./attribution";
export { qrRoutes } from "./route";
export { QrScanStats } from "./scan-stats";
export { QrTicketIssuer } from "./ticket-issuer";
