/**
 * The fake's credential bookkeeping, strict where WeChat is strict:
 * - classic /cgi-bin/token: every fetch invalidates the previous token at once (WeChat promises a
 *   5-minute overlap, but a correct client must not rely on it; `classicOverlapSeconds` enables it);
 * - stable_token: normal mode returns the same token while it has at least 300 s left, otherwise a
 *   new one (the old stays valid until its own expiry); force_refresh invalidates the old token,
 *   at most 20 a day and 30 s apart; fully isolated from the classic token;
 * - jsapi_ticket: one current ticket per appid, 7200 s.
 */
import { randomToken } from "./endpoints/types.ts";

export type TokenKind = "classic" | "stable";

export interface IssuedToken {
  value: string;
  appid: string;
  kind: TokenKind;
  expiresAt: number;
  /** Set when a newer token or a revocation invalidated it (epoch ms from which it is invalid). */
  invalidFrom?: number;
}

export type TokenCheck =
  { ok: true; token: IssuedToken } | { ok: false; errcode: 40001 | 40014 | 42001 };

const TOKEN_PATTERN = /^\d+_[A-Za-z0-9_-]{100,}$/;

export class CredentialBook {
  readonly tokens = new Map<string, IssuedToken>();
  readonly current = new Map<string, IssuedToken>();
  readonly forceRefreshes = new Map<string, number[]>();
  readonly tickets = new Map<string, { value: string; expiresAt: number }>();
  #serial = 90;

  readonly lifetimeSeconds: number;
  readonly classicOverlapSeconds: number;

  constructor(lifetimeSeconds: number, classicOverlapSeconds: number) {
    this.lifetimeSeconds = lifetimeSeconds;
    this.classicOverlapSeconds = classicOverlapSeconds;
  }

  issue(appid: string, kind: TokenKind, now: number): IssuedToken {
    const previous = this.current.get(`${kind}:${appid}`);
    const token: IssuedToken = {
      value: `${this.#serial++}_${randomToken(140)}`,
      appid,
      kind,
      expiresAt: now + this.lifetimeSeconds * 1000,
    };
    if (previous && kind === "classic" && previous.invalidFrom === undefined) {
      previous.invalidFrom = now + this.classicOverlapSeconds * 1000;
    }
    this.tokens.set(token.value, token);
    this.current.set(`${kind}:${appid}`, token);
    return token;
  }

  /** Normal-mode stable_token: the same token while it has at least 300 s left. */
  stable(appid: string, now: number): IssuedToken {
    const current = this.current.get(`stable:${appid}`);
    if (current && current.invalidFrom === undefined && current.expiresAt - now >= 300_000) {
      return current;
    }
    return this.issue(appid, "stable", now);
  }

  forceStable(appid: string, now: number): IssuedToken {
    const previous = this.current.get(`stable:${appid}`);
    if (previous && previous.invalidFrom === undefined) previous.invalidFrom = now;
    this.forceRefreshes.set(appid, [...(this.forceRefreshes.get(appid) ?? []), now]);
    return this.issue(appid, "stable", now);
  }

  check(value: string | null, now: number): TokenCheck | undefined {
    if (value === null || value === "") return undefined;
    const token = this.tokens.get(value);
    if (!token) return { ok: false, errcode: TOKEN_PATTERN.test(value) ? 40001 : 40014 };
    if (token.invalidFrom !== undefined && now >= token.invalidFrom)
      return { ok: false, errcode: 40001 };
    if (now >= token.expiresAt) return { ok: false, errcode: 42001 };
    return { ok: true, token };
  }

  /** Invalidates the current tokens of an appid (e.g. the secret was reset), or one token. */
  revoke(now: number, value?: string): number {
    let revoked = 0;
    for (const token of this.tokens.values()) {
      if ((value === undefined || token.value === value) && token.invalidFrom === undefined) {
        token.invalidFrom = now;
        revoked++;
      }
    }
    return revoked;
  }

  ticket(appid: string, now: number) {
    const ticket = {
      value: `${randomToken(20)}${randomToken(66)}`,
      expiresAt: now + this.lifetimeSeconds * 1000,
    };
    this.tickets.set(appid, ticket);
    return ticket;
  }
}
