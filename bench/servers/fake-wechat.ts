/**
 * The project's fake WeChat API (dev/fake-wechat/) as a server for the benchmark, for one account.
 * bench/start.mjs bundles this file, so the fake's modules load however they import each other.
 *
 * Arguments: --port, --host, --appid, --secret. Prints `fake WeChat API on <url>` when listening.
 */
import { FakeWeChat } from "../../dev/fake-wechat/fake";
import { serveFake } from "../../dev/fake-wechat/serve";

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

const host = option("host") ?? "127.0.0.1";
const port = Number(option("port") ?? 0);
const appid = option("appid");
const secret = option("secret");
if (!appid || !secret) throw new Error("--appid and --secret are required");
const server = await serveFake(new FakeWeChat({ accounts: { [appid]: secret } }), port, host);
const address = server.address();
const listening = typeof address === "object" && address ? address.port : port;
console.log(`fake WeChat API on http://${host}:${listening} (appid ${appid})`);
process.on("SIGTERM", () => server.close(() => process.exit(0)));
