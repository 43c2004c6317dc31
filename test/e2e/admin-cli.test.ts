/**
 * The admin command line (dev/cli/wechat-admin.ts) against a real Worker under wrangler dev and
 * the fake WeChat API as an HTTP server: it publishes the menu and sends messages through the
 * Worker, never fetching a token of its own.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAKE_APPID, FAKE_APPSECRET, FakeWeChat } from "../../dev/fake-wechat/fake";
import { outboxSince, platformState } from "../../dev/fake-wechat/platform-state";
import { serveFake } from "../../dev/fake-wechat/serve";
import { freePort } from "../../dev/simulator/ports";
import { startWorker, type WorkerProcess } from "../../dev/simulator/worker-process";

const ROOT = join(import.meta.dirname, "..", "..");
const ADMIN_KEY = "cli-admin-key-0123456789abcdef0123456789";
const run = promisify(execFile);

describe("the admin command line", () => {
  const fake = new FakeWeChat();
  let fakeServer: Server;
  let worker: WorkerProcess;
  let stateDir: string;

  /** Runs the CLI; resolves with its exit code and output, never throws on a non-zero exit. */
  async function cli(args: string[], adminKey = ADMIN_KEY) {
    try {
      const { stdout, stderr } = await run(process.execPath, ["dev/cli/wechat-admin.ts", ...args], {
        cwd: ROOT,
        env: { ...process.env, ADMIN_KEY: adminKey, WORKER_URL: worker.url },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  beforeAll(async () => {
    const [fakePort, workerPort] = [await freePort(), await freePort()];
    fakeServer = await serveFake(fake, fakePort);
    stateDir = await mkdtemp(join(tmpdir(), "admin-cli-e2e-"));
    worker = await startWorker({
      port: workerPort,
      stateDir,
      vars: {
        WECHAT_TOKEN: "clitoken123",
        WECHAT_APPID: FAKE_APPID,
        WECHAT_APPSECRET: FAKE_APPSECRET,
        WECHAT_API_BASE: `http://127.0.0.1:${fakePort}`,
        ADMIN_KEY,
      },
    });
  });

  afterAll(async () => {
    await worker?.stop();
    await new Promise((resolve) => fakeServer?.close(resolve));
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  it("checks a menu locally and refuses an invalid one with the problem's path", async () => {
    expect((await cli(["menu", "check", "examples/menu.json"])).code).toBe(0);
    const bad = join(stateDir, "bad-menu.json");
    await writeFile(bad, JSON.stringify({ button: [{ type: "view", name: "文档" }] }));
    const refused = await cli(["menu", "check", bad]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr + refused.stdout).toMatch(/button\[0\]/);
  });

  it("publishes the menu through the Worker and reads it back", async () => {
    const pushed = await cli(["menu", "push", "examples/menu.json", "--url", worker.url]);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(JSON.stringify(platformState(fake).menu)).toContain("button");
    const got = await cli(["menu", "get", "--url", worker.url]);
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).toContain("button");
    // The Worker fetched the token; the command line never called WeChat itself.
    expect(fake.tokenFetches()).toBe(1);
  });

  it("sends a template message and prints its exact msgid", async () => {
    const file = join(stateDir, "template.json");
    await writeFile(
      file,
      JSON.stringify({
        touser: "oCliFollower",
        template_id: "TEMPLATE_1",
        data: { keyword1: { value: "巧克力" } },
      }),
    );
    const sent = await cli(["template", "send", file]);
    expect(sent.code, sent.stderr).toBe(0);
    const entry = outboxSince(fake).find((e) => e.kind === "template");
    expect(entry?.msgid).toBeDefined();
    expect(sent.stdout).toContain(entry!.msgid!);
  });

  it("fails clearly with a wrong admin key", async () => {
    const refused = await cli(["menu", "get", "--url", worker.url], "wrong-key-0123456789abcdef");
    expect(refused.code).not.toBe(0);
    expect(refused.stderr + refused.stdout).toMatch(/401|admin key/i);
  });
});
