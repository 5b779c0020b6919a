// The preview's frame rate and the frame-to-verdict percentiles.
import { describe, expect, it } from "vitest";
import { FrameMeter, percentile } from "./camera";

describe("FrameMeter", () => {
  it("counts the frames of the last second", () => {
    const meter = new FrameMeter();
    for (let i = 0; i < 30; i++) meter.drawn(i * 40);
    // 30 frames 40 ms apart: those of (160, 1160] are 25.
    expect(meter.rate(1160)).toBe(25);
    expect(meter.rate(5000)).toBe(0);
  });
});

describe("percentile", () => {
  it("takes the nearest rank", () => {
    const values = [50, 10, 40, 30, 20];
    expect(percentile(values, 50)).toBe(30);
    expect(percentile(values, 95)).toBe(50);
    expect(percentile(values, 0)).toBe(10);
    expect(percentile([], 50)).toBeNull();
  });
});
