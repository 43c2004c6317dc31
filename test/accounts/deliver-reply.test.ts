/**
 * deliverReply for one of several accounts: `{ appid }` names the follower's account; a reply
 * customer service refuses is kept for that account's next push from the follower, and for no
 * other account's (an openid means nothing outside its account).
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import type { InstalledFakeWeChat } from "../../dev/fake-wechat/install";
import { textPushXml } from "../../dev/fake-wechat/sign-push";
import { deliverReply } from "../../src/callback/deliver-reply";
import { reply } from "../../src/wechat/reply";
import { textOf } from "../../src/wechat/xml";
import { env } from "cloudflare:test";
import { COMPATIBLE, PLAIN } from "./accounts";
import { accountsWorker, pushFor, root, SINGLE } from "./drive";
import { startClean } from "./tokens";

let fake: InstalledFakeWeChat;
beforeEach(async () => void (fake = await startClean()));
afterEach(() => fake.uninstall());

it("keeps a refused reply for the follower's next message to that account only", async () => {
  // No recent interaction: WeChat refuses customer service (45015), so the reply is kept.
  expect(
    await deliverReply(env, "oOwedAtPlain", reply.text("your report is ready"), {
      appid: PLAIN.appid,
    }),
  ).toBe("kept");
  const { fetch } = accountsWorker();
  const ask = async (account: typeof PLAIN | typeof COMPATIBLE | typeof SINGLE, path: string) => {
    const push = await pushFor(account, textPushXml("hi", { from: "oOwedAtPlain" }), path, {
      mode: account === PLAIN ? "plaintext" : "safe",
    });
    return fetch(push.path, push.init);
  };
  // Another account's push from the same openid does not take it.
  const other = await ask(COMPATIBLE, `/wechat/${COMPATIBLE.appid}`);
  expect(other.status).toBe(200);
  const single = await ask(SINGLE, "/wechat");
  expect(single.status).toBe(200);
  const own = await ask(PLAIN, `/wechat/${PLAIN.appid}`);
  expect(textOf(root(await own.text()), "Content")).toBe(
    `your report is ready\n\nappid=${PLAIN.appid}`,
  );
});

it("refuses an appid no account has, and sends nothing", async () => {
  await expect(
    deliverReply(env, "oNobody", reply.text("x"), { appid: "wx9999999999999999" }),
  ).rejects.toThrow("no account with this appid is configured here");
  expect(fake.count()).toBe(0);
});
