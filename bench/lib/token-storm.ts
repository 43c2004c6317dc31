/**
 * The token authority under a storm: N cold callers ask for the access_token at once; all must be
 * served, and WeChat's token endpoint must be called exactly once (one TokenAuthority per appid
 * is the single writer; 获取access_token is rate-limited and each fetch invalidates the last).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_DIR } from "./build";

export type StormResult =
  | { ran: false; reason: string }
  | {
      ran: true;
      callers: number;
      allServedMs: number;
      p50Ms: number;
      maxMs: number;
      upstreamFetches: number;
      failures: number;
    };

export interface StormOptions {
  script: string;
  smoke: boolean;
  adminKey: string;
  secrets: Record<string, string>;
}

const FAKE_SERVER = join(PROJECT_DIR, "dev", "fake-wechat", "serve.ts");

export async function runTokenStorm(options: StormOptions): Promise<StormResult> {
  if (!existsSync(FAKE_SERVER)) {
    return {
      ran: false,
      reason: "dev/fake-wechat/serve.ts (the fake WeChat API) does not exist yet",
    };
  }
  void options;
  return { ran: false, reason: "not wired yet" };
}
