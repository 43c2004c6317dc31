/** The accessor of the component's one ComponentAuthority, named by the component appid. */
import type { Env } from "../env";
import type { ComponentAuthority } from "./component-authority";

export function componentAuthority(env: Pick<Env, "COMPONENT_AUTHORITY">, componentAppId: string) {
  const namespace = env.COMPONENT_AUTHORITY as DurableObjectNamespace<ComponentAuthority>;
  return namespace.get(namespace.idFromName(componentAppId));
}
