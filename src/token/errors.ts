/** The Worker could not obtain a credential from its token authority. */
import type { LeaseResult, UpstreamError } from "./records";

export class TokenUnavailableError extends Error {
  override readonly name = "TokenUnavailableError";
  /** One line a person can act on; never a credential. */
  readonly reason: string;
  readonly retryAfterSeconds: number;
  /** WeChat's error behind it, when it gave one (e.g. 40164 with the egress IP). */
  readonly upstream: UpstreamError | undefined;

  constructor(result: Extract<LeaseResult, { ok: false }>) {
    super(result.reason);
    this.reason = result.reason;
    this.retryAfterSeconds = result.retryAfterSeconds;
    this.upstream = result.upstream;
  }
}
