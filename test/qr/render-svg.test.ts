import jsQR from "jsqr";
import { describe, expect, it } from "vitest";
import { qrMatrix, renderQrSvg } from "../../src/qr/render-svg";

/**
 * Rasterises the SVG the renderer produces (a viewBox in modules, one path of `M x y h w v1 h-w z`
 * runs) into RGBA pixels, so an independent decoder (jsQR) can read it back.
 */
function rasterise(svg: string, pixelsPerModule = 4) {
  const viewBox = /viewBox="0 0 (\d+) (\d+)"/.exec(svg);
  expect(viewBox).not.toBeNull();
  const span = Number(viewBox![1]);
  expect(Number(viewBox![2])).toBe(span);
  const size = span * pixelsPerModule;
  const pixels = new Uint8ClampedArray(size * size * 4).fill(255);
  const path = /<path d="([^"]*)"/.exec(svg)![1]!;
  const runs = [...path.matchAll(/M(\d+) (\d+)h(\d+)v1h-(\d+)z/g)];
  expect(runs.map((run) => run[0]).join("")).toBe(path);
  for (const [, x0, y0, width] of runs) {
    for (let my = Number(y0); my < Number(y0) + 1; my++) {
      for (let mx = Number(x0); mx < Number(x0) + Number(width); mx++) {
        for (let py = 0; py < pixelsPerModule; py++) {
          for (let px = 0; px < pixelsPerModule; px++) {
            const offset = ((my * pixelsPerModule + py) * size + mx * pixelsPerModule + px) * 4;
            pixels.fill(0, offset, offset + 3);
          }
        }
      }
    }
  }
  return { pixels, size, span, runs };
}

describe("renderQrSvg", () => {
  it.each([
    "http://weixin.qq.com/q/02kZgfwMTm72WWPkovabbI",
    "http://weixin.qq.com/q/kZgfwMTm72WWPkovabbI",
    "https://example.com/landing?utm_source=wechat&scene=spring-2026",
    "x",
  ])("decodes back to the text it encodes: %s", (url) => {
    const svg = renderQrSvg(url);
    const { pixels, size } = rasterise(svg);
    const decoded = jsQR(pixels, size, size);
    expect(decoded?.data).toBe(url);
  });

  it("is a standalone SVG with an intrinsic size, white background and a 4-module quiet zone", () => {
    const url = "http://weixin.qq.com/q/02kZgfwMTm72WWPkovabbI";
    const svg = renderQrSvg(url);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" /);
    const modules = qrMatrix(url).length;
    // 45 bytes need version 4 (33 modules) at level M: version 3-M holds only 42.
    expect(modules).toBe(33);
    const { span, runs } = rasterise(svg);
    expect(span).toBe(modules + 8);
    expect(svg).toContain(`width="${span * 8}" height="${span * 8}"`);
    expect(svg).toContain(`<rect width="${span}" height="${span}" fill="#fff"/>`);
    const xs = runs.map(([, x]) => Number(x));
    const ys = runs.map(([, , y]) => Number(y));
    // Finder patterns sit in three corners, so dark modules touch every edge of the quiet zone.
    expect(Math.min(...xs)).toBe(4);
    expect(Math.min(...ys)).toBe(4);
    expect(Math.max(...runs.map(([, x, , w]) => Number(x) + Number(w)))).toBe(span - 4);
    expect(Math.max(...ys)).toBe(span - 4 - 1);
  });

  it("honours moduleSize for the intrinsic size only", () => {
    const svg = renderQrSvg("x", { moduleSize: 3 });
    const { span } = rasterise(svg);
    expect(svg).toContain(`width="${span * 3}" height="${span * 3}"`);
  });
});
