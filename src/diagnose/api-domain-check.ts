/**
 * get_api_domain_ip: the cheapest call that proves the Worker reaches WeChat's API with a valid
 * token (the same call as /admin/check).
 */
import type { WeChatApiClient } from "../wechat/api/client";
import { getApiDomainIps } from "../wechat/api/openapi";
import { outcome, type CheckOutcome } from "./problem";

export async function apiDomainCheck(client: WeChatApiClient): Promise<CheckOutcome> {
  const started = Date.now();
  const ips = await getApiDomainIps(client);
  return outcome({
    reachable: true,
    duration_ms: Date.now() - started,
    api_domain_ips: ips.length,
  });
}
