// Drives the Worker the way WeChat does: requests signed with WECHAT_TOKEN (vitest.config.ts),
// sent to the default export of src/index.ts running in workerd.
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { computeSignature } from "wechat-edge/core";

let sequence = 0;

/** A signed query; each request gets a fresh nonce, as the Worker refuses a replayed signature. */
async function signedQuery(
  extra: Record<string, string> = {},
  token = env.WECHAT_TOKEN!,
): Promise<string> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = `${Date.now()}${++sequence}`;
  const signature = await computeSignature(token, timestamp, nonce);
  return new URLSearchParams({ signature, timestamp, nonce, ...extra }).toString();
}

/** A plaintext (明文模式) text push from a follower, as WeChat POSTs it. */
async function pushText(content: string): Promise<Response> {
  const body = `<xml><ToUserName><![CDATA[gh_starter]]></ToUserName>
<FromUserName><![CDATA[oFollower]]></FromUserName>
<CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType>
<Content><![CDATA[${content}]]></Content><MsgId>${Date.now()}${++sequence}</MsgId></xml>`;
  return exports.default.fetch(`https://bot.test/wechat?${await signedQuery()}`, {
    method: "POST",
    headers: { "content-type": "text/xml" },
    body,
  });
}

describe("the bot", () => {
  it("answers WeChat's URL verification with the echostr", async () => {
    const res = await exports.default.fetch(
      `https://bot.test/wechat?${await signedQuery({ echostr: "hello-wechat" })}`,
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("hello-wechat");
  });

  it("says a text back to its sender", async () => {
    const res = await pushText("你好, parrot");
    expect(res.status).toBe(200);
    const xml = await res.text();
    expect(xml).toContain("<ToUserName><![CDATA[oFollower]]></ToUserName>");
    expect(xml).toContain("<FromUserName><![CDATA[gh_starter]]></FromUserName>");
    expect(xml).toContain("<MsgType><![CDATA[text]]></MsgType>");
    expect(xml).toContain("<Content><![CDATA[你好, parrot]]></Content>");
  });

  it("answers /roll with a die", async () => {
    const xml = await (await pushText("/roll")).text();
    expect(xml).toMatch(/<Content><!\[CDATA\[🎲 [1-6]\]\]><\/Content>/);
  });

  it("refuses a push signed with another token", async () => {
    const query = await signedQuery({}, "notthetoken1");
    const res = await exports.default.fetch(`https://bot.test/wechat?${query}`, {
      method: "POST",
      body: "<xml></xml>",
    });
    expect(res.status).toBe(401);
  });
});
