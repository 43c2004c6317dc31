/**
 * Subscription notices the way an operator meets them: the demo Worker under wrangler dev, the
 * fake WeChat API as an HTTP server. `npm run subscribe -- send` reaches bizsend with the body
 * given (43101 until the follower accepted the template), and each subscription event, pushed
 * signed in plaintext and in safe mode, reaches the demo's typed handler and is answered.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAKE_APPID, FAKE_APPSECRET, FakeWeChat } from "../../dev/fake-wechat/fake";
import { outboxSince } from "../../dev/fake-wechat/platform-state";
import { serveFake } from "../../dev/fake-wechat/serve";
import { signPush } from "../../dev/fake-wechat/sign-push";
import { freePort } from "../../dev/simulator/ports";
import { startWorker, type WorkerProcess } from "../../dev/simulator/worker-process";
import { MessageCrypt } from "../../src/wechat/message-crypt";
import { parseXml, textOf } from "../../src/wechat/xml";

const ROOT = join(import.meta.dirname, "..", "..");
const ADMIN_KEY = "subscribe-admin-key-0123456789abcdef0123";
const ACCOUNT = {
  token: "subscribetoken1",
  appId: FAKE_APPID,
  encodingAESKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
};
const TEMPLATE = "VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc";
const run = promisify(execFile);

describe("subscription notices against wrangler dev and the fake API", () => {
  const fake = new FakeWeChat();
  let fakeServer: Server;
  let fakeBase: string;
  let worker: WorkerProcess;
  let stateDir: string;

  async function cli(args: string[]) {
    try {
      const { stdout, stderr } = await run(process.execPath, ["dev/cli/wechat-admin.ts", ...args], {
        cwd: ROOT,
        env: { ...process.env, ADMIN_KEY, WORKER_URL: worker.url },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  beforeAll(async () => {
    const [fakePort, workerPort] = [await freePort(), await freePort()];
    fakeServer = await serveFake(fake, fakePort);
    fakeBase = `http://127.0.0.1:${fakePort}`;
    stateDir = await mkdtemp(join(tmpdir(), "subscribe-e2e-"));
    worker = await startWorker({
      port: workerPort,
      stateDir,
      vars: {
        WECHAT_TOKEN: ACCOUNT.token,
        WECHAT_APPID: FAKE_APPID,
        WECHAT_APPSECRET: FAKE_APPSECRET,
        WECHAT_ENCODING_AES_KEY: ACCOUNT.encodingAESKey,
        WECHAT_MESSAGE_MODE: "compatible",
        WECHAT_API_BASE: fakeBase,
        ADMIN_KEY,
      },
    });
  });

  afterAll(async () => {
    await worker?.stop();
    await new Promise((resolve) => fakeServer?.close(resolve));
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  it("npm run subscribe -- send reaches bizsend with the body given; 43101 until the follower accepted", async () => {
    const notice = {
      touser: "oCliSubscriber",
      template_id: TEMPLATE,
      page: "https://shop.example.com/orders/42",
      data: {
        thing1: { value: "巧克力礼盒" },
        amount2: { value: "¥39.80" },
        time3: { value: "2026-11-30 12:00" },
      },
    };
    const file = join(stateDir, "notice.json");
    await writeFile(file, JSON.stringify(notice));

    const refused = await cli(["subscribe", "send", file]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr + refused.stdout).toContain("43101");

    // The follower accepts the template in a popup (WeChat's side: the fake's control).
    const accepted = await fetch(`${fakeBase}/__fake/subscription`, {
      method: "POST",
      body: JSON.stringify({ openid: "oCliSubscriber", template_id: TEMPLATE }),
    });
    expect(await accepted.json()).toEqual({ ok: true, accepted: 1 });

    const sent = await cli(["subscribe", "send", file]);
    expect(sent.code, sent.stderr).toBe(0);
    const entry = outboxSince(fake).find((e) => e.kind === "subscribe")!;
    expect(entry.body).toEqual(notice);
    expect(sent.stdout).toContain(entry.msgid!);

    const templates = await cli(["subscribe", "templates"]);
    expect(templates.code, templates.stderr).toBe(0);
    expect(templates.stdout).toContain("订单发货通知");
  });

  const event = (name: string, inner: string, second: number) =>
    `<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><FromUserName><![CDATA[oCliSubscriber]]></FromUserName><CreateTime>${second}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[${name}]]></Event>${inner}</xml>`;
  const events = [
    {
      xml: (s: number) =>
        event(
          "subscribe_msg_popup_event",
          `<SubscribeMsgPopupEvent><List><TemplateId><![CDATA[${TEMPLATE}]]></TemplateId><SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString><PopupScene>2</PopupScene></List><List><TemplateId><![CDATA[T2]]></TemplateId><SubscribeStatusString><![CDATA[reject]]></SubscribeStatusString><PopupScene>2</PopupScene></List></SubscribeMsgPopupEvent>`,
          s,
        ),
      answer: `订阅 Subscription: ${TEMPLATE} accept, T2 reject`,
    },
    {
      xml: (s: number) =>
        event(
          "subscribe_msg_change_event",
          `<SubscribeMsgChangeEvent><List><TemplateId><![CDATA[${TEMPLATE}]]></TemplateId><SubscribeStatusString><![CDATA[reject]]></SubscribeStatusString></List></SubscribeMsgChangeEvent>`,
          s,
        ),
      answer: `拒收 Refused: ${TEMPLATE} reject`,
    },
    {
      xml: (s: number) =>
        event(
          "subscribe_msg_sent_event",
          `<SubscribeMsgSentEvent><List><TemplateId><![CDATA[${TEMPLATE}]]></TemplateId><MsgID>1700827132819554304</MsgID><ErrorCode>0</ErrorCode><ErrorStatus><![CDATA[success]]></ErrorStatus></List></SubscribeMsgSentEvent>`,
          s,
        ),
      answer: "下发结果 Delivery: 1700827132819554304 0 success",
    },
  ];

  it("each subscription event, pushed signed (plaintext and safe), is answered by the demo's typed handler", async () => {
    let second = Math.floor(Date.now() / 1000);
    for (const mode of ["plaintext", "safe"] as const) {
      for (const { xml, answer } of events) {
        const push = await signPush(ACCOUNT, xml(++second), { mode });
        const response = await fetch(`${worker.url}${push.path}`, {
          method: "POST",
          body: push.body,
        });
        expect(response.status).toBe(200);
        let reply = parseXml(await response.text());
        if (!reply.ok) throw new Error(reply.reason);
        if (mode === "safe") {
          const inner = await new MessageCrypt(ACCOUNT.encodingAESKey, ACCOUNT.appId).decrypt(
            textOf(reply.root, "Encrypt")!,
          );
          reply = parseXml(inner.message);
          if (!reply.ok) throw new Error(reply.reason);
        }
        expect(textOf(reply.root, "Content"), `${mode} ${answer}`).toBe(answer);
      }
    }
  });
});
