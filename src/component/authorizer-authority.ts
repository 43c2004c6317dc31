/**
 * AuthorizerAuthority: one Durable Object per authoriser (授权方) appid, the only writer of its
 * authorizer_access_token and the keeper of its authorizer_refresh_token, sealed at rest
 * (sealed-token.ts). The single-writer rules are the keeper's (credential-keeper.ts).
 *
 * Scale without a scan: each object sets its own alarm ahead of its token's expiry, moved earlier
 * by a random jitter so that thousands authorised in the same minute do not refresh in the same
 * second, and only while the token is in use: an alarm that finds the token unused since its
 * last refresh lets it lapse and sets no other, so an idle account costs nothing until its next
 * caller, who waits for one fetch. Nothing lists or wakes all authorisers.
 *
 * Revocation: an `unauthorized` push, or 61003 / 61023 from api_authorizer_token, marks the
 * authoriser inactive: the token is dropped, the alarm deleted, callers get the reason, and no
 * refresh happens until a new authorisation installs a new refresh token.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { log } from "../log";
import type { LeaseResult } from "../token";
import type { IssuedCredential } from "../wechat/api/credentials";
import { isTokenRejected, WeChatApiError } from "../wechat/api/errors";
import { fetchAuthorizerAccessToken, getAuthorizerInfo } from "./component-api";
import { componentAuthority } from "./component-stub";
import { componentTransport } from "./component-transport";
import { CredentialKeeper, CredentialUnavailable } from "./credential-keeper";
import { openRefreshToken, sealRefreshToken } from "./sealed-token";
import { loadComponentSettings, settingsReason, type ComponentSettings } from "./settings";

const REFRESH_MARGIN_SECONDS = 300;
/** Alarms are spread over this much time before the refresh rule's moment. */
const JITTER_SPREAD_MS = 10 * 60_000;
/** WeChat's answers that mean the authorisation is gone ("component is not authorized by this account", "refresh_token is invalid"). */
const REVOKED_ERRCODES = new Set([61003, 61023]);

interface AuthorizerRecord {
  appid: string;
  active: boolean;
  permissions: number[];
  /** The refresh token, sealed (never stored or returned in the clear). */
  sealedRefreshToken: string;
  authorizedAt: number;
  inactiveReason?: string;
}

/** What `describe` answers: the authoriser's state, never a token. */
export interface AuthorizerView {
  appid: string;
  active: boolean;
  permissions: number[];
  authorizedAt: number;
  inactiveReason?: string;
  tokenExpiresAt?: number;
  tokenRefreshedAt?: number;
  consecutiveFailures: number;
  lastFailure?: string;
}

export interface AuthorizerInstall {
  appid: string;
  refreshToken: string;
  permissions: readonly number[];
  /** The authorizer_access_token api_query_auth handed out with the refresh token, if any. */
  accessToken?: IssuedCredential;
}

export type ForcedRefresh =
  { ok: true; expiresAt: number } | { ok: false; reason: string; errcode?: number };

const RECORD_KEY = "authorizer";
const SERVED_KEY = "lastServedAt";

export class AuthorizerAuthority extends DurableObject<Env> {
  #record: AuthorizerRecord | undefined;
  /** When a caller last got the token (epoch ms): an alarm refreshes only a token in use. */
  #lastServedAt = 0;
  #alarmAt: number | null = null;
  readonly #keeper: CredentialKeeper;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#keeper = new CredentialKeeper({
      name: "authorizer_access_token",
      storage: ctx.storage,
      marginSeconds: REFRESH_MARGIN_SECONDS,
      fetch: () => this.#fetchToken(),
      changed: () => this.#scheduleAlarm(),
    });
    void ctx.blockConcurrencyWhile(async () => {
      this.#record = await ctx.storage.get<AuthorizerRecord>(RECORD_KEY);
      this.#lastServedAt = (await ctx.storage.get<number>(SERVED_KEY)) ?? 0;
      this.#alarmAt = await ctx.storage.getAlarm();
      await this.#keeper.load();
    });
  }

  /** Registers (or re-registers) the authorisation: active, with this refresh token. */
  async install(install: AuthorizerInstall): Promise<AuthorizerView> {
    const settings = requireSettings(this.env);
    this.#record = {
      appid: install.appid,
      active: true,
      permissions: [...install.permissions],
      sealedRefreshToken: await sealRefreshToken(settings, install.appid, install.refreshToken),
      authorizedAt: Date.now(),
    };
    await this.ctx.storage.put(RECORD_KEY, this.#record);
    await this.#keeper.clear();
    if (install.accessToken) await this.#keeper.adopt(install.accessToken);
    return this.describe()!;
  }

  /** The authoriser's state; undefined when this appid never authorised the component. */
  describe(): AuthorizerView | undefined {
    const record = this.#record;
    if (!record) return undefined;
    const token = this.#keeper.record;
    const state = this.#keeper.state;
    const lastFailure = state.recentFailures.at(-1)?.reason;
    return {
      appid: record.appid,
      active: record.active,
      permissions: record.permissions,
      authorizedAt: record.authorizedAt,
      ...(record.inactiveReason ? { inactiveReason: record.inactiveReason } : {}),
      ...(token && record.active
        ? { tokenExpiresAt: token.expiresAt, tokenRefreshedAt: token.refreshedAt }
        : {}),
      consecutiveFailures: state.consecutiveFailures,
      ...(lastFailure ? { lastFailure } : {}),
    };
  }

  /** The authorizer_access_token, refreshed by the rule; the reason when there is none. */
  async getAccessToken(): Promise<LeaseResult> {
    const refused = this.#refusal();
    if (refused) return refused;
    const result = await this.#keeper.serve();
    if (result.ok) await this.#noteServed();
    return result;
  }

  /** Compare-and-expire: WeChat rejected `rejected` (40001, 40014, 42001). */
  async replaceRejectedAccessToken(rejected: string): Promise<LeaseResult> {
    const refused = this.#refusal();
    if (refused) return refused;
    const result = await this.#keeper.replaceRejected(rejected);
    if (result.ok) await this.#noteServed();
    return result;
  }

  /** The admin's forced refresh: a new token now, whatever the rule says (backoff still applies). */
  async forceRefresh(): Promise<ForcedRefresh> {
    const result = this.#refusal() ?? (await this.#keeper.refresh("forced"));
    // The admin learns whether it worked and until when; never the token itself.
    return result.ok
      ? { ok: true, expiresAt: result.lease.expiresAt }
      : {
          ok: false,
          reason: result.reason,
          ...(result.upstream ? { errcode: result.upstream.errcode } : {}),
        };
  }

  /** Marks the authorisation revoked: no token, no refresh, no alarm, until a new install. */
  async deactivate(reason: string): Promise<AuthorizerView | undefined> {
    if (!this.#record) return undefined;
    this.#record = { ...this.#record, active: false, inactiveReason: reason };
    await this.ctx.storage.put(RECORD_KEY, this.#record);
    await this.#keeper.clear();
    await this.ctx.storage.deleteAlarm();
    this.#alarmAt = null;
    log.warn("component.authorizer_inactive", { appid: this.#record.appid, reason });
    return this.describe();
  }

  /** Forgets everything about this authoriser. */
  async remove(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    await this.#keeper.clear();
    this.#record = undefined;
    this.#lastServedAt = 0;
    this.#alarmAt = null;
  }

  override async alarm(): Promise<void> {
    this.#alarmAt = null;
    if (!this.#record?.active || loadComponentSettings(this.env).kind !== "on") return;
    const token = this.#keeper.record;
    const failing = this.#keeper.state.consecutiveFailures > 0;
    // Unused since its last refresh: let it lapse; the next caller fetches one.
    if (token && !failing && this.#lastServedAt < token.refreshedAt) return;
    // The alarm was set up to the jitter's spread ahead of the rule's time: refresh now, or the
    // alarms would only be spread to be put off until the rule's time, all in the same second.
    await this.#keeper.onAlarm(JITTER_SPREAD_MS);
    await this.#scheduleAlarm();
  }

  #refusal(): LeaseResult | undefined {
    const settings = loadComponentSettings(this.env);
    if (settings.kind !== "on") return unavailable(settingsReason(settings));
    if (!this.#record) return unavailable("this appid has not authorised the 第三方平台");
    if (!this.#record.active) {
      return unavailable(
        `the authorisation was revoked (${this.#record.inactiveReason ?? "inactive"}): the account must authorise again`,
      );
    }
    return undefined;
  }

  async #noteServed(): Promise<void> {
    const now = Date.now();
    // One write per token lifetime is enough to tell "in use" from "idle".
    const token = this.#keeper.record;
    if (token && this.#lastServedAt >= token.refreshedAt && this.#alarmAt !== null) return;
    this.#lastServedAt = now;
    await this.ctx.storage.put(SERVED_KEY, now);
    if (this.#alarmAt === null) await this.#scheduleAlarm();
  }

  async #fetchToken(): Promise<IssuedCredential> {
    const settings = requireSettings(this.env);
    const record = this.#record;
    const refused = this.#refusal();
    if (refused && !refused.ok) throw new CredentialUnavailable(refused.reason);
    if (!record) throw new CredentialUnavailable("this appid has not authorised the 第三方平台");
    const { transport, credentialTimeoutMs } = componentTransport(this.env, settings);
    const component = componentAuthority(this.env, settings.componentAppId);
    const withComponentToken = async <T>(call: (token: string) => Promise<T>): Promise<T> => {
      const lease = await component.getComponentAccessToken();
      if (!lease.ok) throw new CredentialUnavailable(lease.reason);
      try {
        return await call(lease.lease.value);
      } catch (error) {
        if (!(error instanceof WeChatApiError) || !isTokenRejected(error.errcode)) throw error;
        const replaced = await component.replaceRejectedComponentToken(lease.lease.value);
        if (!replaced.ok) throw new CredentialUnavailable(replaced.reason);
        return call(replaced.lease.value);
      }
    };

    try {
      const refreshToken =
        (await openRefreshToken(settings, record.appid, record.sealedRefreshToken)) ??
        (await this.#recoverRefreshToken(settings, withComponentToken));
      const answer = await withComponentToken((token) =>
        fetchAuthorizerAccessToken(
          transport,
          token,
          {
            componentAppId: settings.componentAppId,
            authorizerAppId: record.appid,
            refreshToken,
          },
          credentialTimeoutMs,
        ),
      );
      if (answer.refreshToken && answer.refreshToken !== refreshToken) {
        await this.#storeRefreshToken(settings, answer.refreshToken);
        log.info("component.refresh_token_rotated", { appid: record.appid });
      }
      return answer.issued;
    } catch (error) {
      if (error instanceof WeChatApiError && REVOKED_ERRCODES.has(error.errcode)) {
        const reason = `WeChat answered errcode ${error.errcode} (${error.errcode === 61003 ? "component is not authorized by this account" : "refresh_token is invalid"})`;
        await this.deactivate(reason);
        await component.markInactive(record.appid, reason);
        throw new CredentialUnavailable(
          `the authorisation was revoked (${reason}): the account must authorise again`,
        );
      }
      throw error;
    }
  }

  /**
   * The sealed refresh token does not open (the component's secrets were rotated): WeChat hands
   * it out again in api_get_authorizer_info, so reseal it under the new key.
   */
  async #recoverRefreshToken(
    settings: ComponentSettings,
    withComponentToken: <T>(call: (token: string) => Promise<T>) => Promise<T>,
  ): Promise<string> {
    const { transport } = componentTransport(this.env, settings);
    const info = await withComponentToken((token) =>
      getAuthorizerInfo(transport, token, {
        componentAppId: settings.componentAppId,
        authorizerAppId: this.#record!.appid,
      }),
    );
    const refreshToken = info.authorization.refreshToken;
    if (!refreshToken) {
      throw new CredentialUnavailable(
        "the stored refresh token cannot be opened and WeChat did not hand it out again: the account must authorise again",
      );
    }
    await this.#storeRefreshToken(settings, refreshToken);
    log.warn("component.refresh_token_recovered", { appid: this.#record!.appid });
    return refreshToken;
  }

  async #storeRefreshToken(settings: ComponentSettings, refreshToken: string): Promise<void> {
    const record = this.#record!;
    this.#record = {
      ...record,
      sealedRefreshToken: await sealRefreshToken(settings, record.appid, refreshToken),
    };
    await this.ctx.storage.put(RECORD_KEY, this.#record);
  }

  async #scheduleAlarm(): Promise<void> {
    if (!this.#record?.active) return;
    const next = this.#keeper.nextDueAt(Math.floor(Math.random() * JITTER_SPREAD_MS));
    if (next === undefined) return;
    const at = Math.max(next, Date.now() + 100);
    await this.ctx.storage.setAlarm(at);
    this.#alarmAt = at;
  }
}

function requireSettings(env: Env): ComponentSettings {
  const settings = loadComponentSettings(env);
  if (settings.kind !== "on") throw new CredentialUnavailable(settingsReason(settings));
  return settings.settings;
}

function unavailable(reason: string): LeaseResult {
  return { ok: false, reason, retryAfterSeconds: 0 };
}
