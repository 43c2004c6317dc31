/**
 * Node's floor: `node:http` reads the push and answers a fixed string, nothing else. It is to
 * node-webot what the body-reading floor Worker is to ours, so each server's protocol work can be
 * told apart from what its runtime spends on any request at all.
 *
 * Prints `READY <url>` when listening on 127.0.0.1.
 */
import { createServer } from "node:http";

const server = createServer((request, response) => {
  request.resume();
  request.on("end", () => {
    response.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
    response.end("success");
  });
});

server.listen(0, "127.0.0.1", () => {
  const address = server.address() as { port: number };
  process.stdout.write(`READY http://127.0.0.1:${address.port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
