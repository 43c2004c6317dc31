/**
 * The example marketing page in a real browser: the fake WeChat API as an HTTP server,
 * `wrangler dev` pointed at it, the page from its own origin on another loopback port. The page
 * calls /qr across origins (CORS), shows the SVG, and the image in the browser decodes (jsQR on
 * its pixels) to the URL of the ticket WeChat issued for that scene.
 */
import { readFile, mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import jsQR from "jsqr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAKE_APPID, FAKE_APPSECRET, FakeWeChat } from "../../dev/fake-wechat/fake";
import { qrCodeBook } from "../../dev/fake-wechat/endpoints/qrcode";
import { serveFake } from "../../dev/fake-wechat/serve";
import { freePort } from "../../dev/simulator/ports";
import { startWorker, type WorkerProcess } from "../../dev/simulator/worker-process";
import { browserMissing, launchChromium, type LaunchedBrowser } from "./browser";

const ROOT = join(import.meta.dirname, "..", "..");
const PAGE_DIR = join(ROOT, "examples", "qr-landing");
const ADMIN_KEY = "e2e-admin-key-0123456789abcdef0123456789";

// Straight to stderr: the test runner keeps console output of tests that did not fail to itself.
if (browserMissing) {
  process.stderr.write(`QR landing page browser tests skipped: ${browserMissing}\n`);
}
console.log(`test/e2e/qr-page.test.ts: browser tests skipped: ${browserMissing}`);

/** The example page as a marketing site would host it, with data-worker pointing at our Worker. */
function servePage(port: number, workerUrl: string): Promise<Server> {
  const server = createServer(async (request, response) => {
    const path = new URL(request.url ?? "/", "http://page").pathname;
    const file = path === "/" ? "index.html" : path.slice(1);
    if (!/^[a-z-]+\.(html|js)$/.test(file)) {
      response.writeHead(404).end();
      return;
    }
    try {
      let text = await readFile(join(PAGE_DIR, file), "utf8");
      if (file === "index.html")
        text = text.replace(/data-worker="[^"]*"/, `data-worker="${workerUrl}"`);
      const type = file.endsWith(".html") ? "text/html; charset=utf-8" : "text/javascript";
      response.writeHead(200, { "content-type": type }).end(text);
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

describe.skipIf(browserMissing !== undefined)("the example QR landing page in chromium", () => {
  const fake = new FakeWeChat({ accounts: { [FAKE_APPID]: FAKE_APPSECRET } });
  let fakeServer: Server;
  let pageServer: Server;
  let worker: WorkerProcess;
  let browser: LaunchedBrowser;
  let stateDir: string;
  let pageOrigin: string;

  beforeAll(async () => {
    const [fakePort, workerPort, pagePort] = [await freePort(), await freePort(), await freePort()];
    fakeServer = await serveFake(fake, fakePort);
    const fakeUrl = `http://127.0.0.1:${fakePort}`;
    pageOrigin = `http://127.0.0.1:${pagePort}`;
    stateDir = await mkdtemp(join(tmpdir(), "qr-page-e2e-"));
    worker = await startWorker({
      port: workerPort,
      stateDir,
      vars: {
        WECHAT_TOKEN: "e2etoken123",
        WECHAT_APPID: FAKE_APPID,
        WECHAT_APPSECRET: FAKE_APPSECRET,
        WECHAT_API_BASE: fakeUrl,
        WECHAT_MP_BASE: fakeUrl,
        ALLOWED_ORIGINS: `https://www.example.com,${pageOrigin}`,
        ADMIN_KEY,
      },
    });
    pageServer = await servePage(pagePort, worker.url);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    await new Promise((resolve) => pageServer?.close(resolve));
    await new Promise((resolve) => fakeServer?.close(resolve));
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  /** Loads the page for `scene`; returns the decoded text of the image it shows. */
  async function showPage(scene: string) {
    const page = await browser.context.newPage();
    const failures: string[] = [];
    page.on("pageerror", (error) => failures.push(error.message));
    await page.goto(`${pageOrigin}/?scene=${encodeURIComponent(scene)}`);
    const image = page.locator("#wechat-qr img");
    await image.waitFor({ timeout: 20_000 });
    const shown = await image.evaluate((element: HTMLImageElement) => {
      const canvas = document.createElement("canvas");
      canvas.width = element.naturalWidth;
      canvas.height = element.naturalHeight;
      const context = canvas.getContext("2d")!;
      context.fillStyle = "#fff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(element, 0, 0);
      const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
      return {
        width: element.naturalWidth,
        height: element.naturalHeight,
        alt: element.alt,
        pixels: Array.from(pixels.data),
      };
    });
    await page.close();
    expect(failures).toEqual([]);
    const decoded = jsQR(new Uint8ClampedArray(shown.pixels), shown.width, shown.height);
    return { ...shown, decoded: decoded?.data };
  }

  async function ticketJson(scene: string) {
    const response = await fetch(`${worker.url}/qr?scene=${encodeURIComponent(scene)}`, {
      headers: { "cf-connecting-ip": "192.0.2.200" },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { ticket: string; url: string; image: string };
  }

  it("loads, calls /qr across origins, and shows the scene's code for the ticket's URL", async () => {
    const scene = "spring-campaign";
    const shown = await showPage(scene);
    expect(shown.width).toBeGreaterThan(0);
    expect(shown.alt).toContain(scene);
    const { ticket, url } = await ticketJson(scene);
    expect(shown.decoded).toBe(url);
    // That is the code WeChat issued for this very scene, and only one was created.
    expect(qrCodeBook(fake).byTicket.get(ticket)).toMatchObject({
      scene,
      actionName: "QR_STR_SCENE",
      url,
    });
    expect(fake.count("/cgi-bin/qrcode/create")).toBe(1);
  });

  it("more views of the page cost no new ticket; another channel gets its own code", async () => {
    const before = fake.count("/cgi-bin/qrcode/create");
    const again = await showPage("spring-campaign");
    expect(fake.count("/cgi-bin/qrcode/create")).toBe(before);
    const other = await showPage("12345");
    expect(other.decoded).not.toBe(again.decoded);
    expect(other.decoded).toBe((await ticketJson("12345")).url);
    expect(qrCodeBook(fake).byTicket.get((await ticketJson("12345")).ticket)?.actionName).toBe(
      "QR_SCENE",
    );
    expect(fake.count("/cgi-bin/qrcode/create")).toBe(before + 1);
  });

  it("a bad scene shows the Worker's reason instead of an image", async () => {
    const page = await browser.context.newPage();
    await page.goto(`${pageOrigin}/?scene=${"x".repeat(65)}`);
    await expect
      .poll(() => page.locator("#wechat-qr .error").textContent(), { timeout: 20_000 })
      .toMatch(/scene must be at most 64 characters/);
    await page.close();
  });

  it("format=png redirects to the image host, which serves the live ticket", async () => {
    const { image } = await ticketJson("spring-campaign");
    const redirect = await fetch(`${worker.url}/qr?scene=spring-campaign&format=png`, {
      redirect: "manual",
      headers: { "cf-connecting-ip": "192.0.2.201" },
    });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toBe(image);
    const shown = await fetch(image);
    expect(shown.status).toBe(200);
    await shown.body?.cancel();
  });
});
