/**
 * Reads a request body with a size cap, without trusting Content-Length or Content-Type.
 * WeChat's pushes are a few KB (compatible mode about three times that).
 *
 * The body must be UTF-8, checked by a strict decoder over the bytes as they arrived: text()
 * replaces what is not UTF-8 with U+FFFD, and the replaced text cannot tell a truncated sequence
 * from a U+FFFD that was sent. A leading BOM is dropped, as text() drops it.
 */
import { fromUtf8 } from "../wechat/encoding";

export const MAX_PUSH_BYTES = 64 * 1024;

type BodyResult = { ok: true; text: string } | { ok: false; status: 400 | 413; reason: string };

export async function readBoundedText(
  request: Request,
  limit = MAX_PUSH_BYTES,
): Promise<BodyResult> {
  const length = request.headers.get("content-length");
  const declared = length === null ? NaN : Number(length);
  if (Number.isFinite(declared) && declared > limit) return tooLarge(limit);
  if (!request.body) return { ok: true, text: "" };
  // With a declared length within the cap the runtime already bounds the body (workerd refuses a
  // body that overruns its Content-Length), and one native read costs less than a chunk loop.
  if (Number.isFinite(declared)) {
    const bytes = new Uint8Array(await request.arrayBuffer());
    return bytes.byteLength > limit ? tooLarge(limit) : decodeUtf8(bytes);
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return tooLarge(limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return decodeUtf8(bytes);
}

function tooLarge(limit: number): BodyResult {
  return { ok: false, status: 413, reason: `body exceeds ${limit} bytes` };
}

function decodeUtf8(bytes: Uint8Array): BodyResult {
  try {
    return { ok: true, text: fromUtf8(bytes) };
  } catch {
    return { ok: false, status: 400, reason: "body is not valid UTF-8" };
  }
}
