/**
 * What the rest of the Worker asks about authorisers (the seam for `/wechat/<appid>` and the
 * account view): is this appid an authoriser, where does its access_token come from, and with
 * which token and key are its pushes signed and encrypted.
 */
import type { Env } from "../env";
import { missingBinding, SURFACE_BINDINGS } from "../bindings";
import { TokenUnavailableError, type LeaseResult } from "../token";
import type { AccessTokenSource } from "../wechat/api/client";
import type { AuthorizerView } from "./authorizer-authority";
import { authorizerAuthority } from "./authorizer-stub";
import { loadComponentSettings } from "./settings";

function componentReady(env: Env): boolean {
  return (
    loadComponentSettings(env).kind === "on" &&
    missingBinding(env, SURFACE_BINDINGS.component) === undefined
  );
}

/** Known authorisers, per isolate: the push path asks for every push. */
const recent = new Map<string, { view: AuthorizerView; until: number }>();
const RECENT_MS = 15_000;
const RECENT_MAX = 1000;

/**
 * The authoriser `appid` as its authority knows it, or undefined when the component is off, its
 * bindings are missing, or this appid never authorised it. `active: false` means revoked.
 *
 * On the push path: verify the push's signature with `componentPushKeys(env)` first, so that an
 * unsigned request costs no Durable Object call. An authoriser found is remembered in the
 * isolate for a few seconds, so a revocation seen by another isolate may take that long to show
 * here (its token source refuses at once); an appid not found is asked again every time.
 */
export async function findAuthorizer(env: Env, appid: string): Promise<AuthorizerView | undefined> {
  if (!/^wx[0-9a-f]{16}$/.test(appid) || !componentReady(env)) return undefined;
  const now = Date.now();
  const known = recent.get(appid);
  if (known && known.until > now) return known.view;
  const view = await authorizerAuthority(env, appid).describe();
  if (view) {
    if (recent.size >= RECENT_MAX) recent.clear();
    recent.set(appid, { view, until: now + RECENT_MS });
  } else {
    recent.delete(appid);
  }
  return view;
}

/** Forgets what this isolate remembers of `appid`: its state was just changed from here. */
export function forgetAuthorizer(appid: string): void {
  recent.delete(appid);
}

function unwrap(result: LeaseResult): string {
  if (!result.ok) throw new TokenUnavailableError(result);
  return result.lease.value;
}

/**
 * The access_token source of an authoriser, for `new WeChatApiClient({ ..., tokens })`: its
 * authorizer_access_token from its AuthorizerAuthority, with compare-and-expire on rejection.
 * Throws `TokenUnavailableError` (the reason: not authorised, revoked, no ticket yet, WeChat
 * failing), as the account's own token source does.
 */
export function authorizerTokenSource(env: Env, appid: string): AccessTokenSource {
  const authority = () => {
    if (!componentReady(env)) {
      throw new TokenUnavailableError({
        ok: false,
        reason: "the 第三方平台 is not configured (WECHAT_COMPONENT_APPID and its bindings)",
        retryAfterSeconds: 0,
      });
    }
    return authorizerAuthority(env, appid);
  };
  return {
    accessToken: async () => unwrap(await authority().getAccessToken()),
    replaceRejected: async (rejected) =>
      unwrap(await authority().replaceRejectedAccessToken(rejected)),
  };
}

/** How an authoriser's pushes are signed and encrypted: with the component's token and key. */
export interface ComponentPushKeys {
  /** The receive-id inside every encrypted push to an authoriser: the component appid. */
  componentAppId: string;
  token: string;
  encodingAESKey: string;
}

/** The component's token and key, or undefined when the component is off or misconfigured. */
export function componentPushKeys(env: Env): ComponentPushKeys | undefined {
  const loaded = loadComponentSettings(env);
  if (loaded.kind !== "on") return undefined;
  const { componentAppId, token, encodingAESKey } = loaded.settings;
  return { componentAppId, token, encodingAESKey };
}
