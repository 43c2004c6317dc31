/**
 * Issue 18's figure: a storm of 200 callers spread over 100 authorisers of a 第三方平台
 * (open platform component), each authoriser's token held by its own Durable Object: the time
 * until every caller is served and the upstream calls (`api_authorizer_token`, and
 * `api_component_token` once), which must be one per authoriser.
 *
 * This is the place for it. It runs only once the component (src/component/, with its authoriser
 * token Durable Object bound in wrangler.toml) exists; until then the report says why not.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_DIR } from "./build";

export type ComponentStormResult =
  | { ran: false; reason: string }
  | {
      ran: true;
      callers: number;
      authorisers: number;
      allServedMs: number;
      upstreamAuthoriserTokenCalls: number;
      upstreamComponentTokenCalls: number;
      failures: number;
    };

export const COMPONENT_STORM = { callers: 200, authorisers: 100 } as const;

export async function runComponentStorm(): Promise<ComponentStormResult> {
  const component = join(PROJECT_DIR, "src", "component");
  const wrangler = readFileSync(join(PROJECT_DIR, "wrangler.toml"), "utf8");
  if (!existsSync(component) || !/class_name\s*=\s*"\w*Authori[sz]er\w*"/.test(wrangler)) {
    return {
      ran: false,
      reason:
        "not measured: the open-platform component (src/component/ with an authoriser token " +
        "Durable Object in wrangler.toml, issue 18) has not landed",
    };
  }
  // The component and its AuthorizerAuthority exist, but nothing a caller reaches asks an
  // authoriser's authority for its token yet: no endpoint returns one, and /wechat/<appid> does
  // not resolve authorisers (src/accounts/unlisted-account.ts). Once one does, the storm goes
  // here: start the fake with its component, push a ticket to /component/events, authorise 100
  // appids (/__fake/component/authorize, then the "authorized" event), let their tokens lapse,
  // then 200 callers that each need one of those tokens (two per authoriser) at once, and count
  // api_authorizer_token calls at the fake (one per authoriser is the rule).
  return {
    ran: false,
    reason:
      "not measured yet: src/component/ and its AuthorizerAuthority have landed, but no caller " +
      "path asks an authoriser's authority for its token yet (the storm of " +
      `${COMPONENT_STORM.callers} callers over ${COMPONENT_STORM.authorisers} authorisers waits ` +
      "in bench/lib/component-storm.ts)",
  };
}
