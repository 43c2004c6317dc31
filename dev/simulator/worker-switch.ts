/**
 * Switching the demo bot or the platform (one account, or a 第三方平台 with two authorisers). The
 * Worker's vars are fixed when `wrangler dev` starts, so a switch restarts it: a few seconds,
 * during which the page cannot push; local KV and Durable Objects persist across it.
 */
import { ensurePortFree } from "./ports";
import type { PlaygroundSession } from "./session";
import type { DemoBot, Platform } from "./settings";

/** What the Worker's vars depend on. */
export interface WorkerConfig {
  bot: DemoBot;
  platform: Platform;
}

const describe = ({ bot, platform }: WorkerConfig) =>
  `WECHAT_DEMO_BOT=${bot}${platform === "component" ? " and WECHAT_COMPONENT_*" : ""}`;

/** Applies switches one at a time; the last one asked for wins. */
export class WorkerSwitch {
  readonly #session: PlaygroundSession;
  readonly #log: (line: string) => void;
  readonly #restart: (config: WorkerConfig) => Promise<void>;
  /** Undefined after a failed restart: whatever runs (if anything) is restarted by the next switch. */
  #running: WorkerConfig | undefined;
  #wanted: WorkerConfig;
  #busy: Promise<void> = Promise.resolve();
  #stopped = false;

  /**
   * `restart` stops the Worker and starts it with `config`; it resolves once the Worker can take
   * pushes (in component mode: once the demo accounts are authorised).
   */
  constructor(
    session: PlaygroundSession,
    log: (line: string) => void,
    restart: (config: WorkerConfig) => Promise<void>,
  ) {
    this.#session = session;
    this.#log = log;
    this.#restart = restart;
    const { bot, platform } = session.settings;
    this.#running = { bot, platform };
    this.#wanted = { bot, platform };
  }

  switchTo(change: Partial<WorkerConfig>): Promise<void> {
    this.#wanted = { ...this.#wanted, ...change };
    this.#session.update(change);
    this.#busy = this.#busy.then(() => this.#apply());
    return this.#busy;
  }

  /** Waits for a restart under way, and allows no more. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#busy.catch(() => undefined);
  }

  async #apply(): Promise<void> {
    const wanted = this.#wanted;
    const running = this.#running;
    if (this.#stopped || (wanted.bot === running?.bot && wanted.platform === running.platform))
      return;
    this.#session.update({ worker: "restarting" });
    this.#log(`restarting the Worker with ${describe(wanted)}…`);
    const started = Date.now();
    try {
      await this.#restart(wanted);
      this.#running = wanted;
      this.#log(
        `the Worker runs the ${wanted.bot} bot` +
          (wanted.platform === "component" ? " as a 第三方平台" : "") +
          ` (restarted in ${Date.now() - started} ms)`,
      );
      this.#session.update({ worker: "running" });
    } catch (error) {
      this.#running = undefined;
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
