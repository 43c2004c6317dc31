/**
 * The simulator plays WeChat's side of a push faithfully: the same request again when no answer
 * comes in time (three tries in all), and replies checked the way WeChat checks them. A stand-in
 * Worker on a local port answers; timeouts are shortened so nothing sleeps for seconds.
 */
import { createServer, type Server } from "node:http";
import { afterEach, expect, test } from "vitest";
import { deliverPush, MAX_ATTEMPTS, PLACEHOLDER_TEXT } from "../../dev/simulator/delivery";
import { buildPush } from "../../dev/simulator/pushes";
import { generateCredentials } from "../../dev/simulator/credentials";
import { sealReply } from "../../src/wechat/push";
import { renderXml } from "../../src/wechat/xml";

const account = generateCredentials();
const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

interface Seen {
  url: string;
  body: string;
}

async function worker(answer: (seen: Seen, index: number) => Promise<string | undefined>) {
  const seen: Seen[] = [];
  const server = createServer(async (request, response) => {
    let body = "";
    for await (const chunk of request) body += chunk;
    const entry = { url: request.url ?? "", body };
    seen.push(entry);
    const reply = await answer(entry, seen.length - 1);
    if (reply === undefined) return; // Never answers: WeChat gives up on this attempt.
    response.end(reply);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, seen };
}

const push = () =>
  buildPush(
    { type: "text", content: "hi" },
    { ...account, following: true },
    Math.floor(Date.now() / 1000),
  );

function textReply(content: string) {
  return renderXml({
    ToUserName: account.openid,
    FromUserName: account.originalId,
    CreateTime: Math.floor(Date.now() / 1000),
    MsgType: "text",
    Content: content,
  });
}

test("an unanswered push is sent again, byte for byte, three times in all", async () => {
  const stub = await worker(async () => undefined);
  const result = await deliverPush(account, push().xml, {
    workerUrl: stub.url,
    mode: "safe",
    attemptTimeoutMs: 150,
  });
  expect(result.attempts.map((a) => a.outcome)).toEqual(["timeout", "timeout", "timeout"]);
  expect(stub.seen).toHaveLength(MAX_ATTEMPTS);
  expect(new Set(stub.seen.map((s) => s.url + s.body)).size).toBe(1);
  expect(result.problem).toContain("no answer");
  expect(result.reply).toBeUndefined();
});

test("a retry that is answered in time delivers the reply", async () => {
  const stub = await worker(async (_seen, index) =>
    index === 0 ? undefined : textReply("second time"),
  );
  const result = await deliverPush(account, push().xml, {
    workerUrl: stub.url,
    mode: "plaintext",
    attemptTimeoutMs: 150,
  });
  expect(result.attempts.map((a) => a.outcome)).toEqual(["timeout", "200"]);
  expect(result.reply).toEqual({ kind: "text", content: "second time" });
});

test("each delivery says when it went out and what it got, for the page's timeline", async () => {
  const held = await worker(async (_seen, index) =>
    index < 2 ? undefined : textReply(PLACEHOLDER_TEXT),
  );
  const starts: [number, number][] = [];
  const result = await deliverPush(account, push().xml, {
    workerUrl: held.url,
    mode: "plaintext",
    attemptTimeoutMs: 150,
    onAttemptStart: (attempt, startedMs) => starts.push([attempt, startedMs]),
  });
  expect(result.attempts.map((a) => a.got)).toEqual(["no-answer", "no-answer", "placeholder"]);
  expect(starts.map(([attempt]) => attempt)).toEqual([1, 2, 3]);
  // Each re-send goes out when WeChat gives up on the one before.
  const [first, second, third] = result.attempts.map((a) => a.startedMs);
  expect(first).toBe(0);
  expect(second).toBeGreaterThanOrEqual(150);
  expect(third! - second!).toBeGreaterThanOrEqual(150);
  expect(starts.map(([, startedMs]) => startedMs)).toEqual([first, second, third]);

  const replied = await worker(async () => textReply("the answer"));
  const answered = await deliverPush(account, push().xml, {
    workerUrl: replied.url,
    mode: "plaintext",
  });
  expect(answered.attempts.map((a) => a.got)).toEqual(["passive-reply"]);
  const quiet = await worker(async () => "success");
  const nothing = await deliverPush(account, push().xml, {
    workerUrl: quiet.url,
    mode: "plaintext",
  });
  expect(nothing.attempts.map((a) => a.got)).toEqual(["success"]);
});

test("success and an empty body mean no reply; an empty Content is WeChat's error notice", async () => {
  for (const body of ["success", ""]) {
    const stub = await worker(async () => body);
    const result = await deliverPush(account, push().xml, {
      workerUrl: stub.url,
      mode: "plaintext",
    });
    expect(result.wire.responseBody).toBe(body);
    expect(result.problem).toBeUndefined();
    expect(result.reply).toBeUndefined();
  }
  const stub = await worker(async () => textReply(""));
  const result = await deliverPush(account, push().xml, { workerUrl: stub.url, mode: "plaintext" });
  expect(result.problem).toBe("a text reply with empty Content");
});

test("in safe mode the reply must be encrypted with a valid MsgSignature", async () => {
  const sealed = (nonce: string) =>
    sealReply(textReply("sealed"), { mode: "safe", nonce }, account, Math.floor(Date.now() / 1000));
  const good = await worker(async (seen) =>
    sealed(new URL(seen.url, "http://x").searchParams.get("nonce")!),
  );
  const ok = await deliverPush(account, push().xml, { workerUrl: good.url, mode: "safe" });
  expect(ok.reply).toEqual({ kind: "text", content: "sealed" });
  expect(ok.wire.decryptedReply).toContain("<Content><![CDATA[sealed]]></Content>");
  expect(good.seen[0]!.body).not.toContain("<Content>");

  const plain = await worker(async () => textReply("plain"));
  const refused = await deliverPush(account, push().xml, { workerUrl: plain.url, mode: "safe" });
  expect(refused.problem).toContain("requires an encrypted reply");

  const forged = await worker(async (seen) =>
    (await sealed(new URL(seen.url, "http://x").searchParams.get("nonce")!)).replace(
      /<MsgSignature><!\[CDATA\[[0-9a-f]+/,
      "<MsgSignature><![CDATA[0000000000000000000000000000000000000000",
    ),
  );
  const bad = await deliverPush(account, push().xml, { workerUrl: forged.url, mode: "safe" });
  expect(bad.problem).toBe("the reply's MsgSignature does not match");
});
