/**
 * The shape of one fake endpoint and the helpers that answer the way WeChat does.
 *
 * To add an area (menus, QR codes, messages, ...), write `endpoints/<area>.ts` exporting an
 * `Endpoint[]` and add it to the table in `endpoints/index.ts`.
 */
import type { FakeWeChat } from "../fake.ts";

export interface EndpointContext {
  request: Request;
  url: URL;
  query: URLSearchParams;
  /** The parsed JSON body of a POST (the fake refuses non-JSON bodies with 47001 before this). */
  body: unknown;
  /** For endpoints with `auth: true`: the appid the presented access_token belongs to. */
  appid: string;
  /** The fake's clock, epoch ms. */
  now: number;
  /** The caller's IP as WeChat would see it. */
  clientIp: string;
  fake: FakeWeChat;
}

/** A JSON object answered with HTTP 200, or a whole Response (e.g. a binary body). */
export type EndpointAnswer = Response | Record<string, unknown>;

export interface Endpoint {
  method: "GET" | "POST";
  path: string;
  /** Requires a valid access_token in the query (41001 / 40014 / 40001 / 42001 otherwise). */
  auth: boolean;
  /** POST endpoints whose body is not JSON (e.g. multipart media uploads). */
  rawBody?: boolean;
  handle(context: EndpointContext): EndpointAnswer | Promise<EndpointAnswer>;
}

/** An errcode answer, thrown from a handler: the fake turns it into WeChat's JSON. */
export class WeChatFault extends Error {
  readonly errcode: number;
  readonly errmsg: string;

  constructor(errcode: number, errmsg: string) {
    super(`${errcode} ${errmsg}`);
    this.errcode = errcode;
    this.errmsg = errmsg;
  }
}

/** WeChat's request id, appended to every errmsg ("... rid: 6746a7d4-3b7e5c1a-4c2f9b11"). */
export function rid(): string {
  const part = () =>
    Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) =>
      b.toString(16).padStart(2, "0"),
    ).join("");
  return `${part()}-${part()}-${part()}`;
}

/** `{"errcode":…,"errmsg":"… rid: …"}` with HTTP 200, as WeChat sends errors. */
export function errorAnswer(errcode: number, errmsg: string): Response {
  return jsonAnswer({ errcode, errmsg: `${errmsg} rid: ${rid()}` });
}

type RawJson = { rawJSON?: (text: string) => unknown };

/**
 * A JSON integer beyond 2^53 exactly as WeChat sends it (msgid, msg_id, msg_data_id), for use in
 * an answer object: `{ msgid: bigId("3147483649123456789") }`.
 */
export function bigId(digits: string): unknown {
  if (!/^\d+$/.test(digits)) throw new Error("bigId takes decimal digits");
  const rawJSON = (JSON as unknown as RawJson).rawJSON;
  if (!rawJSON) throw new Error("JSON.rawJSON is not available in this runtime");
  return rawJSON(digits);
}

export function jsonAnswer(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; encoding=utf-8" },
  });
}

/** A random string from WeChat's token alphabet. */
export function randomToken(length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  return Array.from(crypto.getRandomValues(new Uint8Array(length)), (b) => alphabet[b % 64]).join(
    "",
  );
}

export function requireString(value: unknown, errcode: number, errmsg: string): string {
  if (typeof value !== "string" || value === "") throw new WeChatFault(errcode, errmsg);
  return value;
}
