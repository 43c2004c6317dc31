/**
 * The fake as a real HTTP server, for `wrangler dev`, the offline playground and the benchmarks:
 *
 *   npx node dev/fake-wechat/serve.ts --port 8788 [--host 127.0.0.1] [--appid wx… --secret …]
 *     [--proxy-secret S] [--whitelist 127.0.0.1,…] [--lifetime 7200] [--classic-overlap 0]
 *     [--no-customer-service]
 *
 * then run the Worker with WECHAT_API_BASE=http://127.0.0.1:8788. Control endpoints: control.ts.
 * Node 24 runs this file directly (type stripping), hence the `.ts` in the fake's imports; it
 * needs nothing beyond node:http and Web standards.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { control, CONTROL_PREFIX } from "./control.ts";
import { FAKE_APPID, FAKE_APPSECRET, FakeWeChat } from "./fake.ts";
import { platformState } from "./platform-state.ts";

async function toRequest(incoming: IncomingMessage, signal: AbortSignal): Promise<Request> {
  const url = `http://${incoming.headers.host ?? "localhost"}${incoming.url ?? "/"}`;
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (Array.isArray(value)) value.forEach((v) => headers.append(name, v));
    else if (value !== undefined) headers.set(name, value);
  }
  const hasBody = incoming.method !== "GET" && incoming.method !== "HEAD";
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  if (hasBody) for await (const chunk of incoming) chunks.push(new Uint8Array(chunk as Uint8Array));
  return new Request(url, {
    method: incoming.method,
    headers,
    signal,
    ...(hasBody ? { body: new Blob(chunks) } : {}),
  });
}

async function writeResponse(response: Response, outgoing: ServerResponse): Promise<void> {
  const body = new Uint8Array(await response.arrayBuffer());
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  outgoing.writeHead(response.status, { ...headers, "content-length": String(body.byteLength) });
  outgoing.end(body);
}

/** Serves `fake` on host:port; resolves once listening. */
export function serveFake(fake: FakeWeChat, port: number, host = "127.0.0.1") {
  const server = createServer((incoming, outgoing) => {
    const aborted = new AbortController();
    outgoing.on("close", () => aborted.abort());
    const clientIp = (incoming.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
    toRequest(incoming, aborted.signal)
      .then((request) =>
        new URL(request.url).pathname.startsWith(CONTROL_PREFIX)
          ? control(fake, request)
          : fake.fetch(request, { clientIp }),
      )
      .then((response) => writeResponse(response, outgoing))
      .catch((error: unknown) => {
        if (aborted.signal.aborted) return;
        outgoing.writeHead(500, { "content-type": "text/plain" });
        outgoing.end(`fake error: ${error instanceof Error ? error.message : String(error)}\n`);
      });
  });
  return new Promise<typeof server>((resolve) => server.listen(port, host, () => resolve(server)));
}

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : undefined;
}

if (/serve\.ts$/.test(String(process.argv[1]))) {
  const args: string[] = process.argv.slice(2);
  const port = Number(option(args, "port") ?? 8788);
  const host = option(args, "host") ?? "127.0.0.1";
  const appid = option(args, "appid") ?? FAKE_APPID;
  const proxySecret = option(args, "proxy-secret");
  const whitelist = option(args, "whitelist");
  const fake = new FakeWeChat({
    accounts: { [appid]: option(args, "secret") ?? FAKE_APPSECRET },
    lifetimeSeconds: Number(option(args, "lifetime") ?? 7200),
    classicOverlapSeconds: Number(option(args, "classic-overlap") ?? 0),
    ...(proxySecret ? { requireProxySecret: proxySecret } : {}),
    ...(whitelist ? { ipWhitelist: whitelist.split(",") } : {}),
  });
  // An unverified subscription account: customer-service messages answer 48001.
  if (args.includes("--no-customer-service")) platformState(fake).customerService = false;
  const server = await serveFake(fake, port, host);
  console.log(`fake WeChat API on http://${host}:${port} (appid ${appid})`);
  for (const signal of ["SIGTERM", "SIGINT"]) {
    process.on(signal, () => server.close(() => process.exit(0)));
  }
}
