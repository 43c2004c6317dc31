/**
 * callback/check (网络检测): whether WeChat can resolve the callback URL's domain and ping its
 * IPs, from the operator WeChat picks by the IP (DEFAULT). WeChat sends one ping per IP, so each
 * is 0% or 100% lost; one lost ping is noise, all lost is worth a look.
 */
import type { WeChatApiClient } from "../wechat/api/client";
import { WeChatApiError } from "../wechat/api/errors";
import { checkCallback } from "../wechat/api/openapi";
import { outcome, type CheckOutcome, type Problem } from "./problem";

export async function callbackCheck(client: WeChatApiClient): Promise<CheckOutcome> {
  let result;
  try {
    result = await checkCallback(client, "all", "DEFAULT");
  } catch (error) {
    if (error instanceof WeChatApiError && error.errcode === 40201) {
      return outcome({ callback_url: "not set" }, [
        {
          what: "No callback URL is set for the account (errcode 40201)",
          why: "WeChat has no server URL to push messages and events to.",
          fix: "In the MP console (设置与开发 → 基本配置 → 服务器配置) set the URL to https://<your-domain>/wechat, the Token to WECHAT_TOKEN, and enable it.",
          errcode: 40201,
        },
      ]);
    }
    throw error;
  }
  const problems: Problem[] = [];
  if (result.dns.length === 0) {
    problems.push({
      what: "WeChat cannot resolve the callback URL's domain",
      why: "callback/check found no IP for the domain of the server URL set in the MP console.",
      fix: "Check the domain's DNS (the Worker's custom domain or route) and the URL in the MP console.",
    });
  }
  const lost = result.ping.filter((ping) => ping.package_loss !== "0%");
  if (result.ping.length > 0 && lost.length === result.ping.length) {
    problems.push({
      what: "WeChat cannot reach any of the callback's IPs",
      why: `Every ping from WeChat (${lost.map((ping) => `${ping.ip} from ${ping.from_operator}`).join(", ")}) was lost.`,
      fix: "If pushes also fail, check the domain points at the Worker and no firewall drops WeChat's servers (GET /cgi-bin/getcallbackip lists them).",
    });
  }
  return outcome(
    {
      dns: result.dns.map((entry) => ({ ip: entry.ip, operator: entry.real_operator })),
      ping: result.ping.map((entry) => ({
        ip: entry.ip,
        from: entry.from_operator,
        loss: entry.package_loss,
        time: entry.time,
      })),
    },
    problems,
  );
}
