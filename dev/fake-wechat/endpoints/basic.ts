/** /cgi-bin/get_api_domain_ip (the cheap call /admin/check uses) and /cgi-bin/ticket/getticket. */
import { WeChatFault, type Endpoint } from "./types.ts";

const apiDomainIp: Endpoint = {
  method: "GET",
  path: "/cgi-bin/get_api_domain_ip",
  auth: true,
  handle: () => ({ ip_list: ["101.89.47.18", "101.91.34.103", "240e:e1:a900:50::40"] }),
};

const getTicket: Endpoint = {
  method: "GET",
  path: "/cgi-bin/ticket/getticket",
  auth: true,
  handle({ query, appid, fake, now }) {
    const type = query.get("type");
    if (type !== "jsapi" && type !== "wx_card") throw new WeChatFault(40097, "invalid args");
    if (!fake.useQuota(`getticket:${appid}`, now, fake.quotas.getticket)) {
      throw new WeChatFault(45009, "reach max api daily quota limit");
    }
    const ticket = fake.credentials.ticket(appid, now);
    return {
      errcode: 0,
      errmsg: "ok",
      ticket: ticket.value,
      expires_in: Math.floor((ticket.expiresAt - now) / 1000),
    };
  },
};

export const basicEndpoints: Endpoint[] = [apiDomainIp, getTicket];
