/**
 * The comparison: the same parrot on node-webot's `wechat` middleware under Express, the popular
 * Node stack for 公众号 callbacks. Same account (token, AppID, EncodingAESKey) and same answers
 * as the Worker's demo bot, so both servers do the same work for the same pushes.
 *
 * Input (env BENCH_WEBOT, JSON): { token, appId, encodingAESKey, welcome }. Prints
 * `READY <url>` when listening on 127.0.0.1.
 */
import express from "express";
import wechat from "wechat";

interface WebotOptions {
  token: string;
  appId: string;
  encodingAESKey: string;
  welcome: string;
}

const options = JSON.parse(process.env.BENCH_WEBOT ?? "{}") as WebotOptions;

const app = express();
app.use(
  "/wechat",
  wechat(
    // With an EncodingAESKey node-webot opens safe-mode pushes and seals their replies.
    { token: options.token, appid: options.appId, encodingAESKey: options.encodingAESKey },
    (req: { weixin: Record<string, string> }, res: { reply: (content: string) => void }) => {
      const message = req.weixin;
      if (message.MsgType === "text") return res.reply(message.Content ?? "");
      if (message.MsgType === "event" && message.Event === "subscribe") {
        return res.reply(options.welcome);
      }
      return res.reply("");
    },
  ),
);

const server = app.listen(0, "127.0.0.1", () => {
  const address = server.address() as { port: number };
  process.stdout.write(`READY http://127.0.0.1:${address.port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
