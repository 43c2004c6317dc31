import { describe, expect, it } from "vitest";
import { outboxSince } from "../../../dev/fake-wechat/platform-state";
import {
  deleteMass,
  getMassSpeed,
  getMassStatus,
  massMessageProblem,
  previewMass,
  sendMass,
  setMassSpeed,
  type MassMessage,
} from "../../../src/wechat/api/mass";
import { fakeApi } from "../../fixtures/fake-api";

const TO_TAG: MassMessage = {
  filter: { is_to_all: false, tag_id: 2 },
  mpnews: { media_id: "123dsdajkasd231jhksad" },
  msgtype: "mpnews",
  send_ignore_reprint: 0,
  clientmsgid: "send_tag_2",
};

const isBeyond2to53 = (id: string) => BigInt(id) > BigInt(Number.MAX_SAFE_INTEGER);

describe("mass messages (群发)", () => {
  it("sends to a tag with exact msg_id and msg_data_id, and to an openid list", async () => {
    const { fake, client } = await fakeApi();
    const result = await sendMass(client, TO_TAG);
    expect(result.duplicate).toBe(false);
    expect(isBeyond2to53(result.msg_id)).toBe(true);
    expect(isBeyond2to53(result.msg_data_id!)).toBe(true);
    const list: MassMessage = {
      touser: ["OPENID1", "OPENID2"],
      msgtype: "text",
      text: { content: "hello" },
    };
    await sendMass(client, list);
    const sent = outboxSince(fake);
    expect(sent.map((entry) => entry.to)).toEqual(["tag:2", ["OPENID1", "OPENID2"]]);
    expect(sent[0]!.msgid).toBe(result.msg_id);
    expect(fake.count("/cgi-bin/message/mass/sendall")).toBe(1);
    expect(fake.count("/cgi-bin/message/mass/send")).toBe(1);
  });

  it("is idempotent by clientmsgid: 45066 within a minute, then the first send's msg_id (45065)", async () => {
    const { fake, client } = await fakeApi();
    const first = await sendMass(client, TO_TAG);
    await expect(sendMass(client, TO_TAG)).rejects.toMatchObject({ errcode: 45066 });
    fake.advance(61);
    const again = await sendMass(client, TO_TAG);
    expect(again).toEqual({ msg_id: first.msg_id, duplicate: true });
    expect(outboxSince(fake).filter((entry) => entry.kind === "mass")).toHaveLength(1);
  });

  it("surfaces 45028 (no quota) with its hint", async () => {
    const { fake, client } = await fakeApi();
    fake.inject(
      { errcode: 45028, errmsg: "has no masssend quota" },
      { path: "/cgi-bin/message/mass/sendall" },
    );
    await expect(sendMass(client, TO_TAG)).rejects.toMatchObject({
      errcode: 45028,
      hint: expect.stringMatching(/quota/),
    });
  });

  it("previews, reads the status, deletes, and gets and sets the speed", async () => {
    const { fake, client } = await fakeApi();
    await previewMass(client, { touser: "OPENID1", msgtype: "text", text: { content: "preview" } });
    expect(outboxSince(fake)[0]).toMatchObject({ kind: "preview", to: "OPENID1" });
    const { msg_id } = await sendMass(client, { ...TO_TAG, clientmsgid: "status" });
    expect(await getMassStatus(client, msg_id)).toEqual({ msg_id, msg_status: "SEND_SUCCESS" });
    await deleteMass(client, msg_id);
    expect((await getMassStatus(client, msg_id)).msg_status).toBe("DELETE");
    await expect(getMassStatus(client, "1")).rejects.toMatchObject({ errcode: 40097 });
    await setMassSpeed(client, 3);
    expect(await getMassSpeed(client)).toMatchObject({ speed: 3 });
  });

  it("explains malformed messages before sending", () => {
    expect(massMessageProblem(TO_TAG)).toBeUndefined();
    expect(massMessageProblem({ ...TO_TAG, touser: ["a", "b"] })).toMatch(/either filter/);
    expect(
      massMessageProblem({ touser: ["only-one"], msgtype: "text", text: { content: "x" } }),
    ).toMatch(/2 to 10000/);
    expect(massMessageProblem({ ...TO_TAG, clientmsgid: "x".repeat(65) })).toMatch(/64/);
  });
});
