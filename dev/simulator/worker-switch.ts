/**
 * Switching the demo bot. The Worker's vars are fixed when `wrangler dev` starts, so a switch
 * restarts it: a few seconds, during which the page cannot push; local KV and Durable Objects
 * persist across it.
 */
import { ensurePortFree } from "./ports";
import type { PlaygroundSession } from "./session";
import type { DemoBot } from "./settings";

/** Applies bot switches one at a time; the last one asked for wins. */
export class WorkerSwitch {
  readonly #session: PlaygroundSession;
  readonly #log: (line: string) => void;
  readonly #restart: (bot: DemoBot) => Promise<void>;
  #running: DemoBot;
  #wanted: DemoBot;
  #busy: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(
    session: PlaygroundSession,
    log: (line: string) => void,
    restart: (bot: DemoBot) => Promise<void>,
  ) {
    this.#session = session;
    this.#log = log;
    this.#restart = restart;
    this.#running = this.#wanted = session.settings.bot;
  }

  switchTo(bot: DemoBot): Promise<void> {
    this.#wanted = bot;
    this.#session.update({ bot });
    this.#busy = this.#busy.then(() => this.#apply());
    return this.#busy;
  }

  /** Waits for a restart under way, and allows no more. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#busy.catch(() => undefined);
  }

  async #apply(): Promise<void> {
    const bot = this.#wanted;
    if (this.#stopped || bot === this.#running) return;
    this.#session.update({ worker: "restarting" });
    this.#log(`restarting the Worker with WECHAT_DEMO_BOT=${bot}…`);
    const started = Date.now();
    try {
      await this.#restart(bot);
      this.#running = bot;
      this.#log(`the Worker runs the ${bot} bot (restarted in ${Date.now() - started} ms)`);
      this.#session.update({ worker: "running" });
    } catch (error) {
      this.#session.update({ worker: "stopped" });
      this.#log(`the Worker did not restart: ${(error as Error).message}`);
      throw error;
    }
  }
}

/** Waits (up to 10 s) until a stopped process's port can be bound again. */
export async function waitForPortFree(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await ensurePortFree(port, "wrangler dev", "the previous Worker has not let it go");
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
