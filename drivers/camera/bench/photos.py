#!/usr/bin/env python3
"""Photographed-card image set: the QR sides of rendered pass cards, as a
1280x720 webcam would see them held up at a gate (tilt, rotation, blur, dim
light and noise, glare, shadow, JPEG, a small card far from the lens).

Deterministic: the same cards and the same seed give the same images.

    python3 drivers/camera/bench/photos.py OUT_DIR [--per-kind N] [--cards DIR]

renders the cards (cargo example card_backs) unless --cards names a folder of
them, and writes OUT_DIR/<kind>-<NNN>.jpg plus OUT_DIR/manifest.jsonl (image,
kind, expected QR text). Needs numpy and opencv-python-headless.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

FRAME_W, FRAME_H = 1280, 720
REPO = Path(__file__).resolve().parents[3]

KINDS = [
    "clean", "perspective", "rotation", "motion-blur", "defocus",
    "low-light", "glare", "jpeg", "shadow", "small", "combined",
]


def render_cards(out_dir):
    env = dict(os.environ)
    env.setdefault("CARGO_TARGET_DIR", str(REPO.parent / "target-camera"))
    subprocess.run(
        ["cargo", "run", "--quiet", "--release", "-p", "pass-camera", "--example", "card_backs", "--", str(out_dir)],
        cwd=REPO, env=env, check=True,
    )


def background(rng):
    """A dim, textured office or gate-booth backdrop."""
    base = rng.uniform(60, 160)
    gradient = np.linspace(-1, 1, FRAME_W)[None, :] * rng.uniform(-40, 40)
    gradient = gradient + np.linspace(-1, 1, FRAME_H)[:, None] * rng.uniform(-30, 30)
    texture = cv2.GaussianBlur(rng.normal(0, 25, (FRAME_H, FRAME_W)), (0, 0), rng.uniform(3, 15))
    gray = base + gradient + texture
    tint = rng.uniform(0.85, 1.15, 3)
    return np.clip(gray[:, :, None] * tint[None, None, :], 0, 255).astype(np.float32)


def place_card(card, rng, width_range, max_tilt_deg, max_roll_deg):
    """Projects the card as a rigid plate tilted in 3D, rolled in-plane, into the frame."""
    h, w = card.shape[:2]
    target_w = rng.uniform(*width_range)
    yaw, pitch = (math.radians(rng.uniform(-max_tilt_deg, max_tilt_deg)) for _ in range(2))
    roll = math.radians(rng.uniform(-max_roll_deg, max_roll_deg))
    corners = np.array([[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0], [-w / 2, h / 2, 0]], float)
    rx = np.array([[1, 0, 0], [0, math.cos(pitch), -math.sin(pitch)], [0, math.sin(pitch), math.cos(pitch)]])
    ry = np.array([[math.cos(yaw), 0, math.sin(yaw)], [0, 1, 0], [-math.sin(yaw), 0, math.cos(yaw)]])
    rz = np.array([[math.cos(roll), -math.sin(roll), 0], [math.sin(roll), math.cos(roll), 0], [0, 0, 1]])
    rotated = corners @ (rz @ ry @ rx).T
    focal = 1.2 * w  # a webcam's moderate field of view, card at arm's length
    depth = rotated[:, 2] + 1.8 * w
    projected = rotated[:, :2] * (focal / depth)[:, None]
    projected *= target_w / (projected[:, 0].max() - projected[:, 0].min())
    span = projected.max(axis=0) - projected.min(axis=0)
    free = np.maximum(np.array([FRAME_W, FRAME_H]) - span - 20, 0)
    offset = 10 + rng.uniform(0, 1, 2) * free - projected.min(axis=0)
    destination = (projected + offset).astype(np.float32)
    source = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    matrix = cv2.getPerspectiveTransform(source, destination)
    warped = cv2.warpPerspective(card, matrix, (FRAME_W, FRAME_H), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.ones((h, w), np.float32), matrix, (FRAME_W, FRAME_H))
    return warped.astype(np.float32), mask[:, :, None]


def motion_blur(image, rng):
    length = int(rng.uniform(5, 13))
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1
    rotation = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), rng.uniform(0, 180), 1)
    kernel = cv2.warpAffine(kernel, rotation, (length, length))
    return cv2.filter2D(image, -1, kernel / kernel.sum())


def defocus(image, rng):
    radius = rng.uniform(1.5, 3.0)
    size = int(2 * math.ceil(radius) + 1)
    kernel = np.zeros((size, size), np.float32)
    cv2.circle(kernel, (size // 2, size // 2), int(round(radius)), 1, -1, lineType=cv2.LINE_AA)
    return cv2.filter2D(image, -1, kernel / kernel.sum())


def low_light(image, rng):
    dim = image * rng.uniform(0.15, 0.35)
    noise = rng.normal(0, rng.uniform(4, 9), image.shape[:2])[:, :, None]
    return dim + noise


def glare(image, mask, rng):
    ys, xs = np.nonzero(mask[:, :, 0] > 0.5)
    for _ in range(int(rng.integers(1, 3))):
        i = int(rng.integers(0, len(xs)))
        cx, cy = xs[i], ys[i]
        sx, sy = rng.uniform(25, 80), rng.uniform(15, 50)
        yy, xx = np.mgrid[0:FRAME_H, 0:FRAME_W]
        spot = np.exp(-(((xx - cx) / sx) ** 2 + ((yy - cy) / sy) ** 2))
        image = image + (spot * rng.uniform(120, 220))[:, :, None]
    return image


def shadow(image, rng):
    """A soft-edged straight shadow (a hand, a booth window frame) over part of the frame."""
    yy, xx = np.mgrid[0:FRAME_H, 0:FRAME_W]
    angle = rng.uniform(0, 2 * math.pi)
    distance = (xx - FRAME_W / 2) * math.cos(angle) + (yy - FRAME_H / 2) * math.sin(angle) - rng.uniform(-150, 150)
    edge = 1 / (1 + np.exp(-distance / rng.uniform(4, 30)))
    darkness = rng.uniform(0.35, 0.6)
    return image * (1 - darkness * edge)[:, :, None]


def photograph(card, kind, rng):
    small = kind == "small"
    width = (300, 420) if small else (480, 800)
    tilt = {"clean": 8, "perspective": 40, "combined": 25}.get(kind, 15)
    roll = 180 if kind == "rotation" else 10
    warped, mask = place_card(card, rng, width, tilt, roll)
    image = background(rng) * (1 - mask) + warped * mask * rng.uniform(0.8, 1.0)
    if kind in ("motion-blur", "combined"):
        image = motion_blur(image, rng)
    if kind == "defocus":
        image = defocus(image, rng)
    if kind in ("shadow", "combined"):
        image = shadow(image, rng)
    if kind in ("glare", "combined"):
        image = glare(image, mask, rng)
    if kind in ("low-light", "combined"):
        image = low_light(image, rng)
    else:
        image = image + rng.normal(0, 2.0, image.shape[:2])[:, :, None]  # every sensor has some noise
    quality = int(rng.integers(20, 40)) if kind in ("jpeg", "combined") else 90
    return np.clip(image, 0, 255).astype(np.uint8), quality


def generate(cards_dir, out_dir, per_kind, seed):
    cards = sorted(Path(cards_dir).glob("*.png"))
    if not cards:
        sys.exit(f"no card images in {cards_dir}")
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = []
    for kind_index, kind in enumerate(KINDS):
        for n in range(per_kind):
            card_path = cards[(n * 5 + kind_index) % len(cards)]
            rng = np.random.default_rng([seed, kind_index, n])
            card = cv2.imread(str(card_path), cv2.IMREAD_COLOR)
            image, quality = photograph(card, kind, rng)
            name = f"{kind}-{n:03}.jpg"
            cv2.imwrite(str(out_dir / name), image, [cv2.IMWRITE_JPEG_QUALITY, quality])
            expected = card_path.with_suffix(".txt").read_text()
            manifest.append({"image": name, "kind": kind, "expected": expected})
    with open(out_dir / "manifest.jsonl", "w") as f:
        for entry in manifest:
            f.write(json.dumps(entry) + "\n")
    return manifest


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--per-kind", type=int, default=30)
    parser.add_argument("--cards", type=Path, help="folder of rendered card backs (NN-kind.png + .txt)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if args.cards:
        generate(args.cards, args.out, args.per_kind, args.seed)
    else:
        with tempfile.TemporaryDirectory() as cards:
            render_cards(cards)
            generate(cards, args.out, args.per_kind, args.seed)


if __name__ == "__main__":
    main()
