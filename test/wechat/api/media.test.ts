import { describe, expect, it } from "vitest";
import {
  addPermanentMaterial,
  deletePermanentMaterial,
  getMaterialCount,
  getPermanentMaterial,
  getTemporaryMedia,
  listPermanentMaterial,
  MediaFileError,
  mediaFileProblem,
  uploadTemporaryMedia,
} from "../../../src/wechat/api/media";
import { fakeApi } from "../../fixtures/fake-api";

const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 0xff, 0xd9]);

describe("media (素材管理)", () => {
  it("uploads temporary media as multipart `media` and fetches the same bytes back", async () => {
    const { client, fake } = await fakeApi();
    const uploaded = await uploadTemporaryMedia(client, "image", {
      filename: "a.jpg",
      bytes: JPEG,
      contentType: "image/jpeg",
    });
    expect(uploaded).toMatchObject({
      type: "image",
      media_id: expect.any(String),
      created_at: expect.any(Number),
    });
    const fetched = await getTemporaryMedia(client, uploaded.media_id);
    expect(fetched.kind === "file" && [...fetched.file.bytes]).toEqual([...JPEG]);
    expect(fetched.kind === "file" && fetched.file.contentType).toBe("image/jpeg");
    fake.advance(3 * 86_400 + 1);
    await expect(getTemporaryMedia(client, uploaded.media_id)).rejects.toMatchObject({
      errcode: 40007,
    });
  });

  it("answers a temporary video with its video_url, and thumb uploads with a media id", async () => {
    const { client } = await fakeApi();
    const video = await uploadTemporaryMedia(client, "video", {
      filename: "v.mp4",
      bytes: new Uint8Array([0, 0, 0, 24]),
    });
    const fetched = await getTemporaryMedia(client, video.media_id);
    expect(fetched).toEqual({ kind: "video", video_url: expect.stringMatching(/^http/) });
    const thumb = await uploadTemporaryMedia(client, "thumb", { filename: "t.jpg", bytes: JPEG });
    expect(thumb.media_id).not.toBe("");
  });

  it("checks documented sizes and formats before uploading", async () => {
    const { client, fake } = await fakeApi();
    expect(
      mediaFileProblem("thumb", { filename: "t.jpg", bytes: new Uint8Array(64 * 1024 + 1) }),
    ).toMatch(/at most 65536 bytes/);
    expect(
      mediaFileProblem("voice", { filename: "v.mp3", bytes: new Uint8Array(2 * 1024 * 1024) }),
    ).toBeUndefined();
    expect(
      mediaFileProblem("voice", { filename: "v.mp3", bytes: new Uint8Array(2 * 1024 * 1024 + 1) }),
    ).toMatch(/at most/);
    expect(mediaFileProblem("image", { filename: "x.bmp", bytes: JPEG })).toMatch(
      /png\/jpeg\/jpg\/gif/,
    );
    await expect(
      uploadTemporaryMedia(client, "video", { filename: "v.avi", bytes: JPEG }),
    ).rejects.toThrow(MediaFileError);
    expect(fake.count("/cgi-bin/media/upload")).toBe(0);
  });

  it("the fake refuses what WeChat refuses: wrong type 40004, wrong format 40005, too large 40012", async () => {
    const { client } = await fakeApi();
    const upload = (type: string, name: string, bytes: Uint8Array) => {
      const form = new FormData();
      form.append("media", new Blob([bytes as Uint8Array<ArrayBuffer>]), name);
      return client
        .call("/cgi-bin/media/upload", { method: "POST", query: { type }, body: form })
        .catch((e) => e.errcode);
    };
    expect(await upload("file", "a.jpg", JPEG)).toBe(40004);
    expect(await upload("image", "a.txt", JPEG)).toBe(40005);
    expect(await upload("thumb", "t.jpg", new Uint8Array(64 * 1024 + 1))).toBe(40012);
  });

  it("adds, fetches, lists, counts and deletes permanent material; a video needs its description", async () => {
    const { client } = await fakeApi();
    const image = await addPermanentMaterial(client, "image", { filename: "p.png", bytes: JPEG });
    expect(image.url).toMatch(/^http/);
    const video = await addPermanentMaterial(
      client,
      "video",
      { filename: "v.mp4", bytes: JPEG },
      { title: "标题", introduction: "介绍" },
    );
    await expect(
      addPermanentMaterial(client, "video", { filename: "v.mp4", bytes: JPEG }),
    ).rejects.toThrow(/title/);
    const fetchedImage = await getPermanentMaterial(client, image.media_id);
    expect(fetchedImage.kind === "file" && [...fetchedImage.file.bytes]).toEqual([...JPEG]);
    expect(await getPermanentMaterial(client, video.media_id)).toMatchObject({
      kind: "video",
      title: "标题",
      description: "介绍",
    });
    expect(await getMaterialCount(client)).toEqual({
      voice_count: 0,
      video_count: 1,
      image_count: 1,
      news_count: 0,
    });
    const page = await listPermanentMaterial(client, "image");
    expect(page).toMatchObject({
      total_count: 1,
      item_count: 1,
      item: [{ media_id: image.media_id }],
    });
    await deletePermanentMaterial(client, image.media_id);
    await expect(getPermanentMaterial(client, image.media_id)).rejects.toMatchObject({
      errcode: 40007,
    });
  });
});
