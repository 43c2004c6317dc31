/**
 * The deployed Worker: the framework around the demo bot. To run your own bot, build a
 * WeChatRouter<BotContext> (see src/bot/parrot.ts) and pass it to createWorker instead.
 */
import { parrot } from "./bot/parrot";
import { createWorker } from "./worker";

export { PushLedger } from "./dedupe/push-ledger";
export { TokenAuthority } from "./token/authority";
export { QrTicketIssuer } from "./qr/ticket-issuer";
export { QrScanStats } from "./qr/scan-stats";

export default createWorker(parrot);
