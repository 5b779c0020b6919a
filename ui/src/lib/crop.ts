// The crop guides of the photo step: a rectangle over the picture, in the
// picture's own pixels, that keeps the card photo's aspect ratio (3:4) and
// stays inside the picture while the clerk drags it or pulls a corner.
// The core narrows whatever it is sent to 3:4 again; these rules only keep
// what the clerk sees true to what the card gets.

/** A rectangle in the picture's pixels. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The card photo's width over its height. */
export const CARD_PHOTO_ASPECT = 3 / 4;
/** The smallest guide, in picture pixels across (smaller crops are warned of by the core anyway). */
export const LEAST_CROP_WIDTH = 24;

export type Corner = "nw" | "ne" | "sw" | "se";

const clamp = (value: number, low: number, high: number) => Math.min(Math.max(value, low), Math.max(low, high));

/** The first guide: the largest box of the aspect centred in the picture, `share` of it across. */
export function initialCrop(pictureWidth: number, pictureHeight: number, share = 0.8, aspect = CARD_PHOTO_ASPECT): Rect {
  let height = pictureHeight * share;
  let width = height * aspect;
  if (width > pictureWidth * share) {
    width = pictureWidth * share;
    height = width / aspect;
  }
  return { x: (pictureWidth - width) / 2, y: (pictureHeight - height) / 2, width, height };
}

/** The guide moved by (dx, dy) picture pixels, stopped at the picture's edges. */
export function moveCrop(crop: Rect, dx: number, dy: number, pictureWidth: number, pictureHeight: number): Rect {
  return {
    ...crop,
    x: clamp(crop.x + dx, 0, pictureWidth - crop.width),
    y: clamp(crop.y + dy, 0, pictureHeight - crop.height),
  };
}

/**
 * The guide with `corner` pulled by (dx, dy) picture pixels: the opposite
 * corner stays put, the aspect is kept (the larger of the two pulls wins),
 * and the box stays inside the picture and no smaller than the least width.
 */
export function resizeCrop(
  crop: Rect,
  corner: Corner,
  dx: number,
  dy: number,
  pictureWidth: number,
  pictureHeight: number,
  aspect = CARD_PHOTO_ASPECT,
): Rect {
  const west = corner === "nw" || corner === "sw";
  const north = corner === "nw" || corner === "ne";
  // The fixed corner, and how the box grows from it.
  const fixedX = west ? crop.x + crop.width : crop.x;
  const fixedY = north ? crop.y + crop.height : crop.y;
  const growX = west ? -dx : dx;
  const growY = north ? -dy : dy;
  let width = Math.abs(growX) >= Math.abs(growY * aspect) ? crop.width + growX : (crop.height + growY) * aspect;
  // Room there is from the fixed corner towards the pulled one.
  const roomX = west ? fixedX : pictureWidth - fixedX;
  const roomY = north ? fixedY : pictureHeight - fixedY;
  width = clamp(width, Math.min(LEAST_CROP_WIDTH, roomX, roomY * aspect), Math.min(roomX, roomY * aspect));
  const height = width / aspect;
  return {
    x: west ? fixedX - width : fixedX,
    y: north ? fixedY - height : fixedY,
    width,
    height,
  };
}

/** A guide grown (factor > 1) or shrunk about its centre, kept inside the picture: for the keyboard. */
export function scaleCrop(crop: Rect, factor: number, pictureWidth: number, pictureHeight: number, aspect = CARD_PHOTO_ASPECT): Rect {
  const most = Math.min(pictureWidth, pictureHeight * aspect);
  const width = clamp(crop.width * factor, Math.min(LEAST_CROP_WIDTH, most), most);
  const height = width / aspect;
  const cx = crop.x + crop.width / 2;
  const cy = crop.y + crop.height / 2;
  return moveCrop({ x: cx - width / 2, y: cy - height / 2, width, height }, 0, 0, pictureWidth, pictureHeight);
}

/** A rectangle on screen (CSS pixels over the shown picture) in picture pixels, or back with 1/scale. */
export function scaled(rect: Rect, scale: number): Rect {
  return { x: rect.x * scale, y: rect.y * scale, width: rect.width * scale, height: rect.height * scale };
}

/** The guide in whole picture pixels, inside the picture, as the core takes it: `x,y,width,height`. */
export function cropText(crop: Rect, pictureWidth: number, pictureHeight: number): string {
  const x = clamp(Math.round(crop.x), 0, pictureWidth - 1);
  const y = clamp(Math.round(crop.y), 0, pictureHeight - 1);
  const width = clamp(Math.round(crop.width), 1, pictureWidth - x);
  const height = clamp(Math.round(crop.height), 1, pictureHeight - y);
  return `${x},${y},${width},${height}`;
}
