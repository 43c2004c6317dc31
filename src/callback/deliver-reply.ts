/**
 * Delivering a reply to a follower outside any push, for work that outlives `waitUntil` (about
 * 30 s after the response): a Queue consumer, a Durable Object alarm or a Workflow computes the
 * answer and calls this. It goes out through customer service; when WeChat refuses (48001,
 * 45015, 45047) it is kept and becomes the passive answer to the follower's next message.
 *
 * @example
 * export default {
 *   ...createWorker(bot),
 *   async queue(batch, env) {
 *     for (const job of batch.messages) {
 *       const answer = await slowBackend(job.body.question);
 *       await deliverReply(env, job.body.openid, reply.text(answer));
 *       job.ack();
 *     }
 *   },
 * } satisfies ExportedHandler<Env, Job>;
 *
 * With several accounts, name the follower's account: `deliverReply(env, openid, reply, { appid })`
 * (an openid is only meaningful within its account). Without it, the single account.
 */
import { resolveAccount } from "../accounts";
import { loadConfig, type WeChatConfig } from "../config";
import type { Env } from "../env";
import { accountLedger, followerIdIn, ledgerPartition } from "../dedupe";
import { createApiClient } from "../token";
import { sendCustomMessage } from "../wechat/api/custom-service";
import type { Reply } from "../wechat/reply";
import { deliverLate } from "./late-delivery";

export type DeliveryOutcome = "delivered" | "kept";

export interface DeliverReplyOptions {
  /** The follower's account (`ctx.account.appid`); default: the single account. */
  appid?: string;
}

export async function deliverReply(
  env: Env,
  openid: string,
  reply: Reply,
  options: DeliverReplyOptions = {},
): Promise<DeliveryOutcome> {
  const loaded = loadConfig(env);
  if (!loaded.ok) throw new Error(loaded.reason);
  const account = await accountOf(env, loaded.config, options.appid);
  const api = createApiClient(env, account);
  if (await deliverLate(reply, openid, (message) => sendCustomMessage(api, message))) {
    return "delivered";
  }
  // Kept under the same id the account's pushes look it up by (src/dedupe/push-admission.ts).
  const partition = ledgerPartition(account);
  await accountLedger(env, partition).keepReply(followerIdIn(partition, openid), reply);
  return "kept";
}

async function accountOf(
  env: Env,
  config: WeChatConfig,
  appid: string | undefined,
): Promise<WeChatConfig> {
  if (appid === undefined) return config;
  const account = await resolveAccount(env, config, appid);
  if (!account) throw new Error("no account with this appid is configured here");
  return account;
}
