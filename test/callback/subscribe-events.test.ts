import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { signPush } from "../../dev/fake-wechat/sign-push";
import type { BotContext } from "../../src/bot/context";
import { WeChatRouter } from "../../src/wechat/router";
import { textOf } from "../../src/wechat/xml";
import { createWorker } from "../../src/worker";
import { account, openReply, ORIGIN, root } from "../fixtures/worker";

// A bot as a user writes one: each subscription event typed, answered with what it carried.
const bot = new WeChatRouter<BotContext>()
  .event("subscribe_msg_popup_event", (event) =>
    event.list
      .map((item) => `${item.templateId}=${item.subscribeStatusString}@${item.popupScene ?? "-"}`)
      .join(" "),
  )
  .event("subscribe_msg_change_event", (event) =>
    event.list.map((item) => `${item.templateId}=${item.subscribeStatusString}`).join(" "),
  )
  .event("subscribe_msg_sent_event", (event) =>
    event.list
      .map((item) => `${item.templateId}:${item.msgId}:${item.errorCode}:${item.errorStatus}`)
      .join(" "),
  )
  .fallback(() => "fallback");
const worker = createWorker(bot);

async function push(xml: string, mode: "plaintext" | "safe") {
  const signed = await signPush(account, xml, { mode });
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`${ORIGIN}${signed.path}`, {
      method: "POST",
      body: signed.body,
    }) as Request<unknown, IncomingRequestCfProperties>,
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  expect(response.status).toBe(200);
  const body = await response.text();
  const reply = mode === "safe" ? await openReply(body) : root(body);
  expect(textOf(reply, "ToUserName")).toBe("oSubscriber1");
  return textOf(reply, "Content");
}

let second = Math.floor(Date.now() / 1000);
const event = (name: string, inner: string) => `<xml>
<ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>
<FromUserName><![CDATA[oSubscriber1]]></FromUserName>
<CreateTime>${++second}</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[${name}]]></Event>
${inner}
</xml>`;

const cases = [
  {
    name: "subscribe_msg_popup_event",
    xml: () =>
      event(
        "subscribe_msg_popup_event",
        `<SubscribeMsgPopupEvent>
  <List><TemplateId><![CDATA[TPL_A]]></TemplateId><SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString><PopupScene>2</PopupScene></List>
  <List><TemplateId><![CDATA[TPL_B]]></TemplateId><SubscribeStatusString><![CDATA[reject]]></SubscribeStatusString><PopupScene>2</PopupScene></List>
</SubscribeMsgPopupEvent>`,
      ),
    answer: "TPL_A=accept@2 TPL_B=reject@2",
  },
  {
    name: "subscribe_msg_change_event",
    xml: () =>
      event(
        "subscribe_msg_change_event",
        `<SubscribeMsgChangeEvent><List><TemplateId><![CDATA[TPL_A]]></TemplateId><SubscribeStatusString><![CDATA[reject]]></SubscribeStatusString></List></SubscribeMsgChangeEvent>`,
      ),
    answer: "TPL_A=reject",
  },
  {
    name: "subscribe_msg_sent_event",
    xml: () =>
      event(
        "subscribe_msg_sent_event",
        `<SubscribeMsgSentEvent><List><TemplateId><![CDATA[TPL_A]]></TemplateId><MsgID>1700827132819554304</MsgID><ErrorCode>0</ErrorCode><ErrorStatus><![CDATA[success]]></ErrorStatus></List></SubscribeMsgSentEvent>`,
      ),
    answer: "TPL_A:1700827132819554304:0:success",
  },
];

describe("subscription notice events through the Worker", () => {
  for (const mode of ["plaintext", "safe"] as const) {
    it.each(cases)(
      `$name, pushed signed (${mode}), reaches its handler typed and is answered`,
      async ({ xml, answer }) => {
        expect(await push(xml(), mode)).toBe(answer);
      },
    );
  }
});
