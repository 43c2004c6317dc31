/**
 * Fuzzing /wechat through the Worker's own fetch handler: real pushes, signed and unsigned, in
 * all three message modes and against all three WECHAT_MESSAGE_MODE settings, damaged on the way
 * in (test/fuzz/requests.ts). The contract is the one WeChat needs: every answer is 200 or a 4xx
 * with a reason, never a 5xx (the only deliberate 5xx is a configuration problem, and every env
 * here is a valid configuration), and fetch never throws.
 *
 * Half the cases are authentic but for their body, so that decryption, parsing, the handlers and
 * reply sealing see fuzzed input, not only the signature check; the test checks that they did.
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { ORIGIN } from "../fixtures/worker";
import { deployedWorker, fuzzWorker } from "./driver";
import { buildRequest, callbackCase, envOverrides, type CallbackCase } from "./requests";
import { fuzzParameters, fuzzTimeout } from "./settings";

const RUNS = 2500;

const acceptable = (status: number) => status === 200 || (status >= 400 && status <= 499);

// The demo parrot sleeps on "/slow N" (past the reply budget): such a push goes to the fuzz
// worker instead, so that the suite's time does not depend on what the generator wrote.
const SLOW_COMMAND = /\/slow/i;

describe("/wechat under fuzzed requests", () => {
  const worker = fuzzWorker();
  const outcomes = new Map<string, number>();
  const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);

  afterAll(() => worker.settle());

  it(
    "answers every request with 200 or a 4xx",
    async () => {
      await fc.assert(
        fc.asyncProperty(callbackCase, async (c: CallbackCase) => {
          const request = await buildRequest(c);
          const deployed = c.target === "deployed" && !SLOW_COMMAND.test(request.inner);
          const runsBefore = worker.state.runs;
          const response = deployed
            ? await deployedWorker.fetch(`${ORIGIN}${request.url}`, request.init)
            : await worker.fetch(request.url, request.init, envOverrides(c.env));
          const text = await response.text();
          if (worker.pendingCount() >= 64) await worker.settle();

          const setting = deployed ? "deployed" : (c.env.mode ?? "default");
          count(`status ${response.status}`);
          if (response.status !== 200)
            count(`reason ${text.slice(0, 50).replace(/<[^>]*>/g, "<…>")}`);
          if (worker.state.runs > runsBefore) count(`bot ran: ${setting} env`);
          if (request.pristine && response.status === 200) {
            count(`pristine 200: ${setting} env, ${c.pushMode} push`);
          }
          if (!acceptable(response.status)) {
            throw new Error(
              `${c.method} ${request.url} answered ${response.status}: ${text.slice(0, 300)}`,
            );
          }
        }),
        fuzzParameters(RUNS),
      );
      await worker.settle();

      // Not vacuous: pushes WeChat itself could send were answered under every mode setting, and
      // a good share of all requests reached the bot (past decryption and parsing).
      const summary = Object.fromEntries([...outcomes].sort());
      console.log("fuzz outcomes", summary);
      for (const key of [
        "plaintext env, plaintext push",
        "compatible env, compatible push",
        "safe env, safe push",
        "default env, safe push",
      ]) {
        expect(summary[`pristine 200: ${key}`], key).toBeGreaterThan(0);
      }
      const botRuns = Object.entries(summary)
        .filter(([key]) => key.startsWith("bot ran"))
        .reduce((sum, [, n]) => sum + n, 0);
      expect(botRuns).toBeGreaterThan(RUNS / 10);
    },
    fuzzTimeout(RUNS, 10),
  );
});
