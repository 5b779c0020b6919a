//! The holder photo: decoded from PNG or JPEG, turned upright by its EXIF
//! orientation, centre-cropped to the frame's aspect ratio (never stretched) and
//! scaled down to the print resolution, so any input from portrait to landscape
//! fills the frame and the PDF carries no more pixels than the printer can use.

use std::io::Cursor;

use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageReader, Limits, RgbImage};

use crate::error::{PrinterError, Result};

/// Pixels per mm the photo is kept at: 300 dpi, the card printers' resolution.
const PX_PER_MM: f32 = 300.0 / 25.4;
/// Larger inputs are refused before decoding (a 24-megapixel camera is 6000 px wide).
const MAX_SIDE_PX: u32 = 12_000;
const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;

/// The pixels across a frame `frame_w` mm wide at the print resolution.
pub fn print_width_px(frame_w: f32) -> u32 {
    (frame_w * PX_PER_MM).round() as u32
}

/// A photo cropped to its frame: RGB, 8 bits a channel, rows top to bottom.
#[derive(Clone, PartialEq, Eq)]
pub struct Photo {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

impl std::fmt::Debug for Photo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Photo({}x{})", self.width, self.height)
    }
}

/// The largest centred region of a `width` × `height` image with the aspect
/// ratio `frame_w` : `frame_h`, as (x, y, width, height) in pixels.
pub fn centre_crop(width: u32, height: u32, frame_w: f32, frame_h: f32) -> (u32, u32, u32, u32) {
    let frame_aspect = frame_w / frame_h;
    let image_aspect = width as f32 / height as f32;
    if image_aspect > frame_aspect {
        let crop_w = ((height as f32 * frame_aspect).round() as u32).clamp(1, width);
        ((width - crop_w) / 2, 0, crop_w, height)
    } else {
        let crop_h = ((width as f32 / frame_aspect).round() as u32).clamp(1, height);
        (0, (height - crop_h) / 2, width, crop_h)
    }
}

/// Decodes a PNG or JPEG (within the size limits) and turns it upright by
/// its EXIF orientation: the picture as a person sees it, RGB.
pub fn decode_photo(bytes: &[u8]) -> Result<RgbImage> {
    let photo_error = |detail: String| PrinterError::Photo { detail };
    if bytes.is_empty() {
        return Err(photo_error("the photo is empty".into()));
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| photo_error(e.to_string()))?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE_PX);
    limits.max_image_height = Some(MAX_SIDE_PX);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| photo_error(format!("not a PNG or JPEG image: {e}")))?;
    let orientation = decoder.orientation().map_err(|e| photo_error(e.to_string()))?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| photo_error(e.to_string()))?;
    image.apply_orientation(orientation);
    Ok(image.to_rgb8())
}

/// Decodes `bytes` and fits the picture to a frame of `frame_w` × `frame_h` mm.
pub fn fit_photo(bytes: &[u8], frame_w: f32, frame_h: f32) -> Result<Photo> {
    let rgb = decode_photo(bytes)?;
    let (x, y, w, h) = centre_crop(rgb.width(), rgb.height(), frame_w, frame_h);
    let cropped = image::imageops::crop_imm(&rgb, x, y, w, h).to_image();
    let target_w = print_width_px(frame_w);
    let scaled: RgbImage = if w > target_w {
        let target_h = ((h as f32) * target_w as f32 / w as f32).round().max(1.0) as u32;
        image::imageops::resize(&cropped, target_w, target_h, FilterType::CatmullRom)
    } else {
        cropped
    };
    Ok(Photo {
        width: scaled.width(),
        height: scaled.height(),
        rgb: scaled.into_raw(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crops_keep_the_frame_aspect_and_stay_centred() {
        for (w, h) in [(600, 800), (300, 1200), (1200, 300), (800, 800), (1, 1000)] {
            let (x, y, cw, ch) = centre_crop(w, h, 3.0, 4.0);
            assert!(x + cw <= w && y + ch <= h);
            assert!((x as i64 * 2 - (w - cw) as i64).abs() <= 1 && (y as i64 * 2 - (h - ch) as i64).abs() <= 1);
            if cw > 10 {
                assert!(
                    (cw as f32 / ch as f32 - 0.75).abs() < 0.01,
                    "{w}x{h} cropped to {cw}x{ch}"
                );
            }
        }
    }
}
