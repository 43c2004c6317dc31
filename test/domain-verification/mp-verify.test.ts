import { describe, expect, it } from "vitest";
import { appFetch } from "../fixtures/platform-app";

describe("GET /MP_verify_<code>.txt", () => {
  it("serves the configured code as the file's content", async () => {
    const res = await appFetch("/MP_verify_AbC123xyz.txt", {}, { MP_VERIFY: "AbC123xyz" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await res.text()).toBe("AbC123xyz");
  });

  it("accepts the whole file name in MP_VERIFY", async () => {
    const res = await appFetch(
      "/MP_verify_AbC123xyz.txt",
      {},
      { MP_VERIFY: "MP_verify_AbC123xyz.txt" },
    );
    expect(await res.text()).toBe("AbC123xyz");
  });

  it("is 404 for another code, or when MP_VERIFY is unset", async () => {
    expect((await appFetch("/MP_verify_other.txt", {}, { MP_VERIFY: "AbC123xyz" })).status).toBe(
      404,
    );
    expect((await appFetch("/MP_verify_AbC123xyz.txt")).status).toBe(404);
  });

  it("a malformed MP_VERIFY or SESSION_SECRET is a 503 naming the variable", async () => {
    const badVerify = await appFetch("/healthz", {}, { MP_VERIFY: "not a code" });
    expect(badVerify.status).toBe(503);
    expect(((await badVerify.json()) as { error: string }).error).toMatch(/^MP_VERIFY/);
    const badSecret = await appFetch("/healthz", {}, { SESSION_SECRET: "short" });
    expect(badSecret.status).toBe(503);
    expect(((await badSecret.json()) as { error: string }).error).toMatch(/^SESSION_SECRET/);
  });
});
