/**
 * The dedupe feature's public face: the PushLedger (the callback's strongly consistent memory),
 * the admission of a push (at most one run per push, across isolates), the replay guard (one use
 * per signature), and what a caller does when the ledger cannot be reached. Other features import
 * this file, never the modules behind it (.dependency-cruiser.cjs).
 */
export type { IsolateMemory } from "./isolate-memory";
export { accountLedger, followerIdIn, ledgerPartition } from "./ledger-instances";
export { ledgerUnavailable } from "./ledger-unavailable";
export { admitPush, CLAIM_AFTER_MS, type PushTicket } from "./push-admission";
export { PushLedger, type HoldOptions } from "./push-ledger";
export { checkSignatureUse, type SignedRequestKind } from "./replay-guard";
