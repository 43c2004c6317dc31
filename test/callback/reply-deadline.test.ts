import { describe, expect, it } from "vitest";
import { answeredAtOnce, withinDeadline } from "../../src/callback/reply-deadline";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("answeredAtOnce", () => {
  it("gives the result of a handler that needs no I/O, even through a few awaits", async () => {
    const handler = async () => {
      await null;
      return (await Promise.resolve("quick")).toUpperCase();
    };
    expect(await answeredAtOnce(handler())).toEqual({ value: "QUICK" });
    expect(await answeredAtOnce(Promise.resolve(undefined))).toEqual({ value: undefined });
  });

  it("gives nothing for a handler waiting on I/O, which then races the budget", async () => {
    const work = sleep(30).then(() => "slow");
    expect(await answeredAtOnce(work)).toBeUndefined();
    expect(await withinDeadline(work, 1000)).toEqual({ inTime: true, value: "slow" });
  });
});

describe("withinDeadline", () => {
  it("gives up at the budget without cancelling the work", async () => {
    let finished = false;
    const work = sleep(40).then(() => (finished = true));
    expect(await withinDeadline(work, 5)).toEqual({ inTime: false });
    expect(finished).toBe(false);
    await work;
    expect(finished).toBe(true);
  });
});
