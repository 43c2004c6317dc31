/**
 * 客服帐号管理, read-only: GET /cgi-bin/customservice/getkflist. An account without the
 * customer-service permission (platformState's `customerService` off, as for an unverified
 * subscription account) gets 48001 here as from custom/send; otherwise the account's
 * customer-service staff, of which the fake has none.
 */
import { platformState } from "../platform-state.ts";
import { WeChatFault, type Endpoint } from "./types.ts";

const getKfList: Endpoint = {
  method: "GET",
  path: "/cgi-bin/customservice/getkflist",
  auth: true,
  handle({ fake }) {
    if (!platformState(fake).customerService) throw new WeChatFault(48001, "api unauthorized");
    return { kf_list: [] };
  },
};

export const customServiceEndpoints: Endpoint[] = [getKfList];
