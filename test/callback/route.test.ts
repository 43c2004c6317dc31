import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signPush, textPushXml } from "../../dev/fake-wechat/sign-push";
import { MessageCrypt } from "../../src/wechat/message-crypt";
import { parseXml, textOf } from "../../src/wechat/xml";

const account = {
  token: env.WECHAT_TOKEN!,
  appId: env.WECHAT_APPID!,
  encodingAESKey: env.WECHAT_ENCODING_AES_KEY!,
};

async function post(path: string, body: string) {
  return exports.default.fetch(`https://worker.test${path}`, { method: "POST", body });
}

describe("/wechat", () => {
  it("parrots a plaintext text push", async () => {
    const push = await signPush(account, textPushXml("你好 ]]> <b>&amp;", { from: "oUser1" }));
    const res = await post(push.path, push.body);
    expect(res.status).toBe(200);
    const xml = parseXml(await res.text());
    expect(xml.ok && textOf(xml.root, "Content")).toBe("你好 ]]> <b>&amp;");
    expect(xml.ok && textOf(xml.root, "ToUserName")).toBe("oUser1");
  });

  it("answers a safe-mode push encrypted", async () => {
    const push = await signPush(account, textPushXml("secret hello"), { mode: "safe" });
    const res = await post(push.path, push.body);
    expect(res.status).toBe(200);
    const outer = parseXml(await res.text());
    if (!outer.ok) throw new Error(outer.reason);
    const inner = await new MessageCrypt(account.encodingAESKey, account.appId).decrypt(
      textOf(outer.root, "Encrypt")!,
    );
    expect(inner.message).toContain("<Content><![CDATA[secret hello]]></Content>");
  });
});
