// The gate's base64 photos become Blobs for object URLs (no data: URLs under the app's CSP).
import { describe, expect, it } from "vitest";
import { base64ToBlob, base64ToBytes } from "./photo";

// The first bytes of a JPEG: SOI and the start of a JFIF APP0 segment.
const JPEG_START = [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46];
const base64 = Buffer.from(JPEG_START).toString("base64");

describe("base64 photos", () => {
  it("decode to the same bytes", () => {
    expect([...base64ToBytes(base64)]).toEqual(JPEG_START);
  });

  it("ignore line breaks and a data: prefix", () => {
    const wrapped = `data:image/jpeg;base64,${base64.slice(0, 6)}\n${base64.slice(6)}`;
    expect([...base64ToBytes(wrapped)]).toEqual(JPEG_START);
  });

  it("become a JPEG Blob of the decoded bytes", async () => {
    const blob = base64ToBlob(base64);
    expect(blob).not.toBeNull();
    expect(blob?.type).toBe("image/jpeg");
    expect(blob?.size).toBe(JPEG_START.length);
    expect([...new Uint8Array(await blob!.arrayBuffer())]).toEqual(JPEG_START);
  });

  it("give no Blob for text that is not base64", () => {
    expect(base64ToBlob("not base64!")).toBeNull();
  });

  it("decode an empty photo to no bytes", () => {
    expect(base64ToBytes("").length).toBe(0);
  });
});
