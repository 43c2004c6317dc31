import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, expect, it } from "vitest";
import { installFakeWeChat, type InstalledFakeWeChat } from "../../dev/fake-wechat/install";
import { outboxSince, recordInteraction } from "../../dev/fake-wechat/platform-state";
import { signPush, textPushXml } from "../../dev/fake-wechat/sign-push";
import { createApp } from "../../src/app";
import { parrot } from "../../demo/parrot";
import { deliverReply } from "../../src/callback/deliver-reply";
import { reply } from "../../src/wechat/reply";
import { parseXml, textOf } from "../../src/wechat/xml";

let fake: InstalledFakeWeChat;
beforeEach(() => void (fake = installFakeWeChat()));
afterEach(() => fake.uninstall());

it("delivers through customer service inside the follower's window", async () => {
  recordInteraction(fake, "oQueued1", "message");
  expect(await deliverReply(env, "oQueued1", reply.image("MEDIA_1"))).toBe("delivered");
  expect(outboxSince(fake).map((e) => e.body)).toEqual([
    { touser: "oQueued1", msgtype: "image", image: { media_id: "MEDIA_1" } },
  ]);
});

it("keeps a refused reply for the follower's next message", async () => {
  expect(await deliverReply(env, "oQueued2", reply.text("your report is ready"))).toBe("kept");
  const push = await signPush(
    { token: env.WECHAT_TOKEN!, appId: env.WECHAT_APPID! },
    textPushXml("hi", { from: "oQueued2" }),
  );
  const ctx = createExecutionContext();
  const res = await createApp(parrot).fetch(
    new Request(`https://worker.test${push.path}`, { method: "POST", body: push.body }),
    env,
    ctx,
  );
  const xml = parseXml(await res.text());
  await waitOnExecutionContext(ctx);
  expect(xml.ok && textOf(xml.root, "Content")).toBe("your report is ready\n\nhi");
});
