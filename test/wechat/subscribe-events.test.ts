import { describe, expect, it } from "vitest";
import { dedupeKey, type InboundMessage } from "../../src/wechat/message";
import { parseMessage } from "../../src/wechat/parse-message";
import { WeChatRouter } from "../../src/wechat/router";
import { parseXml } from "../../src/wechat/xml";

function parse(xml: string): InboundMessage {
  const doc = parseXml(xml);
  if (!doc.ok) throw new Error(doc.reason);
  const result = parseMessage(doc.root);
  if (!result.ok) throw new Error(result.reason);
  return result.message;
}

const push = (event: string, body: string, createTime = "1610969440") => `<xml>
    <ToUserName><![CDATA[gh_123456789abc]]></ToUserName>
    <FromUserName><![CDATA[otFpruAK8D-E6EfStSYonYSBZ8_4]]></FromUserName>
    <CreateTime>${createTime}</CreateTime>
    <MsgType><![CDATA[event]]></MsgType>
    <Event><![CDATA[${event}]]></Event>
    ${body}
</xml>`;

// The samples of 订阅通知的事件推送 (service account guide), layout kept.
const popupTwo = push(
  "subscribe_msg_popup_event",
  `<SubscribeMsgPopupEvent>
        <List>
            <TemplateId><![CDATA[VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc]]></TemplateId>
            <SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString>
            <PopupScene>2</PopupScene>
        </List>
        <List>
            <TemplateId><![CDATA[9nLIlbOQZC5Y89AZteFEux3WCXRRRG5Wfzkpssu4bLI]]></TemplateId>
            <SubscribeStatusString><![CDATA[reject]]></SubscribeStatusString>
            <PopupScene>2</PopupScene>
        </List>
    </SubscribeMsgPopupEvent>`,
);

const changeOne = push(
  "subscribe_msg_change_event",
  `<SubscribeMsgChangeEvent>
        <List>          <TemplateId><![CDATA[VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc]]></TemplateId>
            <SubscribeStatusString><![CDATA[reject]]></SubscribeStatusString>
        </List>
    </SubscribeMsgChangeEvent>`,
);

const sentOne = push(
  "subscribe_msg_sent_event",
  `<SubscribeMsgSentEvent>
        <List>       <TemplateId><![CDATA[VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc]]></TemplateId>
            <MsgID>1700827132819554304</MsgID>
            <ErrorCode>0</ErrorCode>
            <ErrorStatus><![CDATA[success]]></ErrorStatus>
        </List>
    </SubscribeMsgSentEvent>`,
  "1610969468",
);

const head = {
  toUserName: "gh_123456789abc",
  fromUserName: "otFpruAK8D-E6EfStSYonYSBZ8_4",
  msgType: "event",
  raw: expect.any(Object),
};

describe("subscription notice events (订阅通知的事件推送)", () => {
  it("subscribe_msg_popup_event with several List elements: every template, in order", () => {
    expect(parse(popupTwo)).toEqual({
      ...head,
      createTime: 1610969440,
      event: "subscribe_msg_popup_event",
      list: [
        {
          templateId: "VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc",
          subscribeStatusString: "accept",
          popupScene: 2,
        },
        {
          templateId: "9nLIlbOQZC5Y89AZteFEux3WCXRRRG5Wfzkpssu4bLI",
          subscribeStatusString: "reject",
          popupScene: 2,
        },
      ],
    });
  });

  it("subscribe_msg_popup_event with one List is still a list; no PopupScene, no popupScene", () => {
    const message = parse(
      push(
        "subscribe_msg_popup_event",
        "<SubscribeMsgPopupEvent><List><TemplateId><![CDATA[T1]]></TemplateId>" +
          "<SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString></List></SubscribeMsgPopupEvent>",
      ),
    );
    expect(message).toMatchObject({
      event: "subscribe_msg_popup_event",
      list: [{ templateId: "T1", subscribeStatusString: "accept" }],
    });
    expect((message as { list: object[] }).list[0]).not.toHaveProperty("popupScene");
  });

  it("a status WeChat may add later is kept as sent, not dropped or refused", () => {
    const message = parse(
      push(
        "subscribe_msg_popup_event",
        "<SubscribeMsgPopupEvent><List><TemplateId>T1</TemplateId>" +
          "<SubscribeStatusString>acceptWithAudio</SubscribeStatusString><PopupScene>1</PopupScene>" +
          "</List></SubscribeMsgPopupEvent>",
      ),
    );
    expect(message).toMatchObject({
      list: [{ templateId: "T1", subscribeStatusString: "acceptWithAudio", popupScene: 1 }],
    });
  });

  it("subscribe_msg_change_event (the follower refused on the management page)", () => {
    expect(parse(changeOne)).toEqual({
      ...head,
      createTime: 1610969440,
      event: "subscribe_msg_change_event",
      list: [
        {
          templateId: "VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc",
          subscribeStatusString: "reject",
        },
      ],
    });
  });

  it("subscribe_msg_sent_event: MsgID stays an exact string, ErrorCode a number", () => {
    expect(parse(sentOne)).toEqual({
      ...head,
      createTime: 1610969468,
      event: "subscribe_msg_sent_event",
      list: [
        {
          templateId: "VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc",
          msgId: "1700827132819554304",
          errorCode: 0,
          errorStatus: "success",
        },
      ],
    });
  });

  it("several sent results, and the <item>-wrapped shape some SDK fixtures use", () => {
    const two = parse(
      push(
        "subscribe_msg_sent_event",
        "<SubscribeMsgSentEvent>" +
          "<List><TemplateId>A</TemplateId><MsgID>9223372036854775807</MsgID><ErrorCode>0</ErrorCode><ErrorStatus>success</ErrorStatus></List>" +
          "<List><TemplateId>B</TemplateId><MsgID>2</MsgID><ErrorCode>1</ErrorCode><ErrorStatus><![CDATA[error]]></ErrorStatus></List>" +
          "</SubscribeMsgSentEvent>",
      ),
    );
    expect(two).toMatchObject({
      list: [
        { templateId: "A", msgId: "9223372036854775807", errorCode: 0, errorStatus: "success" },
        { templateId: "B", msgId: "2", errorCode: 1, errorStatus: "error" },
      ],
    });
    const wrapped = parse(
      push(
        "subscribe_msg_change_event",
        "<SubscribeMsgChangeEvent><List>" +
          "<item><TemplateId>A</TemplateId><SubscribeStatusString>reject</SubscribeStatusString></item>" +
          "<item><TemplateId>B</TemplateId><SubscribeStatusString>reject</SubscribeStatusString></item>" +
          "</List></SubscribeMsgChangeEvent>",
      ),
    );
    expect(wrapped).toMatchObject({
      list: [
        { templateId: "A", subscribeStatusString: "reject" },
        { templateId: "B", subscribeStatusString: "reject" },
      ],
    });
  });

  it("no List at all is an empty list, never a failure", () => {
    expect(parse(push("subscribe_msg_sent_event", ""))).toMatchObject({
      event: "subscribe_msg_sent_event",
      list: [],
    });
  });

  it("two popups in the same second are two pushes; a retry of one is the same push", () => {
    const other = popupTwo.replace("[reject]", "[accept]");
    expect(dedupeKey(parse(popupTwo))).toBe(dedupeKey(parse(popupTwo)));
    expect(dedupeKey(parse(popupTwo))).not.toBe(dedupeKey(parse(other)));
    const secondSend = sentOne.replace("1700827132819554304", "1700827132819554305");
    expect(dedupeKey(parse(sentOne))).not.toBe(dedupeKey(parse(secondSend)));
  });
});

describe("routing subscription events", () => {
  const bot = new WeChatRouter()
    .event("subscribe_msg_popup_event", "9nLIlbOQZC5Y89AZteFEux3WCXRRRG5Wfzkpssu4bLI", (e) =>
      e.list.map((item) => `${item.templateId.slice(0, 4)}=${item.subscribeStatusString}`).join(),
    )
    .event("subscribe_msg_popup_event", (e) => `popup ${e.list.length}`)
    .event("subscribe_msg_change_event", /^VRR0/, (e) => `change ${e.list[0]!.templateId}`)
    .event("subscribe_msg_sent_event", (e) =>
      e.list.map((item) => `${item.msgId}:${item.errorCode}`).join(),
    );

  it("by name, typed, and by a template id of any item (string or pattern)", async () => {
    expect(await bot.dispatch(parse(popupTwo), {})).toEqual({
      type: "text",
      content: "VRR0=accept,9nLI=reject",
    });
    const onlyFirst = popupTwo.replace(/<List>\s*<TemplateId><!\[CDATA\[9nLI[\s\S]*?<\/List>/, "");
    expect(await bot.dispatch(parse(onlyFirst), {})).toEqual({ type: "text", content: "popup 1" });
    expect(await bot.dispatch(parse(changeOne), {})).toEqual({
      type: "text",
      content: "change VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc",
    });
    expect(await bot.dispatch(parse(sentOne), {})).toEqual({
      type: "text",
      content: "1700827132819554304:0",
    });
  });
});
