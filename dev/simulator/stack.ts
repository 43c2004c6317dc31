/**
 * The whole offline playground: the simulator (WeChat's side, with the fake API) and the Worker
 * under `wrangler dev`, wired to each other. Used by `npm start` (dev/start.ts) and the e2e tests.
 *
 * @example
 * const stack = await startStack({ playgroundPort: 8700, workerPort: 8787, stateDir: ".wrangler/playground" });
 * console.log(stack.playgroundUrl);
 * await stack.stop();
 */
import type { Server } from "node:http";
import { join } from "node:path";
import { createFakeLlm, type FakeLlm } from "../fake-llm/fake-llm";
import { FakeWeChat } from "../fake-wechat/fake";
import { platformState } from "../fake-wechat/platform-state";
import { runConsoleAction, type ConsoleAction } from "./account-console";
import { authoriseDemoAccounts, authoriserChats, componentVars } from "./component-mode";
import { loadOrCreateCredentials, type PlaygroundCredentials } from "./credentials";
import { followOutbox } from "./outbox-feed";
import { ensurePortFree } from "./ports";
import { fireScheduled } from "./scheduler";
import { createSimulatorServer, LLM_BASE_PATH } from "./server";
import { PlaygroundSession } from "./session";
import { DEFAULT_SETTINGS, type PlaygroundSettings } from "./settings";
import {
  readPublishedMenu,
  readQrCodes,
  readSubscribeTemplates,
  recordFollowerAction,
} from "./wechat-state";
import { startWorker, type WorkerProcess } from "./worker-process";
import { waitForPortFree, WorkerSwitch, type WorkerConfig } from "./worker-switch";

export interface StackOptions {
  playgroundPort: number;
  workerPort: number;
  /** The generated credentials (credentials.json) and local KV/Durable Object state. */
  stateDir: string;
  /** Further Worker variables, e.g. WECHAT_REPLY_BUDGET_MS. */
  vars?: Record<string, string>;
  /**
   * The page's switches to start with (default: the parrot, one account, a verified service
   * account, a model that takes 12 s). `bot` sets WECHAT_DEMO_BOT, whatever `vars` says;
   * `platform: "component"` starts as a 第三方平台 with two authorised demo accounts.
   */
  settings?: Partial<PlaygroundSettings>;
  /** Lines printed by wrangler (the Worker's logs included). */
  onWorkerLine?: (line: string) => void;
  /** The simulator's own log lines. */
  onSimulatorLine?: (line: string) => void;
}

export interface Stack {
  playgroundUrl: string;
  workerUrl: string;
  session: PlaygroundSession;
  /** The generated development credentials (the admin key, for tests that ask /admin). */
  credentials: PlaygroundCredentials;
  fake: FakeWeChat;
  llm: FakeLlm;
  /**
   * What the page's switches do; resolves once applied (a bot or platform switch restarts the
   * Worker; entering the component mode also authorises the demo accounts).
   */
  applySettings(change: Partial<PlaygroundSettings>): Promise<void>;
  stop(): Promise<void>;
}

const ANSI_ESCAPE = /\x1b\[[0-9;]*m/g;

const PORT_HINT = (flag: string, env: string) =>
  `Stop whatever uses it, or pick another port: npm start -- ${flag} <port> (or ${env}=<port>).`;

export async function startStack(options: StackOptions): Promise<Stack> {
  const { playgroundPort, workerPort } = options;
  if (playgroundPort === workerPort)
    throw new Error("the playground and the Worker need two different ports");
  await ensurePortFree(playgroundPort, "playground", PORT_HINT("--port", "PLAYGROUND_PORT"));
  await ensurePortFree(workerPort, "wrangler dev", PORT_HINT("--worker-port", "WORKER_PORT"));

  const credentials = await loadOrCreateCredentials(join(options.stateDir, "credentials.json"));
  const simulatorBase = `http://127.0.0.1:${playgroundPort}`;
  const browserBase = `http://localhost:${playgroundPort}`;
  const playgroundUrl = `${browserBase}/`;
  const workerUrl = `http://127.0.0.1:${workerPort}`;
  const settings = { ...DEFAULT_SETTINGS, ...options.settings };
  const fake = new FakeWeChat({ accounts: { [credentials.appId]: credentials.appSecret } });
  platformState(fake).customerService = settings.accountType === "verified-service";
  const llm = createFakeLlm({
    apiKey: credentials.llmApiKey,
    basePath: LLM_BASE_PATH,
    delayMs: settings.llmDelayMs,
  });
  const session = new PlaygroundSession(credentials, workerUrl, {
    onAction: (action, wasFollowing, chat) =>
      recordFollowerAction(fake, chat.openid, action, wasFollowing, chat.appId),
  });
  session.update(settings);
  const simulatorLog = (line: string) => {
    session.log("simulator", line);
    options.onSimulatorLine?.(line);
  };

  let worker: WorkerProcess | undefined;
  const workerOptions = ({ bot, platform }: WorkerConfig) => ({
    port: workerPort,
    stateDir: options.stateDir,
    vars: {
      WECHAT_TOKEN: credentials.token,
      WECHAT_APPID: credentials.appId,
      WECHAT_APPSECRET: credentials.appSecret,
      WECHAT_ENCODING_AES_KEY: credentials.encodingAESKey,
      // The playground switches between plaintext and encrypted pushes at will.
      WECHAT_MESSAGE_MODE: "compatible",
      WECHAT_API_BASE: simulatorBase,
      // showqrcode images and the OAuth authorize page are opened by the browser, not the Worker.
      WECHAT_MP_BASE: browserBase,
      WECHAT_OPEN_BASE: browserBase,
      ADMIN_KEY: credentials.adminKey,
      SESSION_SECRET: credentials.sessionSecret,
      ALLOWED_ORIGINS: `http://localhost:${playgroundPort},http://127.0.0.1:${playgroundPort}`,
      // The demo assistant's model: the fake the simulator serves (dev/fake-llm).
      LLM_API_BASE: `${simulatorBase}${LLM_BASE_PATH}`,
      LLM_API_KEY: credentials.llmApiKey,
      LLM_MODEL: "fake-model",
      ...(platform === "component" ? componentVars(simulatorBase) : {}),
      ...options.vars,
      WECHAT_DEMO_BOT: bot,
    },
    onLine: (colored: string) => {
      // wrangler colours some lines even when asked not to.
      const line = colored.replace(ANSI_ESCAPE, "");
      options.onWorkerLine?.(line);
      if (line.trim() !== "") session.log("worker", line);
    },
  });
  /** The follower's chats for the platform; in component mode, once both accounts authorised. */
  const enterPlatform = async (platform: WorkerConfig["platform"]) => {
    if (platform !== "component") return session.setChats([]);
    simulatorLog("第三方平台: pushing the ticket and authorising the two demo accounts…");
    await authoriseDemoAccounts({
      fake,
      workerUrl,
      adminKey: credentials.adminKey,
      log: simulatorLog,
    });
    session.setChats(authoriserChats(credentials));
  };
  const switches = new WorkerSwitch(session, simulatorLog, async (config) => {
    await worker?.stop();
    worker = undefined;
    await waitForPortFree(workerPort);
    worker = await startWorker(workerOptions(config));
    await enterPlatform(config.platform);
  });
  const applySettings = async (change: Partial<PlaygroundSettings>) => {
    if (change.accountType) {
      platformState(fake).customerService = change.accountType === "verified-service";
      session.update({ accountType: change.accountType });
      simulatorLog(
        change.accountType === "verified-service"
          ? "account → verified service account: customer-service messages allowed"
          : "account → unverified subscription account: message/custom/send answers 48001",
      );
    }
    if (change.llmDelayMs !== undefined) {
      llm.control.delayMs = change.llmDelayMs;
      session.update({ llmDelayMs: change.llmDelayMs });
      simulatorLog(`fake model → answers after ${change.llmDelayMs / 1000} s`);
    }
    if (change.bot || change.platform) {
      await switches.switchTo({
        ...(change.bot ? { bot: change.bot } : {}),
        ...(change.platform ? { platform: change.platform } : {}),
      });
    }
  };

  const serverOptions = {
    session,
    fake,
    llm,
    settings: applySettings,
    menu: () => readPublishedMenu(fake),
    qrCodes: () => readQrCodes(fake, credentials.appId),
    subscribeTemplates: () => readSubscribeTemplates(fake, credentials.appId, credentials.openid),
    console: (action: ConsoleAction) =>
      runConsoleAction(action, {
        workerUrl,
        adminKey: credentials.adminKey,
        openid: credentials.openid,
      }),
  };
  const server = createSimulatorServer(serverOptions);
  const servers: Server[] = [server];
  await listen(server, playgroundPort, "127.0.0.1");
  // Browsers may resolve localhost to ::1 first; serve it there too when the host has IPv6.
  const ipv6 = createSimulatorServer(serverOptions);
  if (
    await listen(ipv6, playgroundPort, "::1").then(
      () => true,
      () => false,
    )
  )
    servers.push(ipv6);

  const stopServers = () =>
    Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.closeAllConnections();
            s.close(() => resolve());
          }),
      ),
    );

  try {
    worker = await startWorker(workerOptions(settings));
    await enterPlatform(settings.platform);
  } catch (error) {
    await worker?.stop();
    await stopServers();
    throw error;
  }

  const stopScheduler = fireScheduled(workerUrl, simulatorLog);
  const stopOutbox = followOutbox(fake, session);
  return {
    playgroundUrl,
    workerUrl,
    session,
    credentials,
    fake,
    llm,
    applySettings,
    async stop() {
      stopScheduler();
      stopOutbox();
      await switches.stop();
      await Promise.all([worker?.stop(), stopServers()]);
      session.update({ worker: "stopped" });
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
