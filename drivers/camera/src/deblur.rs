//! Undoing the blur of a card that moved, or was held out of focus, while the
//! camera exposed the frame. A dense credential QR has two or three pixels a
//! module in a webcam frame, so a streak of five to twelve pixels smears
//! several modules together and no binarizer separates them again; the
//! decoder's last passes deconvolve the frame instead.
//!
//! The streak is measured from the frame itself: brightness changes least
//! along the motion (the direction of least gradient energy), and along that
//! direction each edge becomes a ramp as long as the streak, so the
//! derivative's autocorrelation dips at that length. The frame is then
//! deconvolved by a Wiener filter (frequency domain, a fixed noise-to-signal
//! ratio) with that streak, or with a defocus disk.
//!
//! Not for sharpening mildly soft frames (the unsharp-mask pass does that far
//! more cheaply) nor for noise: deconvolution amplifies noise, so dim, noisy
//! frames gain little.

use std::f32::consts::PI;

use image::GrayImage;
use rustfft::FftPlanner;
use rustfft::num_complex::Complex32;

/// Streak lengths measured, in pixels: a hand moving a card during a webcam
/// exposure, at arm's length. Shorter streaks leave the code readable as it is.
const MOTION_LENGTHS: std::ops::RangeInclusive<u32> = 2..=15;

/// The Wiener filter's noise-to-signal power ratio: low, because a webcam frame
/// with a card in it is mostly signal; higher values leave more blur.
const NOISE_TO_SIGNAL: f32 = 0.002;

/// A blur to undo.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Blur {
    /// A card moved during the exposure.
    Motion(Streak),
    /// An out-of-focus disk of this radius in pixels.
    Defocus { radius: f32 },
}

/// A frame prepared for deconvolution: its spectrum and the streak it shows,
/// both computed once for the several blurs tried on it.
pub struct Deblurrer {
    spectrum: Spectrum,
    streak: Option<Streak>,
}

/// A straight motion streak: its length in pixels and its direction (image
/// coordinates: x right, y down).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Streak {
    length: u32,
    radians: f32,
}

/// The least detail (mean absolute difference between neighbouring pixels, in
/// grey levels, over the busiest [`PROBE`]-sided square) worth deconvolving:
/// an empty wall has about 5, a blurred card's code 30 and more. Frames with
/// nothing more detailed, most of a live camera's, cost nothing more.
const MIN_DETAIL: f32 = 12.0;

/// The largest ratio of the least to the most gradient energy over directions
/// that still counts as a streak: a card moved during the exposure gives
/// 0.15–0.4, a still one, even steeply tilted, 0.55 and more.
const MAX_STREAK_RATIO: f32 = 0.5;

/// The side of the square that is deconvolved, in pixels: room for the
/// largest card QR a 1280×720 frame shows, tilted, at a quarter of the frame's
/// pixels (the Fourier transforms dominate the cost).
const WINDOW: u32 = 512;

/// The side of the window that looks for the code: about a small card's QR.
const PROBE: u32 = 160;

impl Deblurrer {
    /// Prepares the [`WINDOW`]-sized square of `image` around its most
    /// detailed part, where the code is; `None` if nothing in the frame is
    /// detailed enough to be a card.
    pub fn new(image: &GrayImage) -> Option<Self> {
        let (region, detail) = busiest_square(image);
        (detail >= MIN_DETAIL).then(|| Self {
            spectrum: Spectrum::of(&region),
            streak: measure_streak(&region),
        })
    }

    /// The frame with the measured streak, turned by `turn_degrees`, undone;
    /// `None` if the frame shows no streak.
    pub fn undo_motion(&mut self, turn_degrees: f32) -> Option<GrayImage> {
        let Streak { length, radians } = self.streak?;
        Some(self.spectrum.unblur(Blur::Motion(Streak {
            length,
            radians: radians + turn_degrees.to_radians(),
        })))
    }

    /// The frame with a defocus disk of `radius` pixels undone.
    pub fn undo_defocus(&mut self, radius: f32) -> GrayImage {
        self.spectrum.unblur(Blur::Defocus { radius })
    }
}

/// The [`WINDOW`]-sided square of `image` (all of it, if smaller) centred on
/// the [`PROBE`]-sided square with the most brightness change (a QR code has
/// more edges to the area than the text or the photo on a card, or a wall),
/// and that change per pixel.
fn busiest_square(image: &GrayImage) -> (GrayImage, f32) {
    let (width, height) = (image.width() as usize, image.height() as usize);
    let pixels = image.as_raw();
    // Summed-area table of |horizontal| + |vertical| differences.
    let stride = width + 1;
    let mut sums = vec![0u64; stride * (height + 1)];
    for y in 0..height {
        let mut row = 0u64;
        for x in 0..width {
            let here = pixels[y * width + x];
            let right = pixels[y * width + (x + 1).min(width - 1)];
            let below = pixels[(y + 1).min(height - 1) * width + x];
            row += u64::from(here.abs_diff(right)) + u64::from(here.abs_diff(below));
            sums[(y + 1) * stride + x + 1] = sums[y * stride + x + 1] + row;
        }
    }
    let probe = (PROBE as usize).min(width).min(height);
    let sum = |x: usize, y: usize| {
        sums[(y + probe) * stride + x + probe] + sums[y * stride + x]
            - sums[y * stride + x + probe]
            - sums[(y + probe) * stride + x]
    };
    let mut best = (0, 0, 0);
    for y in (0..=height - probe).step_by(4) {
        for x in (0..=width - probe).step_by(4) {
            let edges = sum(x, y);
            if edges > best.0 {
                best = (edges, x, y);
            }
        }
    }
    let (side_x, side_y) = (WINDOW.min(image.width()), WINDOW.min(image.height()));
    let corner = |probe_at: usize, side: u32, limit: u32| {
        let centre = (probe_at + probe / 2) as u32;
        centre.saturating_sub(side / 2).min(limit - side)
    };
    let (x, y) = (
        corner(best.1, side_x, image.width()),
        corner(best.2, side_y, image.height()),
    );
    let detail = best.0 as f32 / (probe * probe) as f32;
    (
        image::imageops::crop_imm(image, x, y, side_x, side_y).to_image(),
        detail,
    )
}

/// The motion streak the frame most likely shows, if it shows one.
fn measure_streak(image: &GrayImage) -> Option<Streak> {
    let gradients = Gradients::of(image);
    let (radians, ratio) = gradients.calmest_direction();
    if ratio > MAX_STREAK_RATIO {
        return None;
    }
    let length = MOTION_LENGTHS
        .min_by(|a, b| {
            let (a, b) = (
                gradients.autocorrelation(radians, *a),
                gradients.autocorrelation(radians, *b),
            );
            a.total_cmp(&b)
        })
        .unwrap_or(*MOTION_LENGTHS.start());
    Some(Streak { length, radians })
}

/// A frame's spectrum, computed once and deconvolved by several guesses of its blur.
struct Spectrum {
    width: usize,
    height: usize,
    bins: Vec<Complex32>,
    planner: FftPlanner<f32>,
}

impl Spectrum {
    fn of(image: &GrayImage) -> Self {
        let (width, height) = (image.width() as usize, image.height() as usize);
        let mut spectrum = Self {
            width,
            height,
            bins: image
                .as_raw()
                .iter()
                .map(|&v| Complex32::new(f32::from(v), 0.0))
                .collect(),
            planner: FftPlanner::new(),
        };
        let mut bins = std::mem::take(&mut spectrum.bins);
        spectrum.transform(&mut bins, false);
        spectrum.bins = bins;
        spectrum
    }

    /// The frame with `blur` undone by a Wiener filter.
    fn unblur(&mut self, blur: Blur) -> GrayImage {
        let mut kernel = self.kernel_image(blur);
        self.transform(&mut kernel, false);
        let mut restored: Vec<Complex32> = self
            .bins
            .iter()
            .zip(&kernel)
            .map(|(frame, kernel)| frame * kernel.conj() / (kernel.norm_sqr() + NOISE_TO_SIGNAL))
            .collect();
        self.transform(&mut restored, true);
        let scale = 1.0 / (self.width * self.height) as f32;
        let pixels = restored
            .iter()
            .map(|v| (v.re * scale).round().clamp(0.0, 255.0) as u8)
            .collect();
        GrayImage::from_raw(self.width as u32, self.height as u32, pixels).unwrap_or_default()
    }

    /// The blur's point-spread function, centred on pixel (0, 0) and wrapped
    /// around the edges, the layout a circular convolution expects.
    fn kernel_image(&self, blur: Blur) -> Vec<Complex32> {
        let mut kernel = vec![Complex32::default(); self.width * self.height];
        let taps = taps(blur);
        let total: f32 = taps.iter().map(|(_, _, weight)| weight).sum();
        for (dx, dy, weight) in taps {
            let x = dx.rem_euclid(self.width as i32) as usize;
            let y = dy.rem_euclid(self.height as i32) as usize;
            kernel[y * self.width + x].re += weight / total;
        }
        kernel
    }

    /// A 2-D FFT (or its unscaled inverse) of `data`, laid out row by row.
    fn transform(&mut self, data: &mut [Complex32], inverse: bool) {
        let (width, height) = (self.width, self.height);
        let mut plan = |len| {
            if inverse {
                self.planner.plan_fft_inverse(len)
            } else {
                self.planner.plan_fft_forward(len)
            }
        };
        plan(width).process(data);
        let mut columns = transpose(data, width, height);
        plan(height).process(&mut columns);
        data.copy_from_slice(&transpose(&columns, height, width));
    }
}

fn transpose(data: &[Complex32], width: usize, height: usize) -> Vec<Complex32> {
    let mut out = vec![Complex32::default(); data.len()];
    for y in 0..height {
        for x in 0..width {
            out[x * height + y] = data[y * width + x];
        }
    }
    out
}

/// The point-spread function as (dx, dy, weight) taps, not normalised.
fn taps(blur: Blur) -> Vec<(i32, i32, f32)> {
    match blur {
        Blur::Motion(Streak { length, radians }) => streak_taps(length, radians),
        Blur::Defocus { radius } => disk_taps(radius),
    }
}

/// A straight streak through the centre: a row of `length` pixels turned to
/// `radians`, each tap interpolated bilinearly from the unturned row (how a
/// streak's point-spread function is commonly drawn, OpenCV's included).
fn streak_taps(length: u32, radians: f32) -> Vec<(i32, i32, f32)> {
    let size = length as i32;
    let row = size / 2;
    let centre = (length as f32 - 1.0) / 2.0;
    let (sin, cos) = radians.sin_cos();
    let in_row = |x: i32, y: i32| if y == row && (0..size).contains(&x) { 1.0 } else { 0.0 };
    let mut taps = Vec::new();
    for v in 0..size {
        for u in 0..size {
            let (du, dv) = (u as f32 - centre, v as f32 - centre);
            let (sx, sy) = (centre + cos * du + sin * dv, centre - sin * du + cos * dv);
            let (x0, y0) = (sx.floor(), sy.floor());
            let (fx, fy) = (sx - x0, sy - y0);
            let (x0, y0) = (x0 as i32, y0 as i32);
            let weight = in_row(x0, y0) * (1.0 - fx) * (1.0 - fy)
                + in_row(x0 + 1, y0) * fx * (1.0 - fy)
                + in_row(x0, y0 + 1) * (1.0 - fx) * fy
                + in_row(x0 + 1, y0 + 1) * fx * fy;
            if weight > 0.0 {
                taps.push((u - row, v - row, weight));
            }
        }
    }
    taps
}

/// A uniform disk, each pixel weighted by the share of it inside (4×4 subsamples).
fn disk_taps(radius: f32) -> Vec<(i32, i32, f32)> {
    const SUB: i32 = 4;
    let reach = radius.ceil() as i32;
    let mut taps = Vec::new();
    for dy in -reach..=reach {
        for dx in -reach..=reach {
            let inside = (0..SUB * SUB)
                .filter(|i| {
                    let sx = dx as f32 + ((i % SUB) as f32 + 0.5) / SUB as f32 - 0.5;
                    let sy = dy as f32 + ((i / SUB) as f32 + 0.5) / SUB as f32 - 0.5;
                    sx * sx + sy * sy <= radius * radius
                })
                .count();
            if inside > 0 {
                taps.push((dx, dy, inside as f32));
            }
        }
    }
    taps
}

/// Sobel gradients of a frame, from which a streak is measured.
struct Gradients {
    width: usize,
    height: usize,
    gx: Vec<f32>,
    gy: Vec<f32>,
}

impl Gradients {
    fn of(image: &GrayImage) -> Self {
        let (width, height) = (image.width() as usize, image.height() as usize);
        let pixels = image.as_raw();
        let at = |x: usize, y: usize| f32::from(pixels[y * width + x]);
        let (mut gx, mut gy) = (vec![0.0; width * height], vec![0.0; width * height]);
        for y in 1..height.saturating_sub(1) {
            for x in 1..width.saturating_sub(1) {
                gx[y * width + x] = at(x + 1, y - 1) + 2.0 * at(x + 1, y) + at(x + 1, y + 1)
                    - at(x - 1, y - 1)
                    - 2.0 * at(x - 1, y)
                    - at(x - 1, y + 1);
                gy[y * width + x] = at(x - 1, y + 1) + 2.0 * at(x, y + 1) + at(x + 1, y + 1)
                    - at(x - 1, y - 1)
                    - 2.0 * at(x, y - 1)
                    - at(x + 1, y - 1);
            }
        }
        Self { width, height, gx, gy }
    }

    /// The direction (radians) along which brightness changes least (the
    /// structure tensor's eigenvector of the smaller eigenvalue), and the
    /// ratio of the least to the most energy.
    fn calmest_direction(&self) -> (f32, f32) {
        let (mut xx, mut yy, mut xy) = (0.0f64, 0.0f64, 0.0f64);
        for (gx, gy) in self.gx.iter().zip(&self.gy) {
            let (gx, gy) = (f64::from(*gx), f64::from(*gy));
            xx += gx * gx;
            yy += gy * gy;
            xy += gx * gy;
        }
        let steepest = 0.5 * (2.0 * xy).atan2(xx - yy);
        let spread = ((xx - yy).powi(2) + 4.0 * xy * xy).sqrt();
        let ratio = (xx + yy - spread) / (xx + yy + spread).max(f64::MIN_POSITIVE);
        (steepest as f32 + PI / 2.0, ratio as f32)
    }

    /// The mean product of the derivative along `radians` with itself `lag`
    /// pixels further along, over every second pixel in each direction (enough
    /// for the measure, at a quarter of the cost).
    fn autocorrelation(&self, radians: f32, lag: u32) -> f32 {
        let (sin, cos) = radians.sin_cos();
        let derivative = |i: usize| self.gx[i] * cos + self.gy[i] * sin;
        let (dx, dy) = (lag as f32 * cos, lag as f32 * sin);
        let (mut sum, mut count) = (0.0f64, 0u64);
        for y in (0..self.height).step_by(2) {
            for x in (0..self.width).step_by(2) {
                let (sx, sy) = (x as f32 + dx, y as f32 + dy);
                if sx < 0.0 || sy < 0.0 {
                    continue;
                }
                let (x0, y0) = (sx.floor() as usize, sy.floor() as usize);
                if x0 + 1 >= self.width || y0 + 1 >= self.height {
                    continue;
                }
                let (fx, fy) = (sx - x0 as f32, sy - y0 as f32);
                let i = y0 * self.width + x0;
                let shifted = derivative(i) * (1.0 - fx) * (1.0 - fy)
                    + derivative(i + 1) * fx * (1.0 - fy)
                    + derivative(i + self.width) * (1.0 - fx) * fy
                    + derivative(i + self.width + 1) * fx * fy;
                sum += f64::from(derivative(y * self.width + x) * shifted);
                count += 1;
            }
        }
        if count == 0 { 0.0 } else { (sum / count as f64) as f32 }
    }
}

#[cfg(test)]
mod tests {
    use image::Luma;

    use super::*;

    fn gray(width: u32, height: u32, f: impl Fn(u32, u32) -> u8) -> GrayImage {
        GrayImage::from_fn(width, height, |x, y| Luma([f(x, y)]))
    }

    /// A random pattern of 3-pixel modules, like a QR code filling the frame.
    fn modules() -> GrayImage {
        let mut state = 0x9e37_79b9_u32;
        let cells: Vec<u8> = (0..(100 * 60))
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                if state & 1 == 1 { 30 } else { 220 }
            })
            .collect();
        gray(300, 180, |x, y| cells[(y / 3 * 100 + x / 3) as usize])
    }

    fn blurred(image: &GrayImage, blur: Blur) -> GrayImage {
        let taps = taps(blur);
        let total: f32 = taps.iter().map(|t| t.2).sum();
        let (w, h) = (image.width() as i32, image.height() as i32);
        gray(image.width(), image.height(), |x, y| {
            let value: f32 = taps
                .iter()
                .map(|&(dx, dy, weight)| {
                    let (sx, sy) = ((x as i32 - dx).rem_euclid(w), (y as i32 - dy).rem_euclid(h));
                    f32::from(image.get_pixel(sx as u32, sy as u32).0[0]) * weight
                })
                .sum();
            (value / total).round() as u8
        })
    }

    fn mean_error(a: &GrayImage, b: &GrayImage) -> f32 {
        let total: u32 = a
            .pixels()
            .zip(b.pixels())
            .map(|(a, b)| a.0[0].abs_diff(b.0[0]) as u32)
            .sum();
        total as f32 / a.len() as f32
    }

    /// Photos of the benchmark set (`bench/photos.py`, seed 2026) and the
    /// streak each was blurred with there: length, and direction in degrees
    /// (counter-clockwise on screen, OpenCV's convention).
    const STREAKED: [(&str, u32, f32); 2] = [("motion-blur-008.jpg", 8, 125.5), ("motion-blur-013.jpg", 11, 44.0)];

    #[test]
    fn measures_the_length_and_direction_of_a_streak_in_a_photo() {
        let photos = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/photos");
        for (name, length, degrees) in STREAKED {
            let photo = image::open(photos.join(name)).expect("fixture photo").into_luma8();
            let Streak { length: found, radians } = measure_streak(&photo).expect("a streak");
            assert_eq!(found, length, "{name}");
            // Screen counter-clockwise is negative in image coordinates (y down).
            let off = (radians + degrees.to_radians()).rem_euclid(PI);
            assert!(
                off.min(PI - off) < 6f32.to_radians(),
                "{name}: {degrees}° measured as {}°",
                -radians.to_degrees()
            );
        }
    }

    #[test]
    fn deconvolution_brings_back_the_modules() {
        let sharp = modules();
        for blur in [
            Blur::Motion(Streak {
                length: 9,
                radians: 0.7,
            }),
            Blur::Defocus { radius: 3.0 },
        ] {
            let smeared = blurred(&sharp, blur);
            let restored = Spectrum::of(&smeared).unblur(blur);
            let (before, after) = (mean_error(&smeared, &sharp), mean_error(&restored, &sharp));
            assert!(after < before / 2.0, "{blur:?}: error {before} before, {after} after");
        }
    }
}
