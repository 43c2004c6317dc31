/**
 * What a push gets when its handler is still working at the reply budget, per WECHAT_SLOW_REPLY:
 * - customer-service: `success` at once, the reply through customer service (客服消息), else
 *   kept for the follower's next message;
 * - retries: the push is held through WeChat's deliveries (about 0 s, 5 s and 10 s after it was
 *   sent): a delivery is left unanswered so WeChat sends it again, and the delivery during which
 *   the reply is ready carries it passively; at the third delivery's budget, customer service
 *   if the account has it, else a placeholder text and the reply kept for the next message;
 * - auto: customer service until WeChat answers 48001 (the account lacks the permission, as
 *   unverified subscription accounts 订阅号 do), then retries. The 48001 is remembered by the
 *   account's TokenAuthority, so every isolate learns it from one answer; each isolate asks it
 *   at most once a minute, and only for pushes that are slow.
 */
import type { WeChatConfig } from "../config";
import type { Env } from "../env";
import { log } from "../log";
import { tokenAuthority } from "../token";
import { reply, type Reply } from "../wechat/reply";

/**
 * When a held delivery stops taking the reply, and when its request is closed. WeChat gives up on
 * a delivery 5 s after sending it, a second after the default reply budget. A held delivery
 * takes the reply until just before that (so a reply is never handed to a delivery WeChat has
 * left; one that comes later waits in the ledger for the next delivery), and its request is
 * closed only well after it, so nothing is ever said to WeChat while it still listens.
 */
export function holdTimes(arrivedAt: number, budgetMs: number) {
  return { listenUntil: arrivedAt + budgetMs + 800, closeAt: arrivedAt + budgetMs + 4_000 };
}
/** WeChat's deliveries of one push: the first and two re-sends. */
export const LAST_DELIVERY = 3;
const PERMISSION_REFRESH_MS = 60_000;

export interface SlowReplyPolicy {
  /** Whether a push still running at its budget is held through WeChat's retries. */
  holds(): Promise<boolean>;
  /** Whether late replies may go through customer service (else they are kept). */
  customerServiceAllowed(): Promise<boolean>;
  /** WeChat refused a customer-service message with `errcode`. */
  noteRefusal(errcode: number): void;
  placeholder: Reply;
  continueHint: string;
}

const refusedByAccount = new Map<string, { refused: boolean; checkedAt: number }>();

async function customerServiceRefused(env: Env, appId: string | undefined): Promise<boolean> {
  // Without API credentials there is no customer service to send through.
  if (!appId) return true;
  const known = refusedByAccount.get(appId);
  if (known && Date.now() - known.checkedAt < PERMISSION_REFRESH_MS) return known.refused;
  const refused = await tokenAuthority(env, appId)
    .accountPermissions()
    .then((permissions) => permissions["customer-service"]?.allowed === false)
    .catch(() => known?.refused ?? false);
  refusedByAccount.set(appId, { refused, checkedAt: Date.now() });
  return refused;
}

/** Forgets what this isolate learnt of accounts' permissions (tests that reset an account). */
export function forgetAccountPermissions(): void {
  refusedByAccount.clear();
}

export function slowReplyPolicy(
  env: Env,
  config: WeChatConfig,
  waitUntil: (promise: Promise<unknown>) => void,
): SlowReplyPolicy {
  const { slowReply, appId } = config;
  return {
    holds: async () =>
      slowReply === "retries" ||
      (slowReply === "auto" && (await customerServiceRefused(env, appId))),
    customerServiceAllowed: async () =>
      slowReply === "customer-service" || !(await customerServiceRefused(env, appId)),
    noteRefusal(errcode) {
      if (errcode !== 48001 || !appId) return;
      refusedByAccount.set(appId, { refused: true, checkedAt: Date.now() });
      waitUntil(
        tokenAuthority(env, appId)
          .noteRefusal("customer-service", errcode)
          .catch(() => log.error("account.permission_unrecorded", { errcode })),
      );
    },
    placeholder: reply.text(config.slowPlaceholder),
    continueHint: config.continueHint,
  };
}
