//! The holder's photo as the chip carries it: small enough for the chip's
//! photo file, still a face an officer can hold up against the person.
//!
//! Why the chip carries a photo: a gate at another port holds no cache of
//! this office's passes, so without it the officer has no face to compare.
//! The photo's SHA-256 is in the chip credential's signed claims, so a photo
//! swapped on the chip is caught ([`pass_credential::Reason::PhotoAltered`]).
//!
//! Greyscale (colour costs bytes and adds little to telling faces apart),
//! 3:4 like the card's photo, and the largest size and JPEG quality that fit
//! the file, trying from 96×128 pixels down.
//!
//! What it is not for: the printed photo ([`crate::desk_photo`], the printer
//! crate) or writing the chip ([`crate::chip`]).

use image::GrayImage;
use image::imageops::FilterType;

use crate::StationError;

/// The most a chip's photo takes, in bytes: every byte is an exchange's
/// share twice (written, then read back), and at 900 an issue stays within
/// 400 ms on a card taking 5 ms an exchange (`pass-reader`'s `vpcd_bench`).
/// The chip's file has room for more (1,278 bytes).
pub const LARGEST: usize = 900;

/// Sizes tried, largest first: each still shows a face at a gate's screen.
const SIZES: [(u32, u32); 4] = [(96, 128), (84, 112), (72, 96), (60, 80)];
/// JPEG qualities tried at each size, best first.
const QUALITIES: [u8; 4] = [60, 50, 40, 30];

/// The chip's photo made from the cached photo `bytes` (JPEG or PNG): at most
/// `capacity` bytes of JPEG.
pub fn for_chip(bytes: &[u8], capacity: usize) -> Result<Vec<u8>, StationError> {
    let unreadable = |detail: String| StationError::PhotoUnreadable { detail };
    let picture = pass_printer::decode_photo(bytes).map_err(|e| unreadable(e.to_string()))?;
    let (width, height) = picture.dimensions();
    let (x, y, crop_width, crop_height) = pass_printer::centre_crop(width, height, 3.0, 4.0);
    let face = image::imageops::crop_imm(&picture, x, y, crop_width, crop_height).to_image();
    let face = image::DynamicImage::ImageRgb8(face).into_luma8();
    for (width, height) in SIZES {
        let small: GrayImage = image::imageops::resize(&face, width, height, FilterType::CatmullRom);
        for quality in QUALITIES {
            let mut jpeg = Vec::new();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, quality)
                .encode_image(&small)
                .map_err(|e| unreadable(format!("the chip's photo could not be written as a JPEG: {e}")))?;
            if jpeg.len() <= capacity {
                return Ok(jpeg);
            }
        }
    }
    Err(unreadable(format!(
        "even at 60×80 pixels the photo takes more than the chip's {capacity} bytes"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A picture with as much detail as a face and more: noise over a gradient.
    fn busy_picture(width: u32, height: u32) -> Vec<u8> {
        let mut state = 0x9E37_79B9_u32;
        let picture = image::RgbImage::from_fn(width, height, |x, y| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let noise = (state % 64) as u8;
            image::Rgb([(x % 200) as u8 + noise / 2, (y % 200) as u8, noise])
        });
        let mut png = Vec::new();
        picture
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .expect("PNG");
        png
    }

    #[test]
    fn a_chip_photo_fits_its_file_and_is_a_greyscale_jpeg_of_3_to_4() {
        let photo = for_chip(&busy_picture(600, 800), LARGEST).expect("fits");
        assert!(photo.len() <= LARGEST, "{} bytes", photo.len());
        let decoded = image::load_from_memory_with_format(&photo, image::ImageFormat::Jpeg).expect("a JPEG");
        println!(
            "chip photo of a noisy 600x800 picture: {}x{}, {} bytes",
            decoded.width(),
            decoded.height(),
            photo.len()
        );
        assert_eq!(decoded.color(), image::ColorType::L8);
        assert_eq!(decoded.width() * 4, decoded.height() * 3);
    }

    #[test]
    fn a_photo_that_cannot_fit_is_refused() {
        assert!(matches!(
            for_chip(&busy_picture(600, 800), 200),
            Err(StationError::PhotoUnreadable { .. })
        ));
    }
}
