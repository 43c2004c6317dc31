/**
 * `npm start` as a newcomer runs it: the printed Playground URL answers 200 with the page, Ctrl-C
 * stops everything, and a taken port gets a message saying what to do.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, test } from "vitest";
import { freePort } from "../../dev/simulator/ports";

const ROOT = join(import.meta.dirname, "..", "..");
const running: ChildProcess[] = [];
const dirs: string[] = [];

function npmStart(args: string[], stateDir: string) {
  const child = spawn("npm", ["start", "--", ...args, "--state-dir", stateDir], {
    cwd: ROOT,
    // Its own process group, so that the test can press "Ctrl-C" on the whole of it.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.push(child);
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function tempDir() {
  const dir = await mkdtemp(join(tmpdir(), "playground-start-"));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  for (const child of running.splice(0)) {
    if (child.exitCode === null && child.pid) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

test("npm start prints a Playground URL that answers 200 with the page, and Ctrl-C stops it", async () => {
  const port = await freePort();
  const workerPort = await freePort();
  const start = npmStart(
    ["--port", String(port), "--worker-port", String(workerPort)],
    await tempDir(),
  );
  await expect
    .poll(() => start.output(), { timeout: 60_000, interval: 200 })
    .toMatch(/^Playground: http:\/\/localhost:\d+\/\S*$/m);
  const url = /^Playground: (\S+)$/m.exec(start.output())![1]!;
  expect(url).toBe(`http://localhost:${port}/`);

  const page = await fetch(url);
  expect(page.status).toBe(200);
  expect(page.headers.get("content-type")).toContain("text/html");
  expect(await page.text()).toContain("公众号离线调试台");
  const worker = await fetch(`http://127.0.0.1:${workerPort}/healthz`);
  expect(worker.status).toBe(200);
  await worker.body?.cancel();

  // Ctrl-C in a terminal signals the whole foreground group: npm, the launcher, wrangler.
  process.kill(-start.child.pid!, "SIGINT");
  await start.exited;
  const answers = (address: string) =>
    fetch(address).then(
      () => "answers",
      () => "stopped",
    );
  await expect.poll(() => answers(url), { timeout: 15_000 }).toBe("stopped");
  await expect
    .poll(() => answers(`http://127.0.0.1:${workerPort}/healthz`), { timeout: 15_000 })
    .toBe("stopped");
});

test("a port already in use is named, with the flag that picks another", async () => {
  const blocker = createServer();
  const port = await new Promise<number>((resolve) =>
    blocker.listen(0, "127.0.0.1", () => resolve((blocker.address() as { port: number }).port)),
  );
  try {
    const start = npmStart(
      ["--port", String(port), "--worker-port", String(await freePort())],
      await tempDir(),
    );
    await expect(start.exited).resolves.toBe(1);
    expect(start.output()).toContain(`port ${port} (playground) is already in use`);
    expect(start.output()).toContain("--port <port>");
    expect(start.output()).not.toContain("Playground:");
  } finally {
    await new Promise((resolve) => blocker.close(resolve));
  }
});
