/**
 * What every caller does when the PushLedger cannot be reached: log it and carry on without it.
 * Answering a push that might, rarely, run twice (or a request the replay guard could not check,
 * after its signature and timestamp passed) beats showing the follower "该公众号暂时无法提供服务"
 * for an outage of ours. docs/five-second-window.md and docs/security.md name the log events.
 */
import { describeError, log } from "../log";

/** Which duty of the ledger went undone: deduplication, or the replay guard. */
type LedgerDuty = "dedupe" | "replay-guard";

const EVENT: Record<LedgerDuty, string> = {
  dedupe: "ledger.unavailable",
  "replay-guard": "replay_guard.unavailable",
};

/**
 * Logs the outage and resolves to undefined, so that it serves as a `.catch` handler:
 * `await ledger.claim(key, waitMs).catch(ledgerUnavailable)`.
 */
export function ledgerUnavailable(
  error: unknown,
  duty: LedgerDuty = "dedupe",
  detail: Record<string, number> = {},
): undefined {
  log.error(EVENT[duty], { error: describeError(error), ...detail });
  return undefined;
}
