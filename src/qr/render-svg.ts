/**
 * Renders the text a QR code encodes (the ticket's `url`) as an SVG image, at the edge, so a page
 * needs no second round trip to WeChat's showqrcode.
 *
 * The module matrix comes from lean-qr's nano build (small, no DOM use): mode selection,
 * Reed-Solomon and masking are easy to get subtly wrong and not ours to maintain. The SVG is ours:
 * one path of horizontal runs, a white background and the 4-module quiet zone that ISO/IEC 18004
 * requires, so the code scans on any page colour.
 */
import { correction, generate } from "lean-qr/nano";

interface QrSvgOptions {
  /** Pixels per module for the intrinsic size (width/height attributes); CSS may scale it. */
  moduleSize?: number;
}

const QUIET_ZONE = 4;
const DEFAULT_MODULE_SIZE = 8;

/** The dark/light module matrix of `text`, row by row (true = dark), without quiet zone. */
export function qrMatrix(text: string): boolean[][] {
  // Level M (15 %) survives screens, print and a logo-free page; WeChat's own images use M too.
  const code = generate(text, { minCorrectionLevel: correction.M });
  return Array.from({ length: code.size }, (_, y) =>
    Array.from({ length: code.size }, (_, x) => code.get(x, y)),
  );
}

export function renderQrSvg(text: string, options: QrSvgOptions = {}): string {
  const matrix = qrMatrix(text);
  const span = matrix.length + 2 * QUIET_ZONE;
  const pixels = span * (options.moduleSize ?? DEFAULT_MODULE_SIZE);
  let path = "";
  matrix.forEach((row, y) => {
    for (let x = 0; x < row.length;) {
      if (!row[x]) {
        x++;
        continue;
      }
      const start = x;
      while (row[x]) x++;
      path += `M${start + QUIET_ZONE} ${y + QUIET_ZONE}h${x - start}v1h-${x - start}z`;
    }
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${span} ${span}" width="${pixels}" ` +
    `height="${pixels}" shape-rendering="crispEdges">` +
    `<rect width="${span}" height="${span}" fill="#fff"/><path d="${path}" fill="#000"/></svg>`
  );
}
