/**
 * Cloudflare's side of the Cron Trigger: `wrangler dev` never fires it, so the simulator calls
 * the Worker's scheduled handler (exposed by `--test-scheduled`) at start and then every 5 minutes,
 * the schedule in wrangler.toml (crons: every 5 minutes).
 */
const CRON = "*/5 * * * *";
const INTERVAL_MS = 5 * 60_000;

export function fireScheduled(workerUrl: string, log: (line: string) => void): () => void {
  const fire = async () => {
    const url = `${workerUrl}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent(CRON)}`;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
      await response.body?.cancel();
      log(`scheduled handler (cron "${CRON}") fired: HTTP ${response.status}`);
    } catch (error) {
      log(`scheduled handler could not be fired: ${(error as Error).message}`);
    }
  };
  void fire();
  const timer = setInterval(fire, INTERVAL_MS);
  return () => clearInterval(timer);
}
