/**
 * Several accounts side by side at /wechat/<appid>: each answers only with its own token, key
 * and mode, has its own replay guard and push ledger partition, and its handlers see it in
 * ctx.account. The single account keeps answering at /wechat.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { randomMsgId, textPushXml } from "../../dev/fake-wechat/sign-push";
import { createApp } from "../../src/app";
import { createWorker } from "../../src/worker";
import type { BotContext } from "../../src/bot/context";
import { WeChatRouter } from "../../src/wechat/router";
import { computeSignature } from "../../src/wechat/signature";
import { renderXml, textOf } from "../../src/wechat/xml";
import { COMPATIBLE, PLAIN, SAFE } from "./accounts";
import {
  accountsWorker,
  freshAddress,
  openReplyAs,
  pushFor,
  root,
  SINGLE,
  uniqueNonce,
} from "./drive";

const text = (content: string, from = "oFollowerOfSeveralAccounts0") =>
  textPushXml(content, { from, msgId: randomMsgId() });

describe("each account answers with its own settings", () => {
  it("a plaintext account answers a plaintext push signed with its token, in plain XML", async () => {
    const { runs, fetch } = accountsWorker();
    const push = await pushFor(PLAIN, text("hello plain"), `/wechat/${PLAIN.appid}`);
    const response = await fetch(push.path, push.init);
    expect(response.status).toBe(200);
    const reply = root(await response.text());
    expect(textOf(reply, "Content")).toBe(`appid=${PLAIN.appid}`);
    expect(runs).toEqual([{ appid: PLAIN.appid, appId: PLAIN.appid, content: "hello plain" }]);
  });

  it.each([
    ["safe", SAFE],
    ["compatible", COMPATIBLE],
  ] as const)(
    "a %s account opens a push encrypted with its key and seals the reply with its key and token",
    async (_, account) => {
      const { runs, fetch } = accountsWorker();
      const push = await pushFor(account, text("hello"), `/wechat/${account.appid}`, {
        mode: "safe",
      });
      const response = await fetch(push.path, push.init);
      expect(response.status).toBe(200);
      const body = await response.text();
      const reply = await openReplyAs(account, body);
      expect(textOf(reply, "Content")).toBe(`appid=${account.appid}`);
      // Neither another account's key nor the single account's opens it.
      const other = account === SAFE ? COMPATIBLE : SAFE;
      await expect(openReplyAs(other, body)).rejects.toThrow();
      await expect(openReplyAs(SINGLE, body)).rejects.toThrow();
      expect(runs.map((run) => run.appid)).toEqual([account.appid]);
    },
  );

  it("a plaintext account and a safe one side by side: each refuses the other's kind of push", async () => {
    const { runs, fetch } = accountsWorker();
    // The safe account refuses plaintext pushes, even signed with its own token.
    const plainToSafe = await pushFor(SAFE, text("plain"), `/wechat/${SAFE.appid}`);
    const plainRefused = await fetch(plainToSafe.path, plainToSafe.init);
    expect(plainRefused.status).toBe(401);
    expect(await plainRefused.text()).toBe(
      "plaintext pushes are refused: this account's mode is safe",
    );
    // The plaintext account has no key: an encrypted push cannot be opened there.
    const encrypted = await pushFor(
      { ...PLAIN, encodingAESKey: SAFE.encodingAESKey },
      text("sealed"),
      `/wechat/${PLAIN.appid}`,
      { mode: "safe" },
    );
    const refused = await fetch(encrypted.path, encrypted.init);
    expect(refused.status).toBe(503);
    expect(await refused.text()).toBe("this account has no encodingAESKey");
    expect(runs).toEqual([]);
  });

  it("the single account still answers at /wechat, with its own key", async () => {
    const { runs, fetch } = accountsWorker();
    const push = await pushFor(SINGLE, text("single"), "/wechat", { mode: "safe" });
    const response = await fetch(push.path, push.init);
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(textOf(await openReplyAs(SINGLE, body), "Content")).toBe(`appid=${SINGLE.appid}`);
    await expect(openReplyAs(SAFE, body)).rejects.toThrow();
    expect(runs.map((run) => run.appid)).toEqual([SINGLE.appid]);
  });

  it("the URL check of each account echoes only with its own token", async () => {
    const { fetch } = accountsWorker();
    const check = async (token: string, appid: string) => {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const nonce = uniqueNonce();
      const signature = await computeSignature(token, timestamp, nonce);
      const query = new URLSearchParams({ signature, timestamp, nonce, echostr: "ECHO123" });
      return fetch(`/wechat/${appid}?${query}`, {
        headers: { "cf-connecting-ip": freshAddress() },
      });
    };
    const own = await check(SAFE.token, SAFE.appid);
    expect([own.status, await own.text()]).toEqual([200, "ECHO123"]);
    const other = await check(PLAIN.token, SAFE.appid);
    expect(other.status).toBe(401);
    expect(await other.text()).not.toContain("ECHO123");
  });
});

describe("a push to one account can never be answered with another's settings", () => {
  it("signed with account A's token and sent to account B: 401, no handler runs", async () => {
    const { runs, fetch } = accountsWorker();
    const cases = [
      [PLAIN, `/wechat/${COMPATIBLE.appid}`, "plaintext"],
      [COMPATIBLE, `/wechat/${PLAIN.appid}`, "plaintext"],
      [SAFE, `/wechat/${COMPATIBLE.appid}`, "safe"],
      [SINGLE, `/wechat/${SAFE.appid}`, "safe"],
      [SAFE, "/wechat", "safe"],
    ] as const;
    for (const [signer, path, mode] of cases) {
      // The push is encrypted for the target (its key and appid), only the token is A's.
      const push = await pushFor(signer, text("forged"), path, { mode });
      const response = await fetch(push.path, push.init);
      expect(response.status, `${signer.appid} → ${path}`).toBe(401);
    }
    expect(runs).toEqual([]);
  });

  it("encrypted with A's key (and appid) but signed with B's token, sent to B: refused", async () => {
    const { runs, fetch } = accountsWorker();
    for (const [target, keyOwner] of [
      [COMPATIBLE, SAFE],
      [SAFE, COMPATIBLE],
      [SAFE, SINGLE],
    ] as const) {
      const forged = { ...keyOwner, token: target.token };
      const push = await pushFor(forged, text("other key"), `/wechat/${target.appid}`, {
        mode: "safe",
      });
      const response = await fetch(push.path, push.init);
      expect(response.status, `${keyOwner.appid}'s key → ${target.appid}`).toBeGreaterThanOrEqual(
        400,
      );
      expect(response.status).toBeLessThan(500);
      // B's key and B's appid, but A's appid inside: refused as well.
      const wrongAppid = await pushFor(
        { ...target, appid: keyOwner.appid },
        text("other appid"),
        `/wechat/${target.appid}`,
        { mode: "safe" },
      );
      const refused = await fetch(wrongAppid.path, wrongAppid.init);
      expect(refused.status).toBeGreaterThanOrEqual(400);
      expect(refused.status).toBeLessThan(500);
    }
    expect(runs).toEqual([]);
  });

  it("the same timestamp and nonce at two accounts: both accepted; again at one: a replay", async () => {
    const { runs, fetch } = accountsWorker();
    const timestamp = Math.floor(Date.now() / 1000);
    const nonce = uniqueNonce();
    const first = await pushFor(PLAIN, text("first", "oSamePair1"), `/wechat/${PLAIN.appid}`, {
      timestamp,
      nonce,
    });
    const second = await pushFor(
      COMPATIBLE,
      text("second", "oSamePair1"),
      `/wechat/${COMPATIBLE.appid}`,
      { timestamp, nonce, mode: "safe" },
    );
    const single = await pushFor(SINGLE, text("third", "oSamePair1"), "/wechat", {
      timestamp,
      nonce,
    });
    expect((await fetch(first.path, first.init)).status).toBe(200);
    expect((await fetch(second.path, second.init)).status).toBe(200);
    expect((await fetch(single.path, single.init)).status).toBe(200);
    expect(runs.map((run) => run.content)).toEqual(["first", "second", "third"]);
    // Each account's guard is on: the pair again at one account, carrying something else.
    const replay = await pushFor(PLAIN, text("replayed", "oSamePair1"), `/wechat/${PLAIN.appid}`, {
      timestamp,
      nonce,
    });
    expect((await fetch(replay.path, replay.init)).status).toBe(401);
    expect(runs).toHaveLength(3);
  });

  it("one push (same MsgId, same openid) sent to two accounts runs once in each", async () => {
    const { runs, fetch } = accountsWorker();
    const xml = textPushXml("twin", { from: "oTwinFollower", msgId: randomMsgId() });
    for (const account of [PLAIN, COMPATIBLE, PLAIN]) {
      const push = await pushFor(account, xml, `/wechat/${account.appid}`, {
        mode: account === PLAIN ? "plaintext" : "safe",
      });
      expect((await fetch(push.path, push.init)).status).toBe(200);
    }
    // The third is WeChat's retry to PLAIN: answered from PLAIN's memory, not run again.
    expect(runs.map((run) => run.appid)).toEqual([PLAIN.appid, COMPATIBLE.appid]);
  });
});

describe("an appid that no account has", () => {
  it("is answered 404 with one line, before anything is read, whatever it carries", async () => {
    const { runs, fetch } = accountsWorker();
    for (const path of [
      "/wechat/wx9999999999999999",
      "/wechat/wx9999999999999999/",
      "/wechat/not-an-appid",
      `/wechat/${SAFE.appid.toUpperCase()}`,
    ]) {
      const push = await pushFor(SAFE, text("nobody"), path, { mode: "safe" });
      const response = await fetch(push.path, push.init);
      expect(response.status, path).toBe(404);
      expect(await response.text()).toBe("no account with this appid is configured here");
    }
    expect((await fetch(`/wechat/${SAFE.appid}/deeper`)).status).toBe(404);
    expect(runs).toEqual([]);
  });

  it("counts as nothing else: many from one client do not spend its signature failures", async () => {
    const { fetch } = accountsWorker();
    const client = { "cf-connecting-ip": freshAddress() };
    for (let i = 0; i < 40; i++) {
      const response = await fetch("/wechat/wx9999999999999999?signature=0&timestamp=1&nonce=1", {
        method: "POST",
        body: "<xml/>",
        headers: client,
      });
      expect(response.status).toBe(404);
    }
    const push = await pushFor(PLAIN, text("still welcome"), `/wechat/${PLAIN.appid}`);
    expect((await fetch(push.path, { ...push.init, headers: client })).status).toBe(200);
  });

  it("the trailing slash form of a listed account works like the plain one", async () => {
    const { runs, fetch } = accountsWorker();
    const push = await pushFor(PLAIN, text("slash"), `/wechat/${PLAIN.appid}/`);
    expect((await fetch(push.path, push.init)).status).toBe(200);
    expect(runs.map((run) => run.appid)).toEqual([PLAIN.appid]);
  });
});

describe("what a push records is its account's", () => {
  it("a follow from a QR scene at account A counts in A's statistics only", async () => {
    const { fetch } = accountsWorker();
    const follow = renderXml({
      ToUserName: "gh_0123456789ab",
      FromUserName: "oFollowerFromAScene0000001",
      CreateTime: Math.floor(Date.now() / 1000),
      MsgType: "event",
      Event: "subscribe",
      EventKey: "qrscene_spring",
      Ticket: "TICKET",
    });
    const push = await pushFor(SAFE, follow, `/wechat/${SAFE.appid}`, { mode: "safe" });
    expect((await fetch(push.path, push.init)).status).toBe(200);
    const ADMIN_KEY = "several-accounts-admin-key-0123456789";
    const totals = async (appid: string) => {
      const response = await fetch(
        `/qr/stats?appid=${appid}`,
        { headers: { authorization: `Bearer ${ADMIN_KEY}` } },
        { ADMIN_KEY },
      );
      return ((await response.json()) as { totals: Record<string, number> }).totals;
    };
    expect(await totals(SAFE.appid)).toEqual({ scans: 1, follows: 1, unfollows: 0 });
    expect(await totals(COMPATIBLE.appid)).toEqual({ scans: 0, follows: 0, unfollows: 0 });
    expect(await totals(SINGLE.appid)).toEqual({ scans: 0, follows: 0, unfollows: 0 });
  });
});

describe("the callback mounted in the Hono app (createApp)", () => {
  it("routes /wechat/<appid> to that account, and an unknown one to 404", async () => {
    const seen: (string | undefined)[] = [];
    const app = createApp(
      new WeChatRouter<BotContext>().on("text", (_, ctx) => {
        seen.push(ctx.account.appid);
        return "ok";
      }),
    );
    const send = async (path: string, init: RequestInit) => {
      const ctx = createExecutionContext();
      const response = await app.fetch(new Request(`https://worker.test${path}`, init), env, ctx);
      await waitOnExecutionContext(ctx);
      return response;
    };
    const push = await pushFor(PLAIN, text("via the app"), `/wechat/${PLAIN.appid}`);
    expect((await send(push.path, push.init)).status).toBe(200);
    const slash = await pushFor(PLAIN, text("via the app/"), `/wechat/${PLAIN.appid}/`);
    expect((await send(slash.path, slash.init)).status).toBe(200);
    const stranger = await pushFor(PLAIN, text("nobody"), "/wechat/wx9999999999999999");
    expect((await send(stranger.path, stranger.init)).status).toBe(404);
    expect(seen).toEqual([PLAIN.appid, PLAIN.appid]);
  });
});

describe("a user's push hook", () => {
  it("sees the account as handlers do: its appid, none of its settings", async () => {
    const seen: unknown[] = [];
    const worker = createWorker(new WeChatRouter<BotContext>(), {
      pushHooks: [
        (_message, _env, account) => {
          seen.push(account);
          return undefined;
        },
      ],
    });
    const push = await pushFor(SAFE, text("hooked"), `/wechat/${SAFE.appid}`, { mode: "safe" });
    const ctx = createExecutionContext();
    const response = await worker.fetch(
      new Request(`https://worker.test${push.path}`, push.init) as Request<
        unknown,
        IncomingRequestCfProperties
      >,
      env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(200);
    expect(seen).toEqual([{ appid: SAFE.appid, appId: SAFE.appid }]);
  });
});
