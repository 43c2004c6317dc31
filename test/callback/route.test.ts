import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { signPush, textPushXml, randomMsgId } from "../../dev/fake-wechat/sign-push";
import { MAX_PUSH_BYTES } from "../../src/http/read-body";
import { MessageCrypt } from "../../src/wechat/message-crypt";
import { computeMsgSignature } from "../../src/wechat/signature";
import { renderXml, textOf } from "../../src/wechat/xml";
import { V1, V2 } from "../fixtures/vectors";
import {
  account,
  countingApp,
  openReply,
  ORIGIN,
  post,
  root,
  uniqueNonce,
  verificationQuery,
} from "../fixtures/worker";

const now = () => Math.floor(Date.now() / 1000);
const get = (query: URLSearchParams | string) => exports.default.fetch(`${ORIGIN}/wechat?${query}`);

function text(content: string, from = "oUser1") {
  return textPushXml(content, { from, msgId: randomMsgId() });
}

describe("GET /wechat: server URL verification", () => {
  it.each(["4375120948345356249", "abc+/=xyz %E4 ]]> <b>", "  spaces  "])(
    "a valid signature gets echostr back byte for byte as text/plain (%j)",
    async (echostr) => {
      const res = await get(await verificationQuery(echostr));
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
      expect(await res.text()).toBe(echostr);
    },
  );

  it("a wrong signature gets 401 and never the echostr", async () => {
    const query = await verificationQuery("ECHO_SHOULD_NOT_LEAK");
    query.set("signature", "0".repeat(40));
    const res = await get(query);
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain("ECHO_SHOULD_NOT_LEAK");
    query.set("signature", "not-hex");
    expect((await get(query)).status).toBe(401);
  });

  it.each(["signature", "timestamp", "nonce", "echostr"])("missing %s gets 400", async (name) => {
    const query = await verificationQuery("ECHO_SHOULD_NOT_LEAK");
    query.delete(name);
    const res = await get(query);
    expect(res.status).toBe(400);
    expect(await res.text()).not.toContain("ECHO_SHOULD_NOT_LEAK");
  });

  it("a stale timestamp is refused, and never echoed", async () => {
    const res = await get(await verificationQuery("ECHO_SHOULD_NOT_LEAK", now() - 3600));
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain("ECHO_SHOULD_NOT_LEAK");
  });
});

describe("POST /wechat: the three modes", () => {
  it("parrots a plaintext text push with a plaintext reply", async () => {
    const push = await signPush(account, textPushXml("你好 ]]> <b>&amp;", { from: "oUser1" }));
    const res = await post(push.path, push.body);
    expect(res.status).toBe(200);
    const reply = root(await res.text());
    expect(textOf(reply, "Content")).toBe("你好 ]]> <b>&amp;");
    expect(textOf(reply, "ToUserName")).toBe("oUser1");
    expect(textOf(reply, "FromUserName")).toBe("gh_0123456789ab");
    expect(textOf(reply, "Encrypt")).toBeUndefined();
    expect(Math.abs(Number(textOf(reply, "CreateTime")) - now())).toBeLessThanOrEqual(5);
  });

  it.each(["safe", "compatible"] as const)(
    "answers a %s-mode push encrypted and signed",
    async (mode) => {
      const push = await signPush(account, text(`${mode} hello`), { mode });
      if (mode === "compatible") expect(push.body).toContain("<MsgType>");
      const res = await post(push.path, push.body);
      expect(res.status).toBe(200);
      const body = await res.text();
      const outer = root(body);
      const timeStamp = textOf(outer, "TimeStamp")!;
      expect(timeStamp).toMatch(/^\d{10}$/);
      expect(Math.abs(Number(timeStamp) - now())).toBeLessThanOrEqual(5);
      expect(textOf(outer, "Nonce")).toBe(push.nonce);
      expect(textOf(outer, "MsgSignature")).toBe(
        await computeMsgSignature(account.token, timeStamp, push.nonce, textOf(outer, "Encrypt")!),
      );
      const inner = await openReply(body);
      expect(textOf(inner, "Content")).toBe(`${mode} hello`);
      expect(textOf(inner, "ToUserName")).toBe("oUser1");
    },
  );

  it("does not rely on Content-Type", async () => {
    for (const type of ["application/json", "text/plain", "multipart/form-data", ""]) {
      const push = await signPush(account, text(`typed ${type}`));
      const res = await post(push.path, push.body, type ? { "content-type": type } : {});
      expect(res.status).toBe(200);
      expect(textOf(root(await res.text()), "Content")).toBe(`typed ${type}`);
    }
  });
});

/** Signed requests whose body (or ciphertext) is bad, with the status each must get. */
async function badPushes(): Promise<[string, { path: string; body: string }, number][]> {
  const plain = (body: string) => signPush(account, body);
  const billionLaughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&lol3;</Content></xml>`;
  const xxe = `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&xxe;</Content></xml>`;
  const deep = `<xml>${"<a>".repeat(5000)}${"</a>".repeat(5000)}</xml>`;

  const good = await signPush(account, text("x"));
  const wrongSignature = {
    ...good,
    path: good.path.replace(/signature=[0-9a-f]{40}/, `signature=${"0".repeat(40)}`),
  };
  const stale = await signPush(account, text("x"), { timestamp: now() - 3600 });
  const future = await signPush(account, text("x"), { timestamp: now() + 3600 });

  const safe = await signPush(account, text("x"), { mode: "safe" });
  const wrongMsgSignature = {
    ...safe,
    path: safe.path.replace(/msg_signature=[0-9a-f]{40}/, `msg_signature=${"0".repeat(40)}`),
  };

  // Correctly signed ciphertexts that must not decrypt: garbage, and a message for another appid.
  const signedEncrypt = async (encrypt: string) => {
    const timestamp = String(now());
    const nonce = uniqueNonce();
    const base = await signPush(account, text("x"), { timestamp: Number(timestamp), nonce });
    const query = new URL(`${ORIGIN}${base.path}`).searchParams;
    query.set("encrypt_type", "aes");
    query.set("msg_signature", await computeMsgSignature(account.token, timestamp, nonce, encrypt));
    return {
      path: `/wechat?${query}`,
      body: renderXml({ ToUserName: "gh_0123456789ab", Encrypt: encrypt }),
    };
  };
  const garbage = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(96))));
  const otherAppId = await new MessageCrypt(account.encodingAESKey, "wxffffffffffffffff").encrypt(
    text("x"),
  );
  const notBase64 = "this is not base64!";
  const hostileInner = await new MessageCrypt(account.encodingAESKey, account.appId).encrypt(xxe);

  return [
    ["wrong signature", wrongSignature, 401],
    ["stale timestamp", stale, 401],
    ["timestamp from the future", future, 401],
    ["wrong msg_signature", wrongMsgSignature, 401],
    ["undecryptable ciphertext", await signedEncrypt(garbage), 400],
    ["ciphertext for another appid", await signedEncrypt(otherAppId), 400],
    ["Encrypt that is not base64", await signedEncrypt(notBase64), 400],
    ["external entity inside the ciphertext", await signedEncrypt(hostileInner), 400],
    ["malformed XML", await plain("<xml><ToUserName>a</xml>"), 400],
    ["JSON", await plain('{"ToUserName":"gh","MsgType":"text","Content":"hi"}'), 400],
    ["empty body", await plain(""), 400],
    ["billion laughs", await plain(billionLaughs), 400],
    ["external entity", await plain(xxe), 400],
    ["absurd nesting", await plain(deep), 400],
    ["XML that is not a push", await plain("<xml><Hello>1</Hello></xml>"), 400],
  ];
}

describe("POST /wechat: bad input", () => {
  it("gets 401/400 with a one-line reason, quickly, and no handler runs", async () => {
    const { state, fetch } = countingApp();
    for (const [name, push, status] of await badPushes()) {
      const started = Date.now();
      const res = await fetch(push.path, { method: "POST", body: push.body });
      const body = await res.text();
      expect.soft(res.status, name).toBe(status);
      expect.soft(body, name).not.toMatch(/\n/);
      expect.soft(body.length, name).toBeLessThanOrEqual(200);
      expect.soft(Date.now() - started, name).toBeLessThan(1000);
    }
    expect(state.runs).toBe(0);
  });

  it("invalid UTF-8 in the body gets 400", async () => {
    const push = await signPush(account, text("x"));
    const bytes = new Uint8Array([...new TextEncoder().encode(push.body.slice(0, 40)), 0xff, 0xfe]);
    const { state, fetch } = countingApp();
    const res = await fetch(push.path, { method: "POST", body: bytes });
    expect(res.status).toBe(400);
    expect(state.runs).toBe(0);
  });

  it("a body over the limit gets 413, with or without a Content-Length", async () => {
    const big = text("x".repeat(MAX_PUSH_BYTES));
    const push = await signPush(account, big);
    const { state, fetch } = countingApp();
    const declared = await fetch(push.path, { method: "POST", body: push.body });
    expect(declared.status).toBe(413);

    const bytes = new TextEncoder().encode(push.body);
    const stream = () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 4096) controller.enqueue(bytes.slice(i, i + 4096));
          controller.close();
        },
      });
    const probe = new Request(`${ORIGIN}${push.path}`, { method: "POST", body: stream() });
    expect(probe.headers.get("content-length")).toBeNull();
    const chunked = await fetch(push.path, { method: "POST", body: stream() });
    expect(chunked.status).toBe(413);
    expect(state.runs).toBe(0);
  });

  it("a body just under the limit is accepted", async () => {
    const xml = text("");
    const content = "y".repeat(MAX_PUSH_BYTES - xml.length - 100);
    const push = await signPush(account, text(content, "oUserLarge"));
    const { state, fetch } = countingApp();
    const res = await fetch(push.path, { method: "POST", body: push.body });
    expect(res.status).toBe(200);
    expect(state.runs).toBe(1);
  });

  it("a handler that throws is logged and answered with success", async () => {
    const logged: string[] = [];
    vi.spyOn(console, "error").mockImplementation(
      (line: unknown) => void logged.push(String(line)),
    );
    const { state, fetch } = countingApp("throw");
    const push = await signPush(account, text("boom", "oUserThrow"));
    const res = await fetch(push.path, { method: "POST", body: push.body });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("success");
    expect(state.runs).toBe(1);
    expect(logged.join("\n")).toContain("handler exploded");
  });

  it("never answers bad input with a 5xx (through the deployed Worker)", async () => {
    for (const [name, push, status] of await badPushes()) {
      const res = await post(push.path, push.body);
      expect.soft(res.status, name).toBe(status);
    }
    for (const path of [
      "/wechat",
      "/wechat?signature=&timestamp=&nonce=",
      "/wechat?encrypt_type=aes",
    ]) {
      expect((await post(path, "<xml/>")).status).toBe(400);
      expect((await exports.default.fetch(`${ORIGIN}${path}`)).status).toBe(400);
    }
  });
});

describe("configuration that the callback needs", () => {
  it("an encrypted push without WECHAT_ENCODING_AES_KEY gets 503 naming it, and no handler runs", async () => {
    const { state, fetch } = countingApp();
    const push = await signPush(account, text("x"), { mode: "safe" });
    const res = await fetch(
      push.path,
      { method: "POST", body: push.body },
      { WECHAT_ENCODING_AES_KEY: undefined },
    );
    expect(res.status).toBe(503);
    expect(await res.text()).toContain("WECHAT_ENCODING_AES_KEY");
    expect(state.runs).toBe(0);
  });

  it("plaintext pushes still work without an AES key", async () => {
    const { state, fetch } = countingApp();
    const push = await signPush(account, text("x", "oUserNoKey"));
    const res = await fetch(
      push.path,
      { method: "POST", body: push.body },
      { WECHAT_ENCODING_AES_KEY: undefined, WECHAT_MESSAGE_MODE: undefined },
    );
    expect(res.status).toBe(200);
    expect(state.runs).toBe(1);
  });

  it("the test env is the one the fixtures sign with", () => {
    expect(env.WECHAT_TOKEN).toBe(account.token);
  });
});

describe("the published vectors through the Worker", () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  // Only Date is faked: the Worker's clock reads the vector's own time, timers stay real.
  const at = (timestamp: string) => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Number(timestamp) * 1000);
  };

  it("V1: the official URL verification gets its echostr", async () => {
    at(V1.get_verify.timestamp);
    const { fetch } = countingApp();
    const { timestamp, nonce, echostr, signature } = V1.get_verify;
    const query = new URLSearchParams({ signature, timestamp, nonce, echostr });
    const res = await fetch(
      `/wechat?${query}`,
      {},
      {
        WECHAT_TOKEN: V1.token,
        WECHAT_APPID: V1.appid,
        WECHAT_ENCODING_AES_KEY: V1.encodingAESKey,
      },
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(echostr);
  });

  it("V1: the official JSON-format safe push authenticates, then is refused as not XML", async () => {
    at(V1.safe_post.timestamp);
    const { state, fetch } = countingApp();
    const p = V1.safe_post;
    const query = new URLSearchParams({
      signature: p.signature,
      timestamp: p.timestamp,
      nonce: p.nonce,
      openid: p.openid,
      encrypt_type: "aes",
      msg_signature: p.msg_signature,
    });
    // In an XML envelope, so the refusal is of the decrypted JSON (the JSON envelope is refused too).
    const body = renderXml({ ToUserName: "gh_97417a04a28d", Encrypt: p.encrypt });
    const env = {
      WECHAT_TOKEN: V1.token,
      WECHAT_APPID: V1.appid,
      WECHAT_ENCODING_AES_KEY: V1.encodingAESKey,
    };
    const res = await fetch(`/wechat?${query}`, { method: "POST", body }, env);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/JSON/);
    const json = JSON.stringify({ ToUserName: "gh_97417a04a28d", Encrypt: p.encrypt });
    expect((await fetch(`/wechat?${query}`, { method: "POST", body: json }, env)).status).toBe(400);
    expect(state.runs).toBe(0);
  });

  it("V2: the official safe-mode push is answered encrypted", async () => {
    at(V2.timestamp);
    const { state, fetch } = countingApp();
    const query = new URLSearchParams({
      signature: V2.signature,
      timestamp: V2.timestamp,
      nonce: V2.nonce,
      openid: "oyORnuP8q7ou2gfYjqLzSIWZf0rs",
      encrypt_type: "aes",
      msg_signature: V2.msg_signature,
    });
    const body = renderXml({ ToUserName: "gh_10f6c3c3ac5a", Encrypt: V2.encrypt });
    const env = {
      WECHAT_TOKEN: V2.token,
      WECHAT_APPID: V2.appid,
      WECHAT_ENCODING_AES_KEY: V2.encodingAESKey,
    };
    const res = await fetch(`/wechat?${query}`, { method: "POST", body }, env);
    expect(res.status).toBe(200);
    expect(state.runs).toBe(1);
    const outer = root(await res.text());
    expect(textOf(outer, "TimeStamp")).toBe(V2.timestamp);
    const encrypt = textOf(outer, "Encrypt")!;
    expect(textOf(outer, "MsgSignature")).toBe(
      await computeMsgSignature(V2.token, V2.timestamp, V2.nonce, encrypt),
    );
    const inner = await new MessageCrypt(V2.encodingAESKey, V2.appid).decrypt(encrypt);
    const reply = root(inner.message);
    expect(textOf(reply, "Content")).toBe("counted");
    expect(textOf(reply, "ToUserName")).toBe("oyORnuP8q7ou2gfYjqLzSIWZf0rs");
    expect(textOf(reply, "FromUserName")).toBe("gh_10f6c3c3ac5a");
  });
});
