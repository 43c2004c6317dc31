/** The accessor of one authoriser's (授权方) AuthorizerAuthority, named by its appid. */
import type { Env } from "../env";
import type { AuthorizerAuthority } from "./authorizer-authority";

export function authorizerAuthority(
  env: Pick<Env, "AUTHORIZER_AUTHORITY">,
  authorizerAppId: string,
) {
  const namespace = env.AUTHORIZER_AUTHORITY as DurableObjectNamespace<AuthorizerAuthority>;
  return namespace.get(namespace.idFromName(authorizerAppId));
}
