import { describe, expect, it } from "vitest";
import { MAX_PUSH_BYTES, readBoundedText } from "../../src/http/read-body";

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

  it("refuses a body larger than its declared length says, once read", async () => {
    const body = new Uint8Array(101).fill(0x78);
    expect(await readBoundedText(request(body, { "content-length": "100" }), 100)).toMatchObject({
      ok: false,
      status: 413,
    });
  });

  // Each is refused alone and between ASCII, through every path: a Uint8Array with and without a
  // Content-Length, and a stream without one that splits it byte by byte.
  it.each<[string, number[]]>([
    ["a truncated 4-byte sequence, one U+FFFD long in text()", [0xf0, 0x90, 0x80]],
    ["a truncated 3-byte sequence", [0xe4, 0xbd]],
    ["a truncated 2-byte sequence", [0xc3]],
    ["a lone continuation byte", [0x80]],
    ["a continuation byte after a complete character", [0xc3, 0xa9, 0xbf]],
    ["an overlong 2-byte form of /", [0xc0, 0xaf]],
    ["an overlong 3-byte form of /", [0xe0, 0x80, 0xaf]],
    ["an overlong 4-byte form of /", [0xf0, 0x80, 0x80, 0xaf]],
    ["a high surrogate encoded in UTF-8", [0xed, 0xa0, 0x80]],
    ["a low surrogate encoded in UTF-8", [0xed, 0xbf, 0xbf]],
    ["an encoded surrogate pair (CESU-8)", [0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]],
    ["a code point above U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
    ...[0xf5, 0xf8, 0xfc, 0xfe, 0xff].map((byte): [string, number[]] => [
      `the byte ${byte.toString(16).toUpperCase()}, never in UTF-8`,
      [byte],
    ]),
  ])("refuses %s with 400", async (_name, invalid) => {
    const ascii = [0x3c, 0x78, 0x3e];
    for (const bytes of [invalid, [...ascii, ...invalid], [...ascii, ...invalid, ...ascii]]) {
      const body = new Uint8Array(bytes);
      const requests = [
        request(body),
        request(body, { "content-length": String(body.length) }),
        request(streamOf(body, 1).stream),
      ];
      expect(requests[0]!.headers.get("content-length")).toBeNull();
      for (const req of requests) {
        expect(await readBoundedText(req)).toEqual({
          ok: false,
          status: 400,
          reason: "body is not valid UTF-8",
        });
      }
    }
  });

  it("reads the same valid UTF-8 through every path, even when chunks split characters", async () => {
    const text = "<xml>é你好😀\uFFFD</xml>";
    const body = new TextEncoder().encode(`\uFEFF${text}`);
    const requests = [
      request(body),
      request(body, { "content-length": String(body.length) }),
      request(streamOf(body, 1).stream),
      request(streamOf(body, 5).stream),
    ];
    for (const req of requests) expect(await readBoundedText(req)).toEqual({ ok: true, text });
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
