import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  ConversationValueError,
  conversationFor,
  MAX_CONVERSATION_BYTES,
} from "../../src/conversation";
import type { ConversationMemory } from "../../src/conversation";

let followers = 0;
const follower = () => `oMemory${++followers}`;
const memory = (openid: string) => conversationFor(env, "wx0000000000000001", openid, 30);

function stub(openid: string) {
  const namespace =
    env.CONVERSATION_MEMORY as unknown as DurableObjectNamespace<ConversationMemory>;
  return namespace.get(namespace.idFromName(`wx0000000000000001:${openid}`));
}

describe("ctx.conversation", () => {
  it("keeps a follower's JSON, and only theirs", async () => {
    const [a, b] = [follower(), follower()];
    expect(await memory(a).get()).toBeUndefined();
    await memory(a).set({ turns: [{ user: "你好", assistant: "您好" }], n: 1 });
    expect(await memory(a).get()).toEqual({ turns: [{ user: "你好", assistant: "您好" }], n: 1 });
    expect(await memory(b).get()).toBeUndefined();
    await memory(a).clear();
    expect(await memory(a).get()).toBeUndefined();
  });

  it("refuses a value over 64 KB, or one that is not JSON, with a clear error", async () => {
    const openid = follower();
    await memory(openid).set("kept");
    const tooLarge = "汉".repeat(Math.ceil(MAX_CONVERSATION_BYTES / 3) + 1);
    await expect(memory(openid).set(tooLarge)).rejects.toThrow(ConversationValueError);
    await expect(memory(openid).set(tooLarge)).rejects.toThrow(/at most 65536 bytes/);
    await expect(memory(openid).set(undefined)).rejects.toThrow(ConversationValueError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(memory(openid).set(cyclic)).rejects.toThrow(ConversationValueError);
    expect(await memory(openid).get()).toBe("kept");
  });

  it("expires after its TTL without a write: the alarm deletes everything", async () => {
    const openid = follower();
    await memory(openid).set({ remembered: true });
    const alarm = await runInDurableObject(stub(openid), (_, state) => state.storage.getAlarm());
    const days = ((alarm ?? 0) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    expect(await runDurableObjectAlarm(stub(openid))).toBe(true);
    expect(await memory(openid).get()).toBeUndefined();
  });

  it("names the binding when a Worker has none", async () => {
    const none = conversationFor({ CONVERSATION_MEMORY: undefined }, "wx0000000000000001", "o", 30);
    await expect(none.get()).rejects.toThrow(/CONVERSATION_MEMORY/);
  });
});
