// The crop guides' maths: the aspect kept, the picture's edges respected.
import { describe, expect, it } from "vitest";
import { CARD_PHOTO_ASPECT, cropText, initialCrop, moveCrop, resizeCrop, scaleCrop, scaled } from "./crop";

const aspect = (r: { width: number; height: number }) => r.width / r.height;
const inside = (r: { x: number; y: number; width: number; height: number }, w: number, h: number) =>
  r.x >= -1e-9 && r.y >= -1e-9 && r.x + r.width <= w + 1e-9 && r.y + r.height <= h + 1e-9;

describe("the first guide", () => {
  it("is centred, 3:4, and fits a landscape or a portrait picture", () => {
    for (const [w, h] of [[1280, 720], [720, 1280], [400, 400]]) {
      const crop = initialCrop(w, h);
      expect(aspect(crop)).toBeCloseTo(CARD_PHOTO_ASPECT, 6);
      expect(inside(crop, w, h)).toBe(true);
      expect(crop.x + crop.width / 2).toBeCloseTo(w / 2, 6);
      expect(crop.y + crop.height / 2).toBeCloseTo(h / 2, 6);
    }
  });
});

describe("dragging the guide", () => {
  it("moves it, and stops at the picture's edges", () => {
    const crop = { x: 100, y: 100, width: 300, height: 400 };
    expect(moveCrop(crop, 50, -20, 1280, 720)).toEqual({ x: 150, y: 80, width: 300, height: 400 });
    expect(moveCrop(crop, -500, 900, 1280, 720)).toEqual({ x: 0, y: 320, width: 300, height: 400 });
  });
});

describe("pulling a corner", () => {
  it("keeps the opposite corner and the aspect", () => {
    const crop = { x: 100, y: 100, width: 300, height: 400 };
    const grown = resizeCrop(crop, "se", 60, 10, 1280, 720);
    expect(grown.x).toBe(100);
    expect(grown.y).toBe(100);
    expect(grown.width).toBe(360);
    expect(aspect(grown)).toBeCloseTo(CARD_PHOTO_ASPECT, 6);
    const fromNw = resizeCrop(crop, "nw", 30, 0, 1280, 720);
    expect(fromNw.x + fromNw.width).toBeCloseTo(400, 6);
    expect(fromNw.y + fromNw.height).toBeCloseTo(500, 6);
    expect(fromNw.width).toBeCloseTo(270, 6);
  });

  it("follows the larger pull, vertical ones too", () => {
    const crop = { x: 100, y: 100, width: 300, height: 400 };
    const taller = resizeCrop(crop, "sw", 0, 80, 1280, 720);
    expect(taller.height).toBeCloseTo(480, 6);
    expect(taller.x + taller.width).toBeCloseTo(400, 6);
  });

  it("stays inside the picture and above the least size", () => {
    const crop = { x: 100, y: 100, width: 300, height: 400 };
    const huge = resizeCrop(crop, "se", 5000, 5000, 1280, 720);
    expect(inside(huge, 1280, 720)).toBe(true);
    expect(huge.height).toBeCloseTo(620, 6);
    const tiny = resizeCrop(crop, "se", -5000, 0, 1280, 720);
    expect(tiny.width).toBeGreaterThanOrEqual(24);
    expect(aspect(tiny)).toBeCloseTo(CARD_PHOTO_ASPECT, 6);
  });
});

describe("the keyboard's zoom", () => {
  it("scales about the centre and stays inside", () => {
    const crop = { x: 500, y: 200, width: 150, height: 200 };
    const bigger = scaleCrop(crop, 1.2, 1280, 720);
    expect(bigger.width).toBeCloseTo(180, 6);
    expect(bigger.x + bigger.width / 2).toBeCloseTo(575, 6);
    const most = scaleCrop(crop, 100, 1280, 720);
    expect(most.height).toBeCloseTo(720, 6);
    expect(inside(most, 1280, 720)).toBe(true);
  });
});

describe("screen and picture pixels", () => {
  it("convert both ways, and the core gets whole pixels inside the picture", () => {
    const onScreen = { x: 50, y: 25, width: 150, height: 200 };
    const picture = scaled(onScreen, 2);
    expect(picture).toEqual({ x: 100, y: 50, width: 300, height: 400 });
    expect(scaled(picture, 1 / 2)).toEqual(onScreen);
    expect(cropText({ x: 10.4, y: 19.6, width: 299.7, height: 399.6 }, 1280, 720)).toBe("10,20,300,400");
    expect(cropText({ x: 1200.2, y: 600, width: 100, height: 200 }, 1280, 720)).toBe("1200,600,80,120");
  });
});
