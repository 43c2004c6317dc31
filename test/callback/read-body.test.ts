import { describe, expect, it } from "vitest";
import { MAX_PUSH_BYTES, readBoundedText } from "../../src/callback/read-body";

function streamOf(bytes: Uint8Array, chunk = 1000) {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(pulled, pulled + chunk));
      pulled += chunk;
    },
  });
  return { stream, pulled: () => pulled };
}

const request = (body: BodyInit | null, headers: HeadersInit = {}) =>
  new Request("https://worker.test/wechat", { method: "POST", body, headers });

describe("readBoundedText", () => {
  it("reads a body within the limit, UTF-8 and BOM included", async () => {
    expect(await readBoundedText(request("\uFEFF<xml>你好😀</xml>"))).toEqual({
      ok: true,
      text: "<xml>你好😀</xml>",
    });
    expect(await readBoundedText(request(null))).toEqual({ ok: true, text: "" });
  });

  it("accepts exactly the limit and refuses one byte more", async () => {
    expect((await readBoundedText(request("x".repeat(100)), 100)).ok).toBe(true);
    expect(await readBoundedText(request("x".repeat(101)), 100)).toMatchObject({
      ok: false,
      status: 413,
    });
  });

  it("refuses a declared Content-Length over the limit without reading the body", async () => {
    const { stream, pulled } = streamOf(new Uint8Array(MAX_PUSH_BYTES * 4));
    const result = await readBoundedText(
      request(stream, { "content-length": String(MAX_PUSH_BYTES * 4) }),
    );
    expect(result).toMatchObject({ ok: false, status: 413 });
    expect(pulled()).toBeLessThanOrEqual(1000);
  });

  it("stops reading an undeclared stream as soon as it passes the limit", async () => {
    const { stream, pulled } = streamOf(new Uint8Array(MAX_PUSH_BYTES * 16).fill(0x78));
    const result = await readBoundedText(request(stream));
    expect(result).toMatchObject({ ok: false, status: 413 });
    expect(pulled()).toBeLessThan(MAX_PUSH_BYTES + 10_000);
  });

  it("refuses invalid UTF-8 with 400, with or without a declared length", async () => {
    const invalid = [
      [0x3c, 0x78, 0xff, 0x3e],
      [0xef, 0xbb, 0xbf, 0x3c, 0xc3],
      [0x3c, 0xed, 0xa0, 0x80, 0x3e],
      [0x3c, 0xe4, 0xbd, 0x3e],
    ];
    for (const bytes of invalid) {
      const body = new Uint8Array(bytes);
      const declared: HeadersInit[] = [{}, { "content-length": String(body.length) }];
      for (const headers of declared) {
        expect(await readBoundedText(request(body, headers))).toMatchObject({
          ok: false,
          status: 400,
          reason: "body is not valid UTF-8",
        });
      }
    }
  });

  it("keeps a U+FFFD that was sent, BOM or not, with a declared length", async () => {
    for (const text of ["<xml>\uFFFD</xml>", "\uFEFF<xml>a\uFFFD\uFFFDb</xml>"]) {
      const body = new TextEncoder().encode(text);
      expect(
        await readBoundedText(request(body, { "content-length": String(body.length) })),
      ).toEqual({ ok: true, text: text.replace(/^\uFEFF/, "") });
    }
  });
});
