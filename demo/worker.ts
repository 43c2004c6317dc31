/**
 * This repository's own Worker, built exactly as a user builds theirs: the demo bot around the
 * public entry point, and the Durable Object classes wrangler.toml binds, re-exported.
 */
import { createWorker } from "../src/index";
import { parrot } from "./parrot";

export { PushLedger, QrScanStats, QrTicketIssuer, TokenAuthority } from "../src/index";

export default createWorker(parrot);
