/** Sends late replies through the account's customer-service API. */
import type { WeChatConfig } from "../config";
import type { Env } from "../env";
import type { SendCustomMessage } from "./late-delivery";

export function customMessageSender(_env: Env, _config: WeChatConfig): SendCustomMessage {
  // Wired to the typed API client (token authority) in the next change.
  return () => Promise.reject(new Error("customer-service API client is not available yet"));
}
