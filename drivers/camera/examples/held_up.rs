//! A card held up to a webcam, again and again: from one picture of a card
//! (a printed card's back, rasterised), frames as a 1280×720 camera would
//! take them, each card frame followed by a frame of the empty wall, so a
//! folder played as a camera (`SequenceSource`) shows the card, takes it
//! away, and shows it again. For the app's live-camera benchmark
//! (`src-tauri/bench/camera-live.sh`); the decoder's own image set is
//! `bench/photos.py`'s.
//!
//! Each card frame: the card scaled to 35–60 % of the frame width, rotated
//! up to ±20°, sheared a little (a tilt), lit brighter or dimmer, with sensor
//! noise and a JPEG of quality 60–90. Deterministic for a given count.
//!
//! `cargo run -p pass-camera --release --example held_up -- CARD.png OUT_DIR [COUNT]`
//! writes `NNN-a-card.jpg` and `NNN-b-wall.jpg`, COUNT of each (default 20).

use std::path::PathBuf;

use image::{Rgb, RgbImage};

const WIDTH: u32 = 1280;
const HEIGHT: u32 = 720;

/// A small deterministic generator (xorshift), so the frames are the same every run.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    fn between(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.next()
    }
}

/// A dim wall with a gentle gradient and noise: what the camera sees with no card.
fn wall(dice: &mut Dice) -> RgbImage {
    RgbImage::from_fn(WIDTH, HEIGHT, |x, y| {
        let base = 70.0 + 40.0 * (f64::from(x) / f64::from(WIDTH)) + 20.0 * (f64::from(y) / f64::from(HEIGHT));
        let level = (base + dice.between(-6.0, 6.0)).clamp(0.0, 255.0) as u8;
        Rgb([level, level.saturating_sub(4), level.saturating_sub(10)])
    })
}

/// Bilinear sample of `card` at (u, v), or `None` outside it.
fn sample(card: &RgbImage, u: f64, v: f64) -> Option<[f64; 3]> {
    let (w, h) = (f64::from(card.width()), f64::from(card.height()));
    if u < 0.0 || v < 0.0 || u > w - 1.0 || v > h - 1.0 {
        return None;
    }
    let (x0, y0) = (u.floor() as u32, v.floor() as u32);
    let (x1, y1) = ((x0 + 1).min(card.width() - 1), (y0 + 1).min(card.height() - 1));
    let (fx, fy) = (u - f64::from(x0), v - f64::from(y0));
    let mut out = [0.0; 3];
    for (channel, value) in out.iter_mut().enumerate() {
        let at = |x, y| f64::from(card.get_pixel(x, y).0[channel]);
        let top = at(x0, y0) * (1.0 - fx) + at(x1, y0) * fx;
        let bottom = at(x0, y1) * (1.0 - fx) + at(x1, y1) * fx;
        *value = top * (1.0 - fy) + bottom * fy;
    }
    Some(out)
}

/// The card held up in front of the wall, as one camera frame.
fn held_up(card: &RgbImage, dice: &mut Dice) -> RgbImage {
    let mut frame = wall(dice);
    let width = f64::from(WIDTH) * dice.between(0.35, 0.6);
    let scale = width / f64::from(card.width());
    let angle = dice.between(-20.0, 20.0).to_radians();
    let shear = dice.between(-0.12, 0.12);
    let light = dice.between(0.55, 1.15);
    let (cx, cy) = (
        f64::from(WIDTH) * dice.between(0.35, 0.65),
        f64::from(HEIGHT) * dice.between(0.4, 0.6),
    );
    let (half_w, half_h) = (f64::from(card.width()) / 2.0, f64::from(card.height()) / 2.0);
    let (sin, cos) = angle.sin_cos();
    for (x, y, pixel) in frame.enumerate_pixels_mut() {
        // Back from the frame to the card: undo the move, the rotation, the shear, the scale.
        let (dx, dy) = (f64::from(x) - cx, f64::from(y) - cy);
        let (rx, ry) = (cos * dx + sin * dy, -sin * dx + cos * dy);
        let (sx, sy) = (rx - shear * ry, ry);
        let (u, v) = (sx / scale + half_w, sy / scale + half_h);
        if let Some(rgb) = sample(card, u, v) {
            let noise = dice.between(-8.0, 8.0);
            *pixel = Rgb(rgb.map(|c| (c * light + noise).clamp(0.0, 255.0) as u8));
        }
    }
    frame
}

fn save_jpeg(frame: &RgbImage, path: &std::path::Path, quality: u8) {
    let file = std::fs::File::create(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut writer = std::io::BufWriter::new(file);
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut writer, quality)
        .encode_image(frame)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(card), Some(out)) = (args.next(), args.next()) else {
        eprintln!("usage: held_up CARD.png OUT_DIR [COUNT]");
        std::process::exit(2);
    };
    let count: u32 = args.next().and_then(|n| n.parse().ok()).unwrap_or(20);
    let card = image::open(&card).unwrap_or_else(|e| panic!("{card}: {e}")).into_rgb8();
    let out = PathBuf::from(out);
    std::fs::create_dir_all(&out).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
    let mut dice = Dice(0x2026_1201_u64 ^ u64::from(count));
    for n in 0..count {
        let quality = dice.between(60.0, 90.0) as u8;
        save_jpeg(
            &held_up(&card, &mut dice),
            &out.join(format!("{n:03}-a-card.jpg")),
            quality,
        );
        save_jpeg(&wall(&mut dice), &out.join(format!("{n:03}-b-wall.jpg")), 80);
    }
    println!("{} frames in {}", count * 2, out.display());
}
