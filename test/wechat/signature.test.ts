import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  computeMsgSignature,
  computeSignature,
  portableTimingSafeEqual,
  sha1Hex,
  signParts,
  timingSafeEqualBytes,
  timingSafeEqualText,
  verifySignedParts,
} from "../../src/wechat/signature";
import { SHA1_ABC, V1, V2, V4, V5, V6, V7 } from "../fixtures/vectors";

describe("sha1Hex", () => {
  it("matches the FIPS 180 test vector", async () => {
    expect(await sha1Hex("abc")).toBe(SHA1_ABC);
  });
});

describe("signature (URL verification and every push)", () => {
  it("V1 get_verify", async () => {
    const { timestamp, nonce, signature } = V1.get_verify;
    expect(await computeSignature(V1.token, timestamp, nonce)).toBe(signature);
  });

  it("V1 plain_post", async () => {
    const { timestamp, nonce, signature } = V1.plain_post;
    expect(await computeSignature(V1.token, timestamp, nonce)).toBe(signature);
  });

  it("V1 safe_post carries a valid plain signature too", async () => {
    const { timestamp, nonce, signature } = V1.safe_post;
    expect(await computeSignature(V1.token, timestamp, nonce)).toBe(signature);
  });

  it("V2 and V5", async () => {
    expect(await computeSignature(V2.token, V2.timestamp, V2.nonce)).toBe(V2.signature);
    expect(await computeSignature(V5.token, V5.timestamp, V5.nonce)).toBe(V5.signature);
  });

  it("sorts in code-unit order, not numerically", async () => {
    // "10" < "9" as strings; a numeric sort would give another digest.
    expect(await signParts(["9", "10", "a"])).toBe(await sha1Hex("109a"));
  });
});

describe("msg_signature", () => {
  it("V1 safe_post and reply", async () => {
    const p = V1.safe_post;
    expect(await computeMsgSignature(V1.token, p.timestamp, p.nonce, p.encrypt)).toBe(
      p.msg_signature,
    );
    const r = V1.reply;
    expect(await computeMsgSignature(V1.token, r.timestamp, r.nonce, r.encrypt)).toBe(
      r.msg_signature,
    );
  });

  it("V2, V4, V5, V6", async () => {
    expect(await computeMsgSignature(V2.token, V2.timestamp, V2.nonce, V2.encrypt)).toBe(
      V2.msg_signature,
    );
    expect(await computeMsgSignature(V4.token, V4.timestamp, V4.nonce, V4.encrypt)).toBe(
      V4.msg_signature,
    );
    expect(await computeMsgSignature(V5.token, V5.timestamp, V5.nonce, V5.encrypt)).toBe(
      V5.msg_signature,
    );
    for (const v of [V6.echostr, V6.decrypt, V6.encrypt]) {
      expect(await computeMsgSignature(V6.token, v.timestamp, v.nonce, v.encrypt)).toBe(
        v.msg_signature,
      );
    }
  });
});

describe("JS-SDK signature primitive (V7)", () => {
  // The JS-SDK signs key=value pairs sorted by key and joined with "&"; the sha1 is the same primitive.
  it.each(V7.cases)("signs $url", async ({ url, signature }) => {
    const pairs = [
      `jsapi_ticket=${V7.jsapi_ticket}`,
      `noncestr=${V7.noncestr}`,
      `timestamp=${V7.timestamp}`,
      `url=${url}`,
    ].sort();
    expect(await sha1Hex(pairs.join("&"))).toBe(signature);
  });
});

describe("verifySignedParts", () => {
  const parts = [V1.token, V1.plain_post.timestamp, V1.plain_post.nonce];

  it("accepts the right signature, in either case", async () => {
    expect(await verifySignedParts(parts, V1.plain_post.signature)).toBe(true);
    expect(await verifySignedParts(parts, V1.plain_post.signature.toUpperCase())).toBe(true);
  });

  it("refuses a changed digit, a short or empty claim, and another timestamp", async () => {
    const good = V1.plain_post.signature;
    const flipped = (good[0] === "0" ? "1" : "0") + good.slice(1);
    expect(await verifySignedParts(parts, flipped)).toBe(false);
    expect(await verifySignedParts(parts, good.slice(0, 39))).toBe(false);
    expect(await verifySignedParts(parts, "")).toBe(false);
    expect(await verifySignedParts(parts, `${good.slice(0, 38)}zz`)).toBe(false);
    expect(await verifySignedParts(parts, `${good}00`)).toBe(false);
    expect(await verifySignedParts(parts, good.toUpperCase())).toBe(true);
    expect(await verifySignedParts([V1.token, "1714037060", V1.plain_post.nonce], good)).toBe(
      false,
    );
  });
});

// This file runs in workerd (project "workers") and on Node (project "core-node").
const inWorkerd = navigator.userAgent === "Cloudflare-Workers";

describe("timing-safe comparison", () => {
  afterEach(() => vi.restoreAllMocks());

  it.runIf(inWorkerd)(
    "workerd provides crypto.subtle.timingSafeEqual, and verification uses it",
    async () => {
      const subtle = crypto.subtle as SubtleCrypto & {
        timingSafeEqual: (a: ArrayBufferView, b: ArrayBufferView) => boolean;
      };
      expect(typeof subtle.timingSafeEqual).toBe("function");
      const spy = vi.spyOn(subtle, "timingSafeEqual");
      const { timestamp, nonce, signature } = V1.plain_post;
      expect(await verifySignedParts([V1.token, timestamp, nonce], signature)).toBe(true);
      expect(spy).toHaveBeenCalledTimes(1);
    },
  );

  it.skipIf(inWorkerd)("elsewhere there is none, and the XOR fold is what runs", () => {
    const subtle = crypto.subtle as SubtleCrypto & { timingSafeEqual?: unknown };
    expect(subtle.timingSafeEqual).toBeUndefined();
  });

  it("compares exactly", () => {
    expect(timingSafeEqualText("abc", "abc")).toBe(true);
    expect(timingSafeEqualText("abc", "abd")).toBe(false);
    expect(timingSafeEqualText("abc", "abcd")).toBe(false);
  });

  it("the XOR fold agrees with the runtime's compare on equal and unequal bytes", () => {
    const pairs = fc.uint8Array({ minLength: 0, maxLength: 64 }).chain((left) =>
      fc.tuple(
        fc.constant(left),
        fc.oneof(
          fc.constant(Uint8Array.from(left)),
          fc.uint8Array({ minLength: left.length, maxLength: left.length }),
          fc.nat({ max: Math.max(0, left.length - 1) }).map((at) => {
            const right = Uint8Array.from(left);
            if (right.length > 0) right[at]! ^= 1;
            return right;
          }),
        ),
      ),
    );
    fc.assert(
      fc.property(pairs, ([left, right]) => {
        const expected = left.every((byte, i) => byte === right[i]);
        expect(timingSafeEqualBytes(left, right)).toBe(expected);
        expect(portableTimingSafeEqual(left, right)).toBe(expected);
      }),
    );
  });
});
