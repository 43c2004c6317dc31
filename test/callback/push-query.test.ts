import { describe, expect, it } from "vitest";
import { CALLBACK_QUERY_NAMES, readPushQuery } from "../../src/callback/push-query";

/** What URLSearchParams makes of the same URL: the reference readPushQuery must agree with. */
function reference(url: string) {
  const params = new URL(url).searchParams;
  const out: Record<string, string> = {};
  for (const name of CALLBACK_QUERY_NAMES) {
    const value = params.get(name);
    if (value !== null) out[name] = value;
  }
  return out;
}

describe("readPushQuery", () => {
  const base = "https://worker.test/wechat";
  it.each([
    "?signature=6c5c811b55cc85e0e1b54100749188c20beb3f5d&timestamp=1714112445&nonce=415670741&openid=o9AgO5Kd5ggOC-bXrbNODIiE3bGY&encrypt_type=aes&msg_signature=046e02f8204d34f8ba5fa3b1db94908f3df2e9b3",
    "?echostr=abc%2B%2F%3Dxyz+%25E4+%5D%5D%3E+%3Cb%3E&nonce=1",
    "?echostr=%E4%BD%A0%E5%A5%BD",
    "?echostr=%E4&nonce=%zz",
    "?nonce=1&nonce=2",
    "?nonce=&timestamp",
    "?nonce=a=b=c",
    "?&&nonce=1&",
    "?other=1&signature=abc#nonce=2",
    "?sig%6Eature=encoded-name",
    "",
    "?",
  ])("reads %j as URLSearchParams does", (search) => {
    expect(readPushQuery(`${base}${search}`)).toEqual(reference(`${base}${search}`));
  });

  it("ignores names it does not use, including ones that would shadow object properties", () => {
    const query = readPushQuery(`${base}?__proto__=x&constructor=y&toString=z&nonce=n`);
    expect(query).toEqual({ nonce: "n" });
    expect(Object.getPrototypeOf(query)).toBe(Object.prototype);
  });
});
