/**
 * Drafts, publishing and tags from the command line, against a real Worker under wrangler dev
 * and the fake WeChat API as an HTTP server: a draft goes in, is published, WeChat's signed
 * PUBLISHJOBFINISH push reaches /wechat, and `npm run freepublish -- status` shows it merged with
 * freepublish/get.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  publishJobFinishXml,
  setPublishingVerified,
} from "../../dev/fake-wechat/endpoints/publish";
import { FAKE_APPID, FAKE_APPSECRET, FakeWeChat } from "../../dev/fake-wechat/fake";
import { addFollower, platformState } from "../../dev/fake-wechat/platform-state";
import { serveFake } from "../../dev/fake-wechat/serve";
import { signPush } from "../../dev/fake-wechat/sign-push";
import { freePort } from "../../dev/simulator/ports";
import { startWorker, type WorkerProcess } from "../../dev/simulator/worker-process";

const ROOT = join(import.meta.dirname, "..", "..");
const ADMIN_KEY = "cli-admin-key-0123456789abcdef0123456789";
const TOKEN = "clitoken123";
const run = promisify(execFile);

describe("drafts, publishing and tags from the command line", () => {
  const fake = new FakeWeChat();
  let fakeServer: Server;
  let worker: WorkerProcess;
  let stateDir: string;

  async function cli(args: string[]) {
    try {
      const { stdout, stderr } = await run(process.execPath, ["dev/cli/wechat-admin.ts", ...args], {
        cwd: ROOT,
        env: { ...process.env, ADMIN_KEY, WORKER_URL: worker.url },
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
    stateDir = await mkdtemp(join(tmpdir(), "publishing-cli-e2e-"));
    worker = await startWorker({
      port: workerPort,
      stateDir,
      vars: {
        WECHAT_TOKEN: TOKEN,
        WECHAT_APPID: FAKE_APPID,
        WECHAT_APPSECRET: FAKE_APPSECRET,
        WECHAT_API_BASE: `http://127.0.0.1:${fakePort}`,
        ADMIN_KEY,
      },
    });
    platformState(fake).media.set("THUMB_E2E", {
      type: "image",
      filename: "cover.jpg",
      contentType: "image/jpeg",
      bytes: new Uint8Array([0xff, 0xd8]),
      permanent: true,
      createdAt: fake.now(),
    });
  });

  afterAll(async () => {
    await worker?.stop();
    await new Promise((resolve) => fakeServer?.close(resolve));
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  it("adds a draft, publishes it, and shows the status with the push WeChat sent", async () => {
    const file = join(stateDir, "draft.json");
    await writeFile(
      file,
      JSON.stringify({
        articles: [{ title: "端到端", content: "<p>正文</p>", thumb_media_id: "THUMB_E2E" }],
      }),
    );
    const added = await cli(["draft", "add", file]);
    expect(added.code, added.stderr).toBe(0);
    const { media_id } = JSON.parse(added.stdout) as { media_id: string };
    expect((await cli(["draft", "list"])).stdout).toContain(media_id);

    const published = await cli(["freepublish", media_id]);
    expect(published.code, published.stderr).toBe(0);
    const { publish_id } = JSON.parse(published.stdout) as { publish_id: string };

    const before = JSON.parse((await cli(["freepublish", "status", publish_id])).stdout);
    expect(before).toMatchObject({ publish_status: 0, event: null });

    const push = await signPush(
      { token: TOKEN, appId: FAKE_APPID },
      publishJobFinishXml(fake, publish_id),
    );
    const answered = await fetch(`${worker.url}${push.path}`, { method: "POST", body: push.body });
    expect(answered.status).toBe(200);
    // The hook runs after the answer (waitUntil): ask until the Worker has kept it.
    let after: { event: unknown; article_urls: unknown[] } | undefined;
    for (let attempt = 0; attempt < 50 && !after?.event; attempt++) {
      after = JSON.parse((await cli(["freepublish", "status", publish_id])).stdout);
    }
    expect(after).toMatchObject({
      event: { publish_id, publish_status: 0, received_at: expect.any(String) },
      article_urls: [{ idx: 1 }],
    });
  });

  it("answers WeChat's 48001 for an account that lost freepublish", async () => {
    setPublishingVerified(fake, false);
    const refused = await cli(["freepublish", "status", "2247503051"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/48001/);
    setPublishingVerified(fake, true);
  });

  it("creates a tag, tags followers and reads a follower's tags", async () => {
    addFollower(fake, "oCliA");
    addFollower(fake, "oCliB");
    const created = await cli(["tags", "create", "命令行"]);
    expect(created.code, created.stderr).toBe(0);
    const { id } = JSON.parse(created.stdout) as { id: number };
    const tagged = await cli(["tags", "tag", String(id), "oCliA", "oCliB"]);
    expect(tagged.code, tagged.stderr).toBe(0);
    expect(JSON.parse((await cli(["tags", "of", "oCliB"])).stdout)).toEqual({ tagid_list: [id] });
  });
});
