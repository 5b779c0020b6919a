#!/usr/bin/env python3
"""Side-by-side QR decoding benchmark on the photographed-card image set:
pass-camera's decoder, zxing-cpp, zbar and OpenCV's QRCodeDetector, each on
one thread, timed on the decode call alone (the image already in memory, in
grayscale), and the union of the three others: a frame any of them reads.

    python3 drivers/camera/bench/compare.py [--per-kind N] [--images DIR]

Regenerates the set (bench/photos.py) in a temporary folder unless --images
names an existing one. A read counts only if it equals the card's QR text.
Needs numpy, opencv-python-headless, zxing-cpp, pyzbar (and Debian libzbar0).
"""

import argparse
import collections
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import cv2
import pyzbar.pyzbar
import zxingcpp

import photos

TARGET_MEDIAN_MS = 15.0
TARGET_RATE = 0.90


def run_ours(folder):
    env = dict(os.environ)
    env.setdefault("CARGO_TARGET_DIR", str(photos.REPO.parent / "target-camera"))
    output = subprocess.run(
        ["cargo", "run", "--quiet", "--release", "-p", "pass-camera", "--example", "decode_folder", "--", str(folder)],
        cwd=photos.REPO, env=env, check=True, capture_output=True, text=True,
    ).stdout
    return {line["image"]: (line["text"], line["ms"]) for line in map(json.loads, output.splitlines())}


def run_python(folder, names, decode):
    results = {}
    for name in names:
        gray = cv2.imread(str(folder / name), cv2.IMREAD_GRAYSCALE)
        started = time.perf_counter()
        texts = decode(gray)
        results[name] = (texts, (time.perf_counter() - started) * 1000)
    return results


def zxing_texts(gray):
    return [r.text for r in zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode)]


def zbar_texts(gray):
    symbols = pyzbar.pyzbar.decode(gray, symbols=[pyzbar.pyzbar.ZBarSymbol.QRCODE])
    return [s.data.decode("latin-1") for s in symbols]


def opencv_texts(gray):
    text, _, _ = OPENCV_DETECTOR.detectAndDecode(gray)
    return [text] if text else []


OPENCV_DETECTOR = cv2.QRCodeDetector()
OTHERS = {"zxing-cpp": zxing_texts, "zbar (pyzbar)": zbar_texts, "OpenCV QRCodeDetector": opencv_texts}
UNION = "union of zxing-cpp, zbar, OpenCV"


def union(results):
    """Per frame, every text any of `results` read, and no time (the union is not one decoder)."""
    names = next(iter(results.values())).keys()
    return {name: ([text for one in results.values() for text in one[name][0]], None) for name in names}


def table(folder):
    manifest = [json.loads(line) for line in open(folder / "manifest.jsonl")]
    names = [entry["image"] for entry in manifest]
    ours = {name: ([text] if text else [], ms) for name, (text, ms) in run_ours(folder).items()}
    others = {decoder: run_python(folder, names, decode) for decoder, decode in OTHERS.items()}
    decoders = {"pass-camera (rxing)": ours, **others, UNION: union(others)}
    kinds = list(dict.fromkeys(entry["kind"] for entry in manifest))
    header = ["decoder", "read", "rate", "median ms", "p90 ms"] + kinds
    rows = []
    counts = {}
    for decoder, results in decoders.items():
        per_kind = collections.Counter()
        for entry in manifest:
            per_kind[entry["kind"]] += entry["expected"] in results[entry["image"]][0]
        times = sorted(results[name][1] for name in names if results[name][1] is not None)
        read = sum(per_kind.values())
        per_kind_total = collections.Counter(entry["kind"] for entry in manifest)
        timing = [f"{statistics.median(times):.1f}", f"{times[int(0.9 * (len(times) - 1))]:.1f}"] if times else ["-", "-"]
        rows.append([decoder, f"{read}/{len(names)}", f"{100 * read / len(names):.0f}%"] + timing
                    + [f"{per_kind[k]}/{per_kind_total[k]}" for k in kinds])
        counts[decoder] = (read, per_kind)
    widths = [max(len(str(row[i])) for row in [header] + rows) for i in range(len(header))]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"
    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print(line(row))
    ours_read, ours_kinds = counts["pass-camera (rxing)"]
    union_read, union_kinds = counts[UNION]
    behind = [k for k in kinds if ours_kinds[k] < union_kinds[k]]
    print(f"\n{len(names)} frames of {photos.FRAME_W}x{photos.FRAME_H}; targets: pass-camera reads "
          f">= {TARGET_RATE:.0%} and >= the union, median <= {TARGET_MEDIAN_MS:.0f} ms on one thread")
    print(f"pass-camera {ours_read} vs union {union_read}"
          + (f"; behind the union on: {', '.join(behind)}" if behind else "; not behind the union on any kind"))
    missed = [entry["image"] for entry in manifest if entry["expected"] not in decoders["pass-camera (rxing)"][entry["image"]][0]]
    print("pass-camera missed:", " ".join(missed) if missed else "nothing")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=30)
    parser.add_argument("--images", type=Path, help="an existing set from photos.py (manifest.jsonl inside)")
    args = parser.parse_args()
    if args.images:
        table(args.images)
        return
    with tempfile.TemporaryDirectory() as folder:
        with tempfile.TemporaryDirectory() as cards:
            photos.render_cards(cards)
            photos.generate(cards, Path(folder), args.per_kind, seed=2026)
        table(Path(folder))


if __name__ == "__main__":
    main()
