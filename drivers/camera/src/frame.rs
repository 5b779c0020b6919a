//! What every source delivers: one picture and when it was taken, so consumers
//! (decoding, preview) do not care whether it came from a webcam or a file.

use std::time::Instant;

use image::{DynamicImage, GrayImage, RgbImage};

use crate::error::{CameraError, Result};

/// A frame's pixels, in whichever form the source had them: webcams give RGB,
/// grayscale files stay grayscale so no conversion is spent on them.
#[derive(Debug, Clone)]
pub enum Pixels {
    Gray(GrayImage),
    Rgb(RgbImage),
}

/// One captured picture.
#[derive(Debug, Clone)]
pub struct Frame {
    pub pixels: Pixels,
    /// When the source produced the frame; lets a consumer skip stale frames.
    pub captured_at: Instant,
}

impl Frame {
    pub fn new(pixels: Pixels) -> Frame {
        Frame {
            pixels,
            captured_at: Instant::now(),
        }
    }

    pub fn width(&self) -> u32 {
        match &self.pixels {
            Pixels::Gray(image) => image.width(),
            Pixels::Rgb(image) => image.width(),
        }
    }

    pub fn height(&self) -> u32 {
        match &self.pixels {
            Pixels::Gray(image) => image.height(),
            Pixels::Rgb(image) => image.height(),
        }
    }

    /// The frame as a JPEG of `quality` (1–100), as a preview shows it.
    pub fn to_jpeg(&self, quality: u8) -> Result<Vec<u8>> {
        let mut bytes = Vec::with_capacity(128 * 1024);
        let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality);
        let encoded = match &self.pixels {
            Pixels::Gray(image) => encoder.encode_image(image),
            Pixels::Rgb(image) => encoder.encode_image(image),
        };
        encoded.map_err(CameraError::EncodePreview)?;
        Ok(bytes)
    }

    /// The frame in grayscale, as the QR decoder wants it.
    pub fn to_gray(&self) -> GrayImage {
        match &self.pixels {
            Pixels::Gray(image) => image.clone(),
            Pixels::Rgb(image) => DynamicImage::ImageRgb8(image.clone()).into_luma8(),
        }
    }
}

impl From<DynamicImage> for Pixels {
    fn from(image: DynamicImage) -> Pixels {
        match image {
            DynamicImage::ImageLuma8(gray) => Pixels::Gray(gray),
            DynamicImage::ImageRgb8(rgb) => Pixels::Rgb(rgb),
            other => Pixels::Rgb(other.into_rgb8()),
        }
    }
}

/// Anything that yields frames: a webcam, a folder of photos, a list of files.
pub trait FrameSource {
    /// The next frame; `Ok(None)` when a finite source has delivered all it has.
    /// A live camera never ends: it blocks until the next frame or fails.
    fn next_frame(&mut self) -> Result<Option<Frame>>;

    /// A name for messages: the camera's name or the folder's path.
    fn name(&self) -> String;
}
