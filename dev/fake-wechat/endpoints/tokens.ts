/**
 * /cgi-bin/token (classic) and /cgi-bin/stable_token, with WeChat's checks and errcodes:
 * 40002 bad grant_type, 41002/41004 missing appid/secret, 40013 unknown appid, 40125 wrong
 * secret, 40164 caller IP not whitelisted, 45009 daily quota, 45011 force_refresh too soon.
 */
import type { FakeWeChat } from "../fake.ts";
import { requireString, WeChatFault, type Endpoint, type EndpointContext } from "./types.ts";

const DAY_MS = 86_400_000;

function checkAccount(fake: FakeWeChat, appid: unknown, secret: unknown, clientIp: string): string {
  const id = requireString(appid, 41002, "appid missing");
  const key = requireString(secret, 41004, "appsecret missing");
  const expected = fake.accounts.get(id);
  if (expected === undefined) throw new WeChatFault(40013, "invalid appid");
  if (expected !== key) throw new WeChatFault(40125, "invalid appsecret");
  if (fake.ipWhitelist && !fake.ipWhitelist.includes(clientIp)) {
    throw new WeChatFault(
      40164,
      `invalid ip ${clientIp} ipv6 ::ffff:${clientIp}, not in whitelist`,
    );
  }
  return id;
}

function countDaily(fake: FakeWeChat, key: string, limit: number, now: number) {
  if (!fake.useQuota(key, now, limit))
    throw new WeChatFault(45009, "reach max api daily quota limit");
}

const classicToken: Endpoint = {
  method: "GET",
  path: "/cgi-bin/token",
  auth: false,
  handle({ query, fake, now, clientIp }: EndpointContext) {
    if (query.get("grant_type") !== "client_credential") {
      throw new WeChatFault(40002, "invalid grant_type");
    }
    const appid = checkAccount(fake, query.get("appid"), query.get("secret"), clientIp);
    countDaily(fake, `token:${appid}`, fake.quotas.token, now);
    const token = fake.credentials.issue(appid, "classic", now);
    return { access_token: token.value, expires_in: Math.floor((token.expiresAt - now) / 1000) };
  },
};

const stableToken: Endpoint = {
  method: "POST",
  path: "/cgi-bin/stable_token",
  auth: false,
  handle({ body, fake, now, clientIp }: EndpointContext) {
    const request = (body ?? {}) as Record<string, unknown>;
    if (request.grant_type !== "client_credential")
      throw new WeChatFault(40002, "invalid grant_type");
    const appid = checkAccount(fake, request.appid, request.secret, clientIp);
    countDaily(fake, `stable_token:${appid}`, fake.quotas.stableToken, now);
    let token;
    if (request.force_refresh === true) {
      const recent = (fake.credentials.forceRefreshes.get(appid) ?? []).filter(
        (at) => now - at < DAY_MS,
      );
      if (recent.length >= fake.quotas.forceRefresh) {
        throw new WeChatFault(45009, "reach max api daily quota limit");
      }
      const last = recent.at(-1);
      if (last !== undefined && now - last < 30_000) {
        throw new WeChatFault(45011, "api minute-quota reach limit  mustslower  retry next minute");
      }
      token = fake.credentials.forceStable(appid, now);
    } else {
      token = fake.credentials.stable(appid, now);
    }
    return { access_token: token.value, expires_in: Math.floor((token.expiresAt - now) / 1000) };
  },
};

export const tokenEndpoints: Endpoint[] = [classicToken, stableToken];
