/**
 * The simulator's HTTP server, on loopback only:
 * - `/` and `/playground/*`: the page (static files from dev/playground, no build step);
 * - `/playground/api/*`: the page's JSON API (state, menu, qrcodes, subscribe-templates, mode,
 *   settings, console, actions) and its event stream (server-sent events);
 * - `/llm/v1/*`: the fake model (dev/fake-llm), which the Worker reaches through LLM_API_BASE;
 * - everything else: the fake WeChat API (dev/fake-wechat), which the Worker reaches through
 *   WECHAT_API_BASE, with its `/__fake/*` control endpoints.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import type { FakeWeChat } from "../fake-wechat/fake";
import type { FakeLlm } from "../fake-llm/fake-llm";
import { control, CONTROL_PREFIX } from "../fake-wechat/control";
import type { PushMode } from "../../src/wechat/push";
import { CONSOLE_ACTIONS, type ConsoleAction } from "./account-console";
import { parseAction } from "./pushes";
import type { PlaygroundSession, SessionEvent } from "./session";
import { parseSettingsChange, type PlaygroundSettings } from "./settings";
import type { KnownQrCode, KnownSubscribeTemplate, PublishedMenu } from "./wechat-state";

const PAGE_DIR = fileURLToPath(new URL("../playground/", import.meta.url));
const API = "/playground/api/";
/** Where the fake model is mounted; LLM_API_BASE is this under the simulator's address. */
export const LLM_BASE_PATH = "/llm/v1";
const STATIC_FILES = new Set([
  "index.html",
  "app.js",
  "render.js",
  "style.css",
  "sample-photo.svg",
]);
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};
const MODES: PushMode[] = ["plaintext", "compatible", "safe"];
const MAX_BODY_BYTES = 16 * 1024;

export interface SimulatorServerOptions {
  session: PlaygroundSession;
  fake: FakeWeChat;
  /** The menu the Worker published, as the fake recorded it. */
  menu: () => PublishedMenu;
  /** The parametric QR codes the Worker created, newest first. */
  qrCodes: () => KnownQrCode[];
  /** The account's subscription templates and what the follower accepted of each. */
  subscribeTemplates?: () => KnownSubscribeTemplate[];
  /** Runs an account-owner action through the Worker's /admin API. */
  console: (action: ConsoleAction) => Promise<{ status: number; request: string; answer: string }>;
  /** The fake model, served under LLM_BASE_PATH. */
  llm: FakeLlm;
  /** Applies the page's switches; resolves once applied (a bot switch restarts the Worker). */
  settings: (change: Partial<PlaygroundSettings>) => Promise<void>;
}

export function createSimulatorServer(options: SimulatorServerOptions): Server {
  return createServer((incoming, outgoing) => {
    route(options, incoming, outgoing).catch((error: unknown) => {
      if (outgoing.headersSent) return outgoing.destroy();
      sendJson(outgoing, 500, { error: `simulator error: ${(error as Error).message}` });
    });
  });
}

async function route(
  options: SimulatorServerOptions,
  incoming: IncomingMessage,
  outgoing: ServerResponse,
) {
  const path = new URL(incoming.url ?? "/", "http://localhost").pathname;
  if (path === "/" || path === "/playground" || path === "/playground/") {
    return sendFile(outgoing, "index.html");
  }
  if (path.startsWith(API)) return api(options, path.slice(API.length), incoming, outgoing);
  if (path.startsWith("/playground/")) {
    const name = path.slice("/playground/".length);
    if (STATIC_FILES.has(name)) return sendFile(outgoing, name);
    return sendJson(outgoing, 404, { error: "not found" });
  }
  const aborted = new AbortController();
  // The caller gave up (the Worker's fetch timed out): a slow fake stops waiting too.
  outgoing.on("close", () => aborted.abort());
  const request = await toRequest(incoming, aborted.signal);
  if (path.startsWith(`${LLM_BASE_PATH}/`)) {
    const response = await options.llm.handle(request);
    if (aborted.signal.aborted) return;
    return writeResponse(response, outgoing);
  }
  // The fake WeChat API.
  const clientIp = (incoming.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
  const response = path.startsWith(CONTROL_PREFIX)
    ? await control(options.fake, request)
    : await options.fake.fetch(request, { clientIp });
  await writeResponse(response, outgoing);
}

async function api(
  options: SimulatorServerOptions,
  name: string,
  incoming: IncomingMessage,
  outgoing: ServerResponse,
) {
  const { session } = options;
  const method = incoming.method ?? "GET";
  if (name === "events" && method === "GET") return stream(session, incoming, outgoing);
  if (name === "state" && method === "GET") return sendJson(outgoing, 200, session.state());
  if (name === "menu" && method === "GET") return sendJson(outgoing, 200, options.menu());
  if (name === "qrcodes" && method === "GET")
    return sendJson(outgoing, 200, { qrcodes: options.qrCodes() });
  if (name === "subscribe-templates" && method === "GET")
    return sendJson(outgoing, 200, { templates: options.subscribeTemplates?.() ?? [] });
  if (method !== "POST") return sendJson(outgoing, 404, { error: "not found" });
  const body = await readJson(incoming);
  if (typeof body === "string") return sendJson(outgoing, 400, { error: body });
  if (name === "mode") {
    const mode = (body as { mode?: unknown }).mode;
    if (!MODES.includes(mode as PushMode)) {
      return sendJson(outgoing, 400, { error: "mode must be plaintext, compatible or safe" });
    }
    session.setMode(mode as PushMode);
    return sendJson(outgoing, 200, session.state());
  }
  if (name === "settings") {
    const change = parseSettingsChange(body);
    if (typeof change === "string") return sendJson(outgoing, 400, { error: change });
    // A bot or platform switch restarts wrangler dev (a few seconds); the page follows it on the
    // stream.
    options
      .settings(change)
      .catch((error: unknown) =>
        session.log("simulator", `settings not applied: ${(error as Error).message}`),
      );
    return sendJson(outgoing, 202, { accepted: true });
  }
  if (name === "console") {
    const action = (body as { action?: unknown }).action;
    if (!CONSOLE_ACTIONS.includes(action as ConsoleAction)) {
      return sendJson(outgoing, 400, {
        error: `action must be one of ${CONSOLE_ACTIONS.join(", ")}`,
      });
    }
    const result = await options.console(action as ConsoleAction);
    session.log(
      "simulator",
      `console ${action}: ${result.request.split("\n")[0]} → HTTP ${result.status} ${result.answer.slice(0, 300)}`,
    );
    return sendJson(outgoing, 200, result);
  }
  if (name === "actions") {
    const action = parseAction(body);
    if (typeof action === "string") return sendJson(outgoing, 400, { error: action });
    // Which account's chat (a 第三方平台 authoriser's appid); the first chat when absent.
    const chat = (body as { chat?: unknown }).chat;
    if (chat !== undefined && (typeof chat !== "string" || !session.hasChat(chat))) {
      return sendJson(outgoing, 400, { error: "chat must be one of the state's chats" });
    }
    if (session.worker !== "running") {
      return sendJson(outgoing, 503, {
        error: `the Worker is ${session.worker} (a bot switch restarts it); try again in a few seconds`,
      });
    }
    // Delivery may take up to three 5-second attempts; the page follows it on the event stream.
    const exchange = session.act(action, chat);
    exchange.catch((error: unknown) =>
      session.log("simulator", `push failed: ${(error as Error).message}`),
    );
    return sendJson(outgoing, 202, { accepted: true });
  }
  return sendJson(outgoing, 404, { error: "not found" });
}

function stream(session: PlaygroundSession, incoming: IncomingMessage, outgoing: ServerResponse) {
  outgoing.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    connection: "keep-alive",
  });
  const send = (event: SessionEvent) => outgoing.write(`data: ${JSON.stringify(event)}\n\n`);
  for (const event of session.replay()) send(event);
  outgoing.write(`data: ${JSON.stringify({ type: "replayed" })}\n\n`);
  const unsubscribe = session.subscribe(send);
  // A comment line now and then keeps idle connections (and proxies) from timing out.
  const keepAlive = setInterval(() => outgoing.write(": keep-alive\n\n"), 15_000);
  incoming.on("close", () => {
    clearInterval(keepAlive);
    unsubscribe();
  });
}

async function readJson(incoming: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return "body too large";
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
  } catch {
    return "body must be JSON";
  }
}

async function sendFile(outgoing: ServerResponse, name: string) {
  const body = await readFile(`${PAGE_DIR}${name}`);
  outgoing.writeHead(200, {
    "content-type": TYPES[extname(name)] ?? "application/octet-stream",
    "cache-control": "no-cache",
    "content-length": String(body.length),
  });
  outgoing.end(body);
}

function sendJson(outgoing: ServerResponse, status: number, value: unknown) {
  const body = JSON.stringify(value);
  outgoing.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(body)),
  });
  outgoing.end(body);
}

async function toRequest(incoming: IncomingMessage, signal: AbortSignal): Promise<Request> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (Array.isArray(value)) value.forEach((v) => headers.append(name, v));
    else if (value !== undefined) headers.set(name, value);
  }
  const hasBody = incoming.method !== "GET" && incoming.method !== "HEAD";
  const chunks: Buffer[] = [];
  if (hasBody) for await (const chunk of incoming) chunks.push(chunk as Buffer);
  return new Request(`http://${incoming.headers.host ?? "localhost"}${incoming.url ?? "/"}`, {
    method: incoming.method ?? "GET",
    headers,
    signal,
    ...(hasBody ? { body: Buffer.concat(chunks) } : {}),
  });
}

async function writeResponse(response: Response, outgoing: ServerResponse): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  outgoing.writeHead(response.status, { ...headers, "content-length": String(body.length) });
  outgoing.end(body);
}
