/** Loopback ports: checking one is free (with a message a person can act on) and finding one. */
import { createServer, type Server } from "node:net";

export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly what: string,
    readonly hint: string,
  ) {
    super(`port ${port} (${what}) is already in use on 127.0.0.1. ${hint}`);
    this.name = "PortInUseError";
  }
}

function tryListen(port: number, host: string): Promise<Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) =>
      error.code === "EADDRINUSE" ? resolve(undefined) : reject(error),
    );
    server.listen(port, host, () => resolve(server));
  });
}

/** Throws PortInUseError when `port` cannot be bound on 127.0.0.1. */
export async function ensurePortFree(port: number, what: string, hint: string): Promise<void> {
  const server = await tryListen(port, "127.0.0.1");
  if (!server) throw new PortInUseError(port, what, hint);
  await new Promise((resolve) => server.close(resolve));
}

/** A port the system considers free right now (for tests). */
export async function freePort(): Promise<number> {
  const server = (await tryListen(0, "127.0.0.1"))!;
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== "object" || address === null) throw new Error("no port assigned");
  return address.port;
}
