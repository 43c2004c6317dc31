/**
 * The playground as the browser tests open it: the real stack (simulator, fake WeChat API, the
 * Worker under wrangler dev) in a state directory of its own, and its page in headless chromium.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { freePort } from "../../dev/simulator/ports";
import { startStack, type Stack } from "../../dev/simulator/stack";
import { launchChromium } from "./browser";

export interface OpenPlayground {
  stack: Stack;
  page: Page;
  /** What the simulator and the Worker said last, to tell a Worker bug from a page bug. */
  printRecentLogs(): void;
  close(): Promise<void>;
}

export async function openPlayground(
  name: string,
  vars: Record<string, string> = {},
): Promise<OpenPlayground> {
  const stateDir = await mkdtemp(join(tmpdir(), `${name}-`));
  const stack = await startStack({
    playgroundPort: await freePort(),
    workerPort: await freePort(),
    stateDir,
    vars,
  });
  const browser = await launchChromium();
  const page = await browser.context.newPage();
  await page.goto(stack.playgroundUrl);
  await page.waitForSelector("body[data-ready=true]");
  return {
    stack,
    page,
    printRecentLogs() {
      const lines = stack.session
        .replay()
        .flatMap((event) => (event.type === "log" ? [`[${event.source}] ${event.line}`] : []));
      console.error(lines.slice(-40).join("\n"));
    },
    async close() {
      await browser.close();
      await stack.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
