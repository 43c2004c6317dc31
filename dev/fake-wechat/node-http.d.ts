// The few node:http types serve.ts uses. The project type-checks against Workers' types only
// (no @types/node, whose globals would clash with them); delete this if @types/node is added.
declare module "node:http" {
  export interface IncomingMessage extends AsyncIterable<Uint8Array> {
    method?: string;
    url?: string;
    headers: Record<string, string | string[] | undefined>;
    socket: { remoteAddress?: string };
  }
  export interface ServerResponse {
    writeHead(status: number, headers?: Record<string, string>): this;
    end(body?: Uint8Array | string): void;
    on(event: "close", listener: () => void): this;
  }
  export interface Server {
    close(callback?: () => void): void;
    listen(port: number, host: string, callback: () => void): void;
  }
  export function createServer(
    handler: (request: IncomingMessage, response: ServerResponse) => void,
  ): Server;
}
