/**
 * The delivery reports of template and mass sends reach a router handler typed, and their MsgID
 * is the same exact string the send returned (both exceed 2^53).
 */
import { describe, expect, it } from "vitest";
import { sendMass } from "../../../src/wechat/api/mass";
import { sendTemplateMessage } from "../../../src/wechat/api/template";
import type {
  MassSendJobFinishEvent,
  TemplateSendJobFinishEvent,
} from "../../../src/wechat/message";
import { parseMessage } from "../../../src/wechat/parse-message";
import { WeChatRouter } from "../../../src/wechat/router";
import { parseXml } from "../../../src/wechat/xml";
import { fakeApi } from "../../fixtures/fake-api";

function push(xml: string) {
  const doc = parseXml(xml);
  if (!doc.ok) throw new Error(doc.reason);
  const parsed = parseMessage(doc.root);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.message;
}

const envelope = (event: string, msgId: string, extra = "") =>
  `<xml><ToUserName><![CDATA[gh_4d00ed8d6399]]></ToUserName><FromUserName><![CDATA[oUser1]]></FromUserName><CreateTime>1395658920</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[${event}]]></Event><MsgID>${msgId}</MsgID>${extra}</xml>`;

describe("TEMPLATESENDJOBFINISH and MASSSENDJOBFINISH", () => {
  it("reach their handlers typed, with the msgid the send returned", async () => {
    const { client } = await fakeApi();
    const { msgid } = await sendTemplateMessage(client, {
      touser: "oUser1",
      template_id: "t",
      data: { a: { value: "x" } },
    });
    const { msg_id } = await sendMass(client, {
      filter: { is_to_all: true },
      msgtype: "text",
      text: { content: "x" },
    });

    const seen: (TemplateSendJobFinishEvent | MassSendJobFinishEvent)[] = [];
    const router = new WeChatRouter()
      .event("TEMPLATESENDJOBFINISH", (event) => {
        seen.push(event);
        return undefined;
      })
      .event("MASSSENDJOBFINISH", (event) => {
        seen.push(event);
        return undefined;
      });
    await router.dispatch(
      push(envelope("TEMPLATESENDJOBFINISH", msgid, "<Status><![CDATA[success]]></Status>")),
      {},
    );
    await router.dispatch(
      push(
        envelope(
          "MASSSENDJOBFINISH",
          msg_id,
          "<Status><![CDATA[send success]]></Status><TotalCount>100</TotalCount><FilterCount>80</FilterCount><SentCount>75</SentCount><ErrorCount>5</ErrorCount>",
        ),
      ),
      {},
    );
    expect(seen[0]).toMatchObject({
      event: "TEMPLATESENDJOBFINISH",
      msgId: msgid,
      status: "success",
    });
    expect(seen[1]).toMatchObject({
      event: "MASSSENDJOBFINISH",
      msgId: msg_id,
      sentCount: 75,
      errorCount: 5,
    });
  });
});
