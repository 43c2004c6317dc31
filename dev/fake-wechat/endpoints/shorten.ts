/**
 * 短key托管: /cgi-bin/shorten/{gen,fetch}. gen: 47003 without long_data, 9410010 long_data over
 * 4 KB, 9410011 expire_seconds over 2,592,000 (30 days, also the default); the key is 15 base62
 * characters. fetch: 9410012 for a key that is unknown, expired or another account's; the answer
 * carries create_time and the seconds left.
 */
import type { FakeWeChat } from "../fake.ts";
import { WeChatFault, type Endpoint } from "./types.ts";

interface ShortKey {
  appid: string;
  longData: string;
  createdAt: number;
  expireSeconds: number;
}

const keys = new WeakMap<FakeWeChat, Map<string, ShortKey>>();

function keyStore(fake: FakeWeChat) {
  let store = keys.get(fake);
  if (!store) keys.set(fake, (store = new Map()));
  return store;
}

const BASE62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const MAX_EXPIRE = 2_592_000;

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new WeChatFault(47001, "data format error");
  }
  return body as Record<string, unknown>;
}

const gen: Endpoint = {
  method: "POST",
  path: "/cgi-bin/shorten/gen",
  auth: true,
  handle({ body, fake, appid, now }) {
    const b = objectBody(body);
    if (typeof b.long_data !== "string" || b.long_data === "") {
      throw new WeChatFault(47003, "argument invalid! long_data");
    }
    if (new TextEncoder().encode(b.long_data).length > 4096) {
      throw new WeChatFault(9410010, "long_data size out of limit");
    }
    const expire = b.expire_seconds ?? MAX_EXPIRE;
    if (
      typeof expire !== "number" ||
      !Number.isInteger(expire) ||
      expire < 0 ||
      expire > MAX_EXPIRE
    ) {
      throw new WeChatFault(9410011, "expire_seconds out of limit");
    }
    const key = Array.from(crypto.getRandomValues(new Uint8Array(15)), (n) => BASE62[n % 62]).join(
      "",
    );
    keyStore(fake).set(key, {
      appid,
      longData: b.long_data,
      createdAt: now,
      expireSeconds: expire,
    });
    return { errcode: 0, errmsg: "ok", short_key: key };
  },
};

const fetchKey: Endpoint = {
  method: "POST",
  path: "/cgi-bin/shorten/fetch",
  auth: true,
  handle({ body, fake, appid, now }) {
    const key = objectBody(body).short_key;
    const stored = typeof key === "string" ? keyStore(fake).get(key) : undefined;
    const left = stored ? stored.expireSeconds - Math.floor((now - stored.createdAt) / 1000) : 0;
    if (!stored || stored.appid !== appid || left <= 0) {
      throw new WeChatFault(9410012, "short_key not exist or expired");
    }
    return {
      errcode: 0,
      errmsg: "ok",
      long_data: stored.longData,
      create_time: Math.floor(stored.createdAt / 1000),
      expire_seconds: left,
    };
  },
};

export const shortenEndpoints: Endpoint[] = [gen, fetchKey];
