/**
 * The PUBLISHJOBFINISH push tied to the freepublish/submit it answers.
 *
 * `freepublish/submit` answers a publish_id and nothing more; WeChat pushes PUBLISHJOBFINISH
 * (the article_id, every article's URL, or the indexes that failed) to the callback when the job
 * ends. `publishJobHook` (a push hook, plugged in by createWorker) keeps that push under
 * `publish:<appid>:<publish_id>` so `GET /admin/publish/:publish_id` can add it to what
 * freepublish/get says.
 *
 * Why KV (TOKEN_CACHE), with a TTL: it is the only KV namespace the Worker has, and this record
 * fits KV's shape: written once per publish (WeChat's re-deliveries carry the same content, so a
 * second write is harmless and needs no compare-and-set), read rarely, by an operator. KV's
 * eventual consistency costs at most a read that does not see the event yet; freepublish/get
 * stays the authority on the status, the event only adds detail. The TTL keeps the namespace from
 * filling with old publishes (freepublish/batchget and getarticle still reach them). The hook
 * runs through `waitUntil` after the push is answered: every failure is logged and swallowed.
 */
import type { WeChatConfig } from "../config";
import type { Env } from "../env";
import { describeError, log } from "../log";
import type { InboundMessage, PublishJobFinishEvent } from "../wechat/message";

/** How long a publish's event is kept: 30 days. */
export const PUBLISH_EVENT_TTL_SECONDS = 30 * 86_400;

/** What the push said, as kept. */
export interface PublishEventRecord {
  publish_id: string;
  publish_status: number;
  article_id?: string;
  articles: { idx: number; article_url: string }[];
  fail_idx: number[];
  /** When the Worker received the push (ISO 8601). */
  received_at: string;
}

export function publishEventKey(appId: string, publishId: string): string {
  return `publish:${appId}:${publishId}`;
}

function recordOf(event: PublishJobFinishEvent): PublishEventRecord {
  return {
    publish_id: event.publishId,
    publish_status: event.publishStatus,
    ...(event.articleId ? { article_id: event.articleId } : {}),
    articles: event.articles.map((a) => ({ idx: a.idx, article_url: a.articleUrl })),
    fail_idx: event.failIdx,
    received_at: new Date().toISOString(),
  };
}

/**
 * Keeps a PUBLISHJOBFINISH push for its publish_id under the account the push came for (the
 * callback's account view); leaves every other push alone.
 */
export function publishJobHook(
  message: InboundMessage,
  env: Env,
  account: WeChatConfig,
): Promise<void> | undefined {
  if (message.msgType !== "event" || message.event !== "PUBLISHJOBFINISH") return undefined;
  if (!account.appId || !env.TOKEN_CACHE) return undefined;
  if (!/^\d{1,20}$/.test(message.publishId)) {
    log.warn("publish.event.ignored", { reason: "publish_id is not a decimal id" });
    return undefined;
  }
  return keep(env.TOKEN_CACHE, account.appId, recordOf(message));
}

async function keep(kv: KVNamespace, appId: string, record: PublishEventRecord): Promise<void> {
  try {
    await kv.put(publishEventKey(appId, record.publish_id), JSON.stringify(record), {
      expirationTtl: PUBLISH_EVENT_TTL_SECONDS,
    });
    log.info("publish.event.kept", {
      publish_id: record.publish_id,
      publish_status: record.publish_status,
    });
  } catch (error) {
    log.warn("publish.event.failed", { error: describeError(error) });
  }
}

/** The kept event for `publishId`, or undefined when none arrived (or it expired). */
export async function readPublishEvent(
  kv: KVNamespace,
  appId: string,
  publishId: string,
): Promise<PublishEventRecord | undefined> {
  const value = await kv.get<PublishEventRecord>(publishEventKey(appId, publishId), "json");
  return value ?? undefined;
}
