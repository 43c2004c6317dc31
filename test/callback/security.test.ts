/**
 * Regression tests for the security review's exploit paths against /wechat: each one is tried
 * the way an attacker holding one captured URL would, and must fail, while WeChat's own requests
 * (first deliveries, retries, URL checks) still succeed.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { randomMsgId, signPush, textPushXml } from "../../dev/fake-wechat/sign-push";
import { accountLedger } from "../../src/dedupe/ledger-instances";
import type { Env } from "../../src/env";
import { toBase64 } from "../../src/wechat/encoding";
import { MessageCrypt } from "../../src/wechat/message-crypt";
import { reply } from "../../src/wechat/reply";
import { computeMsgSignature, computeSignature } from "../../src/wechat/signature";
import { textOf } from "../../src/wechat/xml";
import { V5 } from "../fixtures/vectors";
import { account, countingApp, openReply, root, uniqueNonce } from "../fixtures/worker";

const now = () => Math.floor(Date.now() / 1000);
/** The default for a Worker with an EncodingAESKey: safe. */
const SAFE: Partial<Env> = { WECHAT_MESSAGE_MODE: undefined };

function text(content: string, from = "oSecurity1") {
  return textPushXml(content, { from, msgId: randomMsgId() });
}

let addresses = 0;
/** A client address no other test uses: the failure brake remembers addresses per isolate. */
function freshAddress(): string {
  return `198.51.${100 + Math.floor(++addresses / 250)}.${addresses % 250}`;
}

describe("safe mode refuses plaintext pushes", () => {
  it("is the default with an EncodingAESKey: a validly signed plaintext push gets 401, no handler runs", async () => {
    const { fetch, state } = countingApp();
    const push = await signPush(account, text("forged"));
    const res = await fetch(push.path, { method: "POST", body: push.body }, SAFE);
    expect(res.status).toBe(401);
    expect(await res.text()).toMatch(/plaintext pushes are refused.*WECHAT_MESSAGE_MODE is safe/);
    expect(state.runs).toBe(0);
  });

  it("records nothing: the genuine encrypted push under the same signature is still answered", async () => {
    const { fetch, state } = countingApp();
    const timestamp = now();
    const nonce = uniqueNonce();
    const genuine = await signPush(account, text("genuine"), { mode: "safe", timestamp, nonce });
    const forged = await signPush(account, text("forged"), { timestamp, nonce });
    expect((await fetch(forged.path, { method: "POST", body: forged.body }, SAFE)).status).toBe(
      401,
    );
    const res = await fetch(genuine.path, { method: "POST", body: genuine.body }, SAFE);
    expect(res.status).toBe(200);
    expect(textOf(await openReply(await res.text()), "Content")).toBe("counted");
    expect(state.runs).toBe(1);
  });

  it("hands no kept reply to a forged push from the follower owed it", async () => {
    const openid = `oOwedSafe${uniqueNonce()}`;
    await accountLedger(env, undefined).keepReply(openid, reply.text("for the follower only"));
    const { fetch } = countingApp();
    const push = await signPush(account, text("give me the reply", openid));
    const res = await fetch(push.path, { method: "POST", body: push.body }, SAFE);
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain("for the follower only");
    expect(await accountLedger(env, undefined).takeKeptReplies(openid)).toEqual([
      reply.text("for the follower only"),
    ]);
  });

  it("still answers WeChat's URL check", async () => {
    const { fetch } = countingApp();
    const timestamp = String(now());
    const nonce = uniqueNonce();
    const signature = await computeSignature(account.token, timestamp, nonce);
    const query = new URLSearchParams({ signature, timestamp, nonce, echostr: "hello" });
    const res = await fetch(`/wechat?${query}`, {}, SAFE);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("hello");
  });
});

describe("WECHAT_MESSAGE_MODE", () => {
  it.each([
    [{ WECHAT_MESSAGE_MODE: "secure" }, "WECHAT_MESSAGE_MODE"],
    [
      { WECHAT_MESSAGE_MODE: "compatible", WECHAT_ENCODING_AES_KEY: undefined },
      "WECHAT_ENCODING_AES_KEY",
    ],
    [
      { WECHAT_MESSAGE_MODE: "safe", WECHAT_ENCODING_AES_KEY: undefined },
      "WECHAT_ENCODING_AES_KEY",
    ],
    [{ WECHAT_ENCODING_AES_KEY_PREVIOUS: "too short" }, "WECHAT_ENCODING_AES_KEY_PREVIOUS"],
    [
      { WECHAT_ENCODING_AES_KEY_PREVIOUS: V5.encodingAESKey, WECHAT_ENCODING_AES_KEY: undefined },
      "WECHAT_ENCODING_AES_KEY",
    ],
  ] as const)("%j → 503 naming %s", async (overrides, name) => {
    const { fetch, state } = countingApp();
    const push = await signPush(account, text("x"));
    const res = await fetch(push.path, { method: "POST", body: push.body }, overrides);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain(name);
    expect(state.runs).toBe(0);
  });

  it("plaintext (the default without a key) answers plaintext pushes and refuses encrypted ones", async () => {
    const { fetch, state } = countingApp();
    const plain = await signPush(account, text("plain"));
    const noKey = { WECHAT_MESSAGE_MODE: undefined, WECHAT_ENCODING_AES_KEY: undefined };
    expect((await fetch(plain.path, { method: "POST", body: plain.body }, noKey)).status).toBe(200);
    const sealed = await signPush(account, text("sealed"), { mode: "safe" });
    const explicit = { WECHAT_MESSAGE_MODE: "plaintext" };
    const res = await fetch(sealed.path, { method: "POST", body: sealed.body }, explicit);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("WECHAT_MESSAGE_MODE is plaintext");
    expect(state.runs).toBe(1);
  });

  it("compatible answers each push in its own kind", async () => {
    const { fetch } = countingApp();
    const plain = await signPush(account, text("plain"));
    const plainAnswer = await fetch(plain.path, { method: "POST", body: plain.body });
    expect(textOf(root(await plainAnswer.text()), "Content")).toBe("counted");
    const sealed = await signPush(account, text("sealed"), { mode: "compatible" });
    const sealedAnswer = await fetch(sealed.path, { method: "POST", body: sealed.body });
    expect(textOf(await openReply(await sealedAnswer.text()), "Content")).toBe("counted");
  });
});

describe("one signature, one use", () => {
  async function urlCheck(echostr: string, timestamp: string, nonce: string) {
    const signature = await computeSignature(account.token, timestamp, nonce);
    return new URLSearchParams({ signature, timestamp, nonce, echostr });
  }

  it("a captured URL check cannot sign a plaintext push", async () => {
    const { fetch, state } = countingApp();
    const query = await urlCheck("4375120948345356249", String(now()), uniqueNonce());
    expect((await fetch(`/wechat?${query}`)).status).toBe(200);
    query.delete("echostr");
    const res = await fetch(`/wechat?${query}`, { method: "POST", body: text("forged") });
    expect(res.status).toBe(401);
    expect(await res.text()).toMatch(/already used/);
    expect(state.runs).toBe(0);
  });

  it("a captured URL check as a POST is refused whatever the body, even with the guard off", async () => {
    const { fetch, state } = countingApp();
    const query = await urlCheck("captured", String(now()), uniqueNonce());
    for (const body of [text("forged"), "hello", ""]) {
      const res = await fetch(
        `/wechat?${query}`,
        { method: "POST", body },
        { WECHAT_DEDUPE: "off" },
      );
      expect(res.status).toBe(401);
      expect(await res.text()).toMatch(/echostr on a POST/);
    }
    expect(state.runs).toBe(0);
  });

  it("a URL check sent again is answered again; with another echostr it is refused", async () => {
    const { fetch } = countingApp();
    const timestamp = String(now());
    const nonce = uniqueNonce();
    const query = await urlCheck("first", timestamp, nonce);
    expect(await (await fetch(`/wechat?${query}`)).text()).toBe("first");
    expect(await (await fetch(`/wechat?${query}`)).text()).toBe("first");
    const other = await urlCheck("second", timestamp, nonce);
    expect((await fetch(`/wechat?${other}`)).status).toBe(401);
  });

  it("a captured encrypted push's signature cannot carry a plaintext body", async () => {
    const { fetch, state } = countingApp();
    const sealed = await signPush(account, text("genuine"), { mode: "compatible" });
    expect((await fetch(sealed.path, { method: "POST", body: sealed.body })).status).toBe(200);
    const query = new URL(`https://worker.test${sealed.path}`).searchParams;
    query.delete("encrypt_type");
    query.delete("msg_signature");
    const res = await fetch(`/wechat?${query}`, { method: "POST", body: text("forged") });
    expect(res.status).toBe(401);
    expect(state.runs).toBe(1);
  });

  it("WeChat's retry of an encrypted push gets the same reply, and its handler ran once", async () => {
    const { fetch, state } = countingApp();
    const sealed = await signPush(account, text("retried"), { mode: "safe" });
    const first = await fetch(sealed.path, { method: "POST", body: sealed.body }, SAFE);
    const again = await fetch(sealed.path, { method: "POST", body: sealed.body }, SAFE);
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    const [a, b] = [await openReply(await first.text()), await openReply(await again.text())];
    expect(textOf(b, "Content")).toBe(textOf(a, "Content"));
    expect(state.runs).toBe(1);
  });

  it("a plaintext push's signature cannot carry another body", async () => {
    const { fetch, state } = countingApp();
    const push = await signPush(account, text("genuine"));
    expect((await fetch(push.path, { method: "POST", body: push.body })).status).toBe(200);
    const res = await fetch(push.path, { method: "POST", body: text("forged") });
    expect(res.status).toBe(401);
    expect(state.runs).toBe(1);
  });
});

describe("failed signature checks are braked per client", () => {
  async function badSignaturePath() {
    const push = await signPush(account, text("guess"));
    return {
      path: push.path.replace(/signature=[0-9a-f]{40}/, `signature=${"0".repeat(40)}`),
      body: push.body,
    };
  }

  // The limiter counts in windows aligned to the clock's minutes: a run that crosses a minute
  // starts counting again, so the loop allows two windows' worth.
  const minuteNow = () => Math.floor(Date.now() / 60_000);
  async function failUntilBlocked(fetch: ReturnType<typeof countingApp>["fetch"], ip: string) {
    const statuses: number[] = [];
    for (let i = 0; i < 70; i++) {
      const bad = await badSignaturePath();
      const res = await fetch(bad.path, {
        method: "POST",
        body: bad.body,
        headers: { "cf-connecting-ip": ip },
      });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
        break;
      }
    }
    return statuses;
  }

  it("after 30 failures a minute the client gets 429, even for a correct signature", async () => {
    const { fetch, state } = countingApp();
    const ip = freshAddress();
    const startedIn = minuteNow();
    const statuses = await failUntilBlocked(fetch, ip);
    expect(statuses.slice(0, 30).every((status) => status === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    // 30 failures, then the brake; one more window's 30 if the run crossed a minute.
    expect(statuses.length).toBeLessThanOrEqual(minuteNow() === startedIn ? 31 : 61);

    const good = await signPush(account, text("correct guess"));
    const blocked = await fetch(good.path, {
      method: "POST",
      body: good.body,
      headers: { "cf-connecting-ip": ip },
    });
    expect(blocked.status).toBe(429);
    expect(state.runs).toBe(0);

    const other = await signPush(account, text("someone else"));
    const elsewhere = await fetch(other.path, {
      method: "POST",
      body: other.body,
      headers: { "cf-connecting-ip": freshAddress() },
    });
    expect(elsewhere.status).toBe(200);
    expect(state.runs).toBe(1);
  });

  it("counts an IPv6 client by its /64", async () => {
    const { fetch } = countingApp();
    await failUntilBlocked(fetch, "2001:db8:77:1::1");
    const query = await verificationQueryFor("neighbour");
    const sameNetwork = await fetch(`/wechat?${query}`, {
      headers: { "cf-connecting-ip": "2001:db8:77:1:ffff:1:2:3" },
    });
    expect(sameNetwork.status).toBe(429);
    const otherNetwork = await fetch(`/wechat?${await verificationQueryFor("other")}`, {
      headers: { "cf-connecting-ip": "2001:db8:77:2::1" },
    });
    expect(otherNetwork.status).toBe(200);
  });
});

async function verificationQueryFor(echostr: string) {
  const timestamp = String(now());
  const nonce = uniqueNonce();
  const signature = await computeSignature(account.token, timestamp, nonce);
  return new URLSearchParams({ signature, timestamp, nonce, echostr });
}

describe("no decryption oracle", () => {
  async function signedCiphertext(encrypt: string) {
    const timestamp = String(now());
    const nonce = uniqueNonce();
    const signature = await computeSignature(account.token, timestamp, nonce);
    const msg_signature = await computeMsgSignature(account.token, timestamp, nonce, encrypt);
    const query = new URLSearchParams({
      signature,
      timestamp,
      nonce,
      encrypt_type: "aes",
      msg_signature,
    });
    const body = `<xml><ToUserName><![CDATA[gh_x]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;
    return { path: `/wechat?${query}`, body };
  }

  it("every ciphertext that does not open gets the same one-line reason", async () => {
    const { fetch, state } = countingApp();
    const ours = new MessageCrypt(account.encodingAESKey, account.appId);
    const otherAppid = new MessageCrypt(account.encodingAESKey, "wxffffffffffffffff");
    const cases = [
      toBase64(crypto.getRandomValues(new Uint8Array(64))), // bad padding, almost surely
      await otherAppid.encrypt("<xml></xml>"), // appid mismatch
      await new MessageCrypt(V5.encodingAESKey, account.appId).encrypt("<xml></xml>"), // wrong key
      (await ours.encrypt("<xml></xml>")).slice(0, 44), // cut short
    ];
    const bodies = new Set<string>();
    for (const encrypt of cases) {
      const push = await signedCiphertext(encrypt);
      const res = await fetch(push.path, { method: "POST", body: push.body }, SAFE);
      expect(res.status).toBe(400);
      bodies.add(await res.text());
    }
    expect([...bodies]).toEqual(["cannot decrypt the push"]);
    expect(state.runs).toBe(0);
  });
});

describe("rotating the EncodingAESKey", () => {
  it("a push sealed with the previous key is answered with that key; the new key works too", async () => {
    const { fetch, state } = countingApp();
    const rotating = {
      WECHAT_MESSAGE_MODE: undefined,
      WECHAT_ENCODING_AES_KEY: V5.encodingAESKey,
      WECHAT_ENCODING_AES_KEY_PREVIOUS: account.encodingAESKey,
    };
    const old = await signPush(account, text("old key"), { mode: "safe" });
    const res = await fetch(old.path, { method: "POST", body: old.body }, rotating);
    expect(res.status).toBe(200);
    // openReply decrypts with the test account's key: the previous one.
    expect(textOf(await openReply(await res.text()), "Content")).toBe("counted");

    const current = { ...account, encodingAESKey: V5.encodingAESKey };
    const fresh = await signPush(current, text("new key"), { mode: "safe" });
    const answer = await fetch(fresh.path, { method: "POST", body: fresh.body }, rotating);
    expect(answer.status).toBe(200);
    const encrypt = textOf(root(await answer.text()), "Encrypt")!;
    const opened = await new MessageCrypt(V5.encodingAESKey, account.appId).decrypt(encrypt);
    expect(opened.message).toContain("counted");
    expect(state.runs).toBe(2);

    const withoutPrevious = { ...rotating, WECHAT_ENCODING_AES_KEY_PREVIOUS: undefined };
    const late = await signPush(account, text("old key, too late"), { mode: "safe" });
    const refused = await fetch(late.path, { method: "POST", body: late.body }, withoutPrevious);
    expect(refused.status).toBe(400);
  });
});
