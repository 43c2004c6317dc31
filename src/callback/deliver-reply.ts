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
 */
import { loadConfig } from "../config";
import type { Env } from "../env";
import { keptLedger } from "../dedupe";
import { createApiClient } from "../token";
import { sendCustomMessage } from "../wechat/api/custom-service";
import type { Reply } from "../wechat/reply";
import { deliverLate } from "./late-delivery";

export type DeliveryOutcome = "delivered" | "kept";

export async function deliverReply(
  env: Env,
  openid: string,
  reply: Reply,
): Promise<DeliveryOutcome> {
  const config = loadConfig(env);
  if (!config.ok) throw new Error(config.reason);
  const api = createApiClient(env, config.config);
  if (await deliverLate(reply, openid, (message) => sendCustomMessage(api, message))) {
    return "delivered";
  }
  await keptLedger(env).keepReply(openid, reply);
  return "kept";
}
