//! QR decoding that survives a webcam. Cards held up to a camera at a gate are
//! dim, glared, shadowed, blurred and tilted; the QR search is `rxing` (a pure
//! Rust port of ZXing) with its hybrid local binarizer and the thorough
//! finder-pattern scan. A frame it cannot read as it is gets a short, fixed
//! sequence of prepared versions (sharpened, thresholded once for the whole
//! frame, halved, then deconvolved for motion or defocus blur, see
//! [`crate::deblur`]), and the search stops at the first text the caller
//! accepts, so a readable frame never pays for the costly passes.
//! Deterministic and single-threaded, so a frame decodes the same way on every
//! machine.

use std::collections::HashSet;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use image::GrayImage;
use image::imageops::{FilterType, resize};
use rxing::common::HybridBinarizer;
use rxing::multi::MultipleBarcodeReader;
use rxing::qrcode::QRCodeReader;
use rxing::qrcode::cpp_port::QrReader;
use rxing::{BarcodeFormat, BinaryBitmap, DecodeHints, Luma8LuminanceSource, Reader};

use crate::deblur::Deblurrer;
use crate::error::Result;
use crate::images::{image_from_bytes, load_image};

/// Frames larger than this (longest side, pixels) are scaled down first: a QR
/// filling a phone-sized photo has far more pixels per module than needed, and
/// detection time grows with the pixel count.
const MAX_WORKING_SIDE: u32 = 1600;

/// A text read from a QR code and accepted by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    /// How many prepared images were searched, the successful one included.
    pub attempts: u32,
    /// The preparation that produced the text.
    pub strategy: Strategy,
}

/// How a frame was prepared before the QR search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Strategy {
    /// Scale relative to the working frame, in percent.
    pub scale_percent: u32,
    pub filter: Filter,
}

/// A pixel-level preparation of the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    /// The frame as it is; the decoder binarizes it itself.
    None,
    /// Unsharp mask: mild defocus and motion blur.
    Sharpen,
    /// Black and white at one threshold for the whole frame (Otsu's): a large,
    /// steeply tilted code, whose far modules the local binarizer misjudges.
    Otsu,
    /// Wiener deconvolution of the motion streak measured in the frame, its
    /// direction turned by this many degrees (the measure can be a few off).
    Unstreak { turn_degrees: i8 },
    /// Wiener deconvolution of an out-of-focus disk of this radius in pixels.
    Refocus { radius: u8 },
}

impl Filter {
    /// Whether the filter deconvolves the frame (see [`crate::deblur`]).
    const fn deconvolves(self) -> bool {
        matches!(self, Self::Unstreak { .. } | Self::Refocus { .. })
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.filter {
            Filter::None => write!(f, "plain"),
            Filter::Sharpen => write!(f, "sharpen"),
            Filter::Otsu => write!(f, "otsu"),
            Filter::Unstreak { turn_degrees } => write!(f, "unstreak{turn_degrees:+}°"),
            Filter::Refocus { radius } => write!(f, "refocus{radius}px"),
        }?;
        write!(f, "@{}%", self.scale_percent)
    }
}

/// The preparations tried, in order: the plain frame reads almost every
/// readable card; sharpening recovers some defocused ones and halving the frame
/// the odd low-light one. Deconvolution (tens of milliseconds each) comes last,
/// and only on frames that could hold a blurred card: the measured streak, a
/// strong defocus, the streak a few degrees either way (the measure can be that
/// far off), then the same streaks on the frame enlarged by half, where the
/// streak's length is measured more finely and the grid has more pixels.
const STRATEGIES: [Strategy; 11] = [
    strategy(100, Filter::None),
    strategy(100, Filter::Sharpen),
    strategy(100, Filter::Otsu),
    strategy(50, Filter::None),
    strategy(100, Filter::Unstreak { turn_degrees: 0 }),
    strategy(100, Filter::Refocus { radius: 3 }),
    strategy(100, Filter::Unstreak { turn_degrees: -4 }),
    strategy(100, Filter::Unstreak { turn_degrees: 4 }),
    strategy(150, Filter::Unstreak { turn_degrees: 0 }),
    strategy(150, Filter::Unstreak { turn_degrees: -4 }),
    strategy(150, Filter::Unstreak { turn_degrees: 4 }),
];

const fn strategy(scale_percent: u32, filter: Filter) -> Strategy {
    Strategy { scale_percent, filter }
}

/// Finds a QR code in `image` whose text `accept` approves.
///
/// Codes that decode but are refused (another product's QR, a forged or
/// truncated credential) do not stop the search; `None` means no accepted code.
pub fn decode_qr(image: &GrayImage, accept: &dyn Fn(&str) -> bool) -> Option<Decoded> {
    if image.width() == 0 || image.height() == 0 {
        return None;
    }
    let working = fit_within(image, MAX_WORKING_SIDE);
    let mut scaled: Option<Scaled> = None;
    let mut attempts = 0;
    for strategy in STRATEGIES {
        // A frame with nothing detailed enough to deblur has nothing at any scale.
        if strategy.filter.deconvolves() && scaled.as_ref().is_some_and(Scaled::is_featureless) {
            continue;
        }
        // Consecutive strategies often share a scale: resize once per run of them.
        let frame = match scaled {
            Some(ref mut frame) if frame.percent == strategy.scale_percent => frame,
            _ => scaled.insert(Scaled::new(&working, strategy.scale_percent)),
        };
        let Some(prepared) = frame.prepare(strategy.filter) else {
            continue;
        };
        attempts += 1;
        if let Some(text) = read_codes(&prepared).into_iter().find(|text| accept(text)) {
            return Some(Decoded {
                text,
                attempts,
                strategy,
            });
        }
    }
    None
}

/// The working frame at one scale, and its [`Deblurrer`] once a deconvolving
/// filter has asked for it (`Some(None)`: the frame has nothing to deblur).
struct Scaled {
    percent: u32,
    frame: GrayImage,
    deblurrer: Option<Option<Deblurrer>>,
}

impl Scaled {
    fn new(working: &GrayImage, percent: u32) -> Self {
        Self {
            percent,
            frame: rescale(working, percent),
            deblurrer: None,
        }
    }

    /// The frame prepared by `filter`, or `None` if the filter does not apply
    /// to it (no streak to undo, nothing detailed enough to deblur).
    fn prepare(&mut self, filter: Filter) -> Option<GrayImage> {
        match filter {
            Filter::None => Some(self.frame.clone()),
            Filter::Sharpen => Some(sharpen(&self.frame)),
            Filter::Otsu => Some(otsu(&self.frame)),
            Filter::Unstreak { turn_degrees } => self.deblurrer()?.undo_motion(f32::from(turn_degrees)),
            Filter::Refocus { radius } => Some(self.deblurrer()?.undo_defocus(f32::from(radius))),
        }
    }

    /// Whether a deconvolving filter found nothing detailed enough to deblur.
    fn is_featureless(&self) -> bool {
        matches!(self.deblurrer, Some(None))
    }

    fn deblurrer(&mut self) -> Option<&mut Deblurrer> {
        self.deblurrer
            .get_or_insert_with(|| Deblurrer::new(&self.frame))
            .as_mut()
    }
}

/// [`decode_qr`] on an image file (PNG or JPEG).
pub fn decode_file(path: &Path, accept: &dyn Fn(&str) -> bool) -> Result<Option<Decoded>> {
    Ok(decode_qr(&load_image(path)?.into_luma8(), accept))
}

/// [`decode_qr`] on an image (PNG or JPEG) in memory, such as a photo
/// uploaded to a window; `name` says where it came from.
pub fn decode_bytes(bytes: &[u8], name: &Path, accept: &dyn Fn(&str) -> bool) -> Result<Option<Decoded>> {
    Ok(decode_qr(&image_from_bytes(bytes, name)?.into_luma8(), accept))
}

/// Every QR text read in `image`: all codes the ZXing-style detector finds
/// (so a refused code beside the card's does not hide it), or, when it finds
/// none, what the classic ZXing QR reader makes of the frame.
fn read_codes(image: &GrayImage) -> Vec<String> {
    // The decoder computes grid positions from the picture; guard the station
    // against a panic on some unlucky frame: such a frame reads as nothing.
    catch_unwind(AssertUnwindSafe(|| {
        let hints = DecodeHints {
            TryHarder: Some(true),
            PossibleFormats: Some(HashSet::from([BarcodeFormat::QR_CODE])),
            ..DecodeHints::default()
        };
        let Ok(source) = Luma8LuminanceSource::new(image.as_raw().clone(), image.width(), image.height()) else {
            return Vec::new();
        };
        let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
        let texts: Vec<String> = QrReader
            .decode_multiple_with_hints(&mut bitmap, &hints)
            .map(|results| results.into_iter().map(|result| result.getText().to_owned()).collect())
            .unwrap_or_default();
        if !texts.is_empty() {
            return texts;
        }
        QRCodeReader
            .decode_with_hints(&mut bitmap, &hints)
            .map(|result| vec![result.getText().to_owned()])
            .unwrap_or_default()
    }))
    .unwrap_or_default()
}

fn fit_within(image: &GrayImage, max_side: u32) -> GrayImage {
    let longest = image.width().max(image.height());
    if longest <= max_side {
        return image.clone();
    }
    rescale(image, max_side * 100 / longest)
}

fn rescale(image: &GrayImage, percent: u32) -> GrayImage {
    if percent == 100 {
        return image.clone();
    }
    let scaled = |side: u32| (side * percent / 100).max(1);
    resize(
        image,
        scaled(image.width()),
        scaled(image.height()),
        FilterType::Triangle,
    )
}

/// The frame in black and white at Otsu's threshold: the grey level that
/// best separates the histogram into two classes (largest between-class variance).
fn otsu(image: &GrayImage) -> GrayImage {
    let mut histogram = [0u64; 256];
    for pixel in image.as_raw() {
        histogram[usize::from(*pixel)] += 1;
    }
    let total = image.as_raw().len() as f64;
    let weighted_total: f64 = (0..256).map(|level| level as f64 * histogram[level] as f64).sum();
    let (mut below, mut weighted_below) = (0.0, 0.0);
    let mut best = (0.0, 0u8);
    for (level, count) in (0u8..=255).zip(histogram) {
        below += count as f64;
        weighted_below += f64::from(level) * count as f64;
        let above = total - below;
        if below == 0.0 || above == 0.0 {
            continue;
        }
        let mean_gap = weighted_below / below - (weighted_total - weighted_below) / above;
        let between = below * above * mean_gap * mean_gap;
        if between > best.0 {
            best = (between, level);
        }
    }
    let mut output = image.clone();
    for pixel in output.pixels_mut() {
        pixel.0[0] = if pixel.0[0] > best.1 { 255 } else { 0 };
    }
    output
}

/// Unsharp mask: each pixel pushed away from its 5×5 neighbourhood's mean.
fn sharpen(image: &GrayImage) -> GrayImage {
    let mean = box_mean(image, 2);
    let mut output = image.clone();
    for (pixel, local) in output.pixels_mut().zip(mean.pixels()) {
        let value = i32::from(pixel.0[0]);
        pixel.0[0] = clamp_to_u8(value + (value - i32::from(local.0[0])) * 3 / 2);
    }
    output
}

/// The mean of each pixel's (2·radius+1)² neighbourhood, clipped at the edges,
/// from a summed-area table so the cost does not depend on the radius.
fn box_mean(image: &GrayImage, radius: u32) -> GrayImage {
    let (width, height) = (image.width() as usize, image.height() as usize);
    let stride = width + 1;
    let mut sums = vec![0u64; stride * (height + 1)];
    for y in 0..height {
        let mut row_sum = 0u64;
        for x in 0..width {
            row_sum += u64::from(image.as_raw()[y * width + x]);
            sums[(y + 1) * stride + x + 1] = sums[y * stride + x + 1] + row_sum;
        }
    }
    let radius = radius as usize;
    GrayImage::from_fn(image.width(), image.height(), |x, y| {
        let (x, y) = (x as usize, y as usize);
        let (left, right) = (x.saturating_sub(radius), (x + radius + 1).min(width));
        let (top, bottom) = (y.saturating_sub(radius), (y + radius + 1).min(height));
        let sum = sums[bottom * stride + right] + sums[top * stride + left]
            - sums[top * stride + right]
            - sums[bottom * stride + left];
        let count = ((right - left) * (bottom - top)) as u64;
        image::Luma([u8::try_from(sum / count).unwrap_or(u8::MAX)])
    })
}

fn clamp_to_u8(value: i32) -> u8 {
    u8::try_from(value.clamp(0, 255)).unwrap_or(u8::MAX)
}

#[cfg(test)]
mod tests {
    use image::Luma;

    use super::*;

    #[test]
    fn otsu_separates_dim_modules_from_a_dim_card() {
        // Modules at 20–40 on a card at 90–110: far below the mid-grey 128.
        let frame = GrayImage::from_fn(64, 64, |x, y| {
            let dark = (x / 4 + y / 4) % 3 == 0;
            Luma([if dark { 20 + (x % 21) as u8 } else { 90 + (y % 21) as u8 }])
        });
        let binary = otsu(&frame);
        for (original, split) in frame.pixels().zip(binary.pixels()) {
            assert_eq!(
                split.0[0],
                if original.0[0] <= 40 { 0 } else { 255 },
                "grey {}",
                original.0[0]
            );
        }
    }
}
