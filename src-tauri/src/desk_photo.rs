//! A holder photo taken at the desk, for a person whose photo central does
//! not hold or that would not do: the picture cropped to the card's photo
//! frame (3:4) where the clerk framed the face, scaled to the print size,
//! checked for what makes a poor card photo, and kept as a JPEG.
//!
//! The checks, each a warning the clerk may overrule (a person is not turned
//! away for a dim room):
//! - too dark: the mean luminance (Rec. 601) of the cropped photo;
//! - blurred: the variance of its Laplacian (a sharp face has strong edges);
//! - a small face area: the part of the picture the clerk framed has fewer
//!   pixels than the card's photo needs at 200 dpi, so it prints soft. It
//!   measures the framed area, not a detected face.
//!
//! Saving (at once to the cache, so the card prints offline, with its upload
//! to central queued in the outbox) is [`Station::set_desk_photo`]; the one
//! photo path stays: the cache's `photos` by SHA-256, named by the item.
//!
//! What it is not for: the camera (the shells hand in the bytes), the
//! printed layout (the printer crate fits a photo to its frame), or sending.

use image::{GrayImage, RgbImage};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::auth::{Duty, Session};
use crate::model::{CardState, Holder};
use crate::{Station, StationError};

/// Photos darker than this mean luminance (0–255) are warned of.
pub const LEAST_MEAN_LUMINANCE: f64 = 60.0;
/// Photos whose Laplacian varies less than this are warned of as blurred.
pub const LEAST_SHARPNESS: f64 = 40.0;
/// The framed area must reach this share of the print's pixels across (2/3: 200 dpi).
const LEAST_SHARE_NUMERATOR: u32 = 2;
const LEAST_SHARE_DENOMINATOR: u32 = 3;
/// JPEG quality of the kept photo: no visible loss at the print size.
const JPEG_QUALITY: u8 = 90;

/// A rectangle of the picture, in its pixels (after its EXIF orientation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Crop {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

impl std::str::FromStr for Crop {
    type Err = String;

    /// `x,y,width,height`, as `passctl photo --crop` takes it.
    fn from_str(text: &str) -> Result<Crop, String> {
        let numbers: Vec<u32> = text
            .split(',')
            .map(|n| n.trim().parse::<u32>())
            .collect::<Result<_, _>>()
            .map_err(|_| format!("{text:?} is not x,y,width,height in whole pixels"))?;
        match numbers[..] {
            [x, y, width, height] => Ok(Crop { x, y, width, height }),
            _ => Err(format!("{text:?} is not four numbers x,y,width,height")),
        }
    }
}

/// What may be wrong with a photo; the clerk retakes it or accepts it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PhotoWarning {
    /// Mean luminance `mean` (0–255), below `least`.
    TooDark { mean: u32, least: u32 },
    /// Variance of the Laplacian `sharpness`, below `least`.
    Blurred { sharpness: u32, least: u32 },
    /// The framed area is `width` × `height` pixels of the picture; the
    /// card's photo needs at least `least_width` × `least_height`.
    FaceAreaSmall {
        width: u32,
        height: u32,
        least_width: u32,
        least_height: u32,
    },
}

impl PhotoWarning {
    /// The warning's name, as the audit trail and the UI's catalogues key it.
    pub fn kind(&self) -> &'static str {
        match self {
            PhotoWarning::TooDark { .. } => "too_dark",
            PhotoWarning::Blurred { .. } => "blurred",
            PhotoWarning::FaceAreaSmall { .. } => "face_area_small",
        }
    }
}

/// A picture made into a card photo: the JPEG, its size, the crop taken
/// (the clerk's, narrowed to 3:4 and kept inside the picture) and the warnings.
#[derive(Debug, Clone)]
pub struct CardPhoto {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub crop: Crop,
    pub source_width: u32,
    pub source_height: u32,
    pub warnings: Vec<PhotoWarning>,
}

impl CardPhoto {
    /// The photo's address in the cache and at central.
    pub fn sha256(&self) -> String {
        hex::encode(Sha256::digest(&self.jpeg))
    }
}

/// The card's photo in pixels (width, height): the larger of the templates'
/// frames at the print resolution, so either template prints it sharp.
pub fn frame_px() -> (u32, u32) {
    let (w, h) = crate::printing::template(true).photo_frame();
    (pass_printer::print_width_px(w), pass_printer::print_width_px(h))
}

/// Makes a card photo of `bytes` (PNG or JPEG) from the part `crop` frames
/// (none: the largest centred 3:4 part), and checks it.
pub fn make_card_photo(bytes: &[u8], crop: Option<Crop>) -> Result<CardPhoto, StationError> {
    let picture =
        pass_printer::decode_photo(bytes).map_err(|e| StationError::PhotoUnreadable { detail: e.to_string() })?;
    let (source_width, source_height) = picture.dimensions();
    let (frame_w, frame_h) = frame_px();
    let crop = fit_crop(crop, source_width, source_height, frame_w, frame_h)?;
    let framed = image::imageops::crop_imm(&picture, crop.x, crop.y, crop.width, crop.height).to_image();
    let photo: RgbImage = image::imageops::resize(&framed, frame_w, frame_h, image::imageops::FilterType::CatmullRom);
    let warnings = check(&photo, crop);
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY)
        .encode_image(&photo)
        .map_err(|e| StationError::PhotoUnreadable {
            detail: format!("the cropped photo could not be written as a JPEG: {e}"),
        })?;
    Ok(CardPhoto {
        jpeg,
        width: frame_w,
        height: frame_h,
        crop,
        source_width,
        source_height,
        warnings,
    })
}

/// The crop actually taken: the clerk's rectangle (which must lie inside the
/// picture), narrowed to the frame's aspect around its centre.
fn fit_crop(crop: Option<Crop>, width: u32, height: u32, frame_w: u32, frame_h: u32) -> Result<Crop, StationError> {
    let asked = crop.unwrap_or(Crop {
        x: 0,
        y: 0,
        width,
        height,
    });
    let inside = asked.width > 0
        && asked.height > 0
        && asked.x.checked_add(asked.width).is_some_and(|right| right <= width)
        && asked.y.checked_add(asked.height).is_some_and(|bottom| bottom <= height);
    if !inside {
        return Err(StationError::PhotoUnreadable {
            detail: format!(
                "the crop {}x{} at ({}, {}) is not inside the {width}x{height} picture",
                asked.width, asked.height, asked.x, asked.y
            ),
        });
    }
    let (x, y, w, h) = pass_printer::centre_crop(asked.width, asked.height, frame_w as f32, frame_h as f32);
    Ok(Crop {
        x: asked.x + x,
        y: asked.y + y,
        width: w,
        height: h,
    })
}

/// The warnings for a card photo made from `crop`.
pub fn check(photo: &RgbImage, crop: Crop) -> Vec<PhotoWarning> {
    let gray = luminance(photo);
    let mut warnings = Vec::new();
    let mean = mean_luminance(&gray);
    if mean < LEAST_MEAN_LUMINANCE {
        warnings.push(PhotoWarning::TooDark {
            mean: mean.round() as u32,
            least: LEAST_MEAN_LUMINANCE as u32,
        });
    }
    let sharpness = laplacian_variance(&gray);
    if sharpness < LEAST_SHARPNESS {
        warnings.push(PhotoWarning::Blurred {
            sharpness: sharpness.round() as u32,
            least: LEAST_SHARPNESS as u32,
        });
    }
    let (frame_w, frame_h) = frame_px();
    let least_width = frame_w * LEAST_SHARE_NUMERATOR / LEAST_SHARE_DENOMINATOR;
    let least_height = frame_h * LEAST_SHARE_NUMERATOR / LEAST_SHARE_DENOMINATOR;
    if crop.width < least_width || crop.height < least_height {
        warnings.push(PhotoWarning::FaceAreaSmall {
            width: crop.width,
            height: crop.height,
            least_width,
            least_height,
        });
    }
    warnings
}

/// Rec. 601 luminance of each pixel.
pub fn luminance(photo: &RgbImage) -> GrayImage {
    GrayImage::from_fn(photo.width(), photo.height(), |x, y| {
        let [r, g, b] = photo.get_pixel(x, y).0;
        let l = 0.299 * f64::from(r) + 0.587 * f64::from(g) + 0.114 * f64::from(b);
        image::Luma([l.round().clamp(0.0, 255.0) as u8])
    })
}

/// The mean of a grey picture's pixels (0–255).
pub fn mean_luminance(gray: &GrayImage) -> f64 {
    let pixels = gray.as_raw();
    if pixels.is_empty() {
        return 0.0;
    }
    pixels.iter().map(|&p| f64::from(p)).sum::<f64>() / pixels.len() as f64
}

/// The variance of the 4-neighbour Laplacian over the inner pixels: low for
/// a blurred picture, high for one with sharp edges.
pub fn laplacian_variance(gray: &GrayImage) -> f64 {
    let (w, h) = gray.dimensions();
    if w < 3 || h < 3 {
        return 0.0;
    }
    let at = |x: u32, y: u32| f64::from(gray.get_pixel(x, y).0[0]);
    let mut sum = 0.0;
    let mut sum_sq = 0.0;
    let mut n = 0.0;
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let l = at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1) - 4.0 * at(x, y);
            sum += l;
            sum_sq += l * l;
            n += 1.0;
        }
    }
    let mean = sum / n;
    sum_sq / n - mean * mean
}

impl Station {
    /// Keeps `photo` as the holder photo of a person's pass whose card is
    /// not printed yet: in the cache at once (the card prints offline),
    /// named by the item, audited, and its upload to central queued in the
    /// outbox, all in one transaction.
    pub(crate) fn set_desk_photo(
        &mut self,
        pass_id: &str,
        photo: &CardPhoto,
        session: &Session,
    ) -> Result<String, StationError> {
        let actor = self.authorise(session, Duty::Issue)?;
        may_take_photo(&self.item(pass_id)?)?;
        let sha256 = photo.sha256();
        let warnings: Vec<&str> = photo.warnings.iter().map(PhotoWarning::kind).collect();
        let detail = actor.detail(serde_json::json!({
            "sha256": sha256,
            "crop": photo.crop,
            "warnings_accepted": warnings,
        }));
        self.store_mut()
            .set_desk_photo(pass_id, &sha256, &photo.jpeg, &actor.username, &detail)?
            .map_err(|state| StationError::PhotoCardMade {
                pass_id: pass_id.to_owned(),
                state,
            })?;
        Ok(sha256)
    }
}

/// Whether the pass is a person's whose photo the cache does not hold (none
/// named, or the named one could not be had): the card cannot print until
/// the desk takes one.
pub fn needs_photo(record: &crate::store::ItemRecord) -> bool {
    matches!(record.item.holder, Holder::Person { .. }) && !record.photo_cached
}

/// A photo is taken for a person's pass before its card is printed.
pub fn may_take_photo(record: &crate::store::ItemRecord) -> Result<(), StationError> {
    let pass_id = record.item.pass_id.clone();
    if !matches!(record.item.holder, Holder::Person { .. }) {
        return Err(StationError::PhotoVehicle { pass_id });
    }
    if record.state != CardState::Approved {
        return Err(StationError::PhotoCardMade {
            pass_id,
            state: record.state,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A face-like test picture: a light background, a darker oval, eyes and
    /// a mouth, with hard edges; `light` scales every pixel.
    fn portrait(width: u32, height: u32, light: f64) -> RgbImage {
        RgbImage::from_fn(width, height, |x, y| {
            let (cx, cy) = (width as f64 / 2.0, height as f64 / 2.0);
            let (dx, dy) = (
                (x as f64 - cx) / (width as f64 * 0.3),
                (y as f64 - cy) / (height as f64 * 0.38),
            );
            let mut v = if dx * dx + dy * dy < 1.0 { 190.0 } else { 235.0 };
            let eye = |ex: f64| ((x as f64 - ex).powi(2) + (y as f64 - cy * 0.8).powi(2)).sqrt() < width as f64 * 0.04;
            if eye(cx * 0.8) || eye(cx * 1.2) {
                v = 30.0;
            }
            if (y as f64 - cy * 1.3).abs() < height as f64 * 0.01 && (x as f64 - cx).abs() < width as f64 * 0.1 {
                v = 60.0;
            }
            // A fine texture, as skin and hair have in a real photo.
            if (x / 3 + y / 3) % 2 == 0 {
                v -= 12.0;
            }
            let v = (v * light).clamp(0.0, 255.0) as u8;
            image::Rgb([v, v.saturating_sub(10), v.saturating_sub(20)])
        })
    }

    fn png(picture: &RgbImage) -> Vec<u8> {
        let mut bytes = std::io::Cursor::new(Vec::new());
        picture.write_to(&mut bytes, image::ImageFormat::Png).expect("a PNG");
        bytes.into_inner()
    }

    fn crop(x: u32, y: u32, width: u32, height: u32) -> Crop {
        Crop { x, y, width, height }
    }

    fn kinds(photo: &CardPhoto) -> Vec<&'static str> {
        photo.warnings.iter().map(PhotoWarning::kind).collect()
    }

    #[test]
    fn a_good_photo_has_no_warning_and_is_the_frame_size() {
        let photo = make_card_photo(&png(&portrait(900, 1200, 1.0)), None).expect("a photo");
        assert_eq!(kinds(&photo), Vec::<&str>::new());
        assert_eq!((photo.width, photo.height), frame_px());
        assert!(photo.jpeg.starts_with(&[0xFF, 0xD8]));
        assert!(pass_central::api::check_photo(&photo.jpeg).is_ok(), "central takes it");
    }

    #[test]
    fn a_dark_photo_is_warned_of() {
        let photo = make_card_photo(&png(&portrait(900, 1200, 0.2)), None).expect("a photo");
        assert!(kinds(&photo).contains(&"too_dark"), "{:?}", photo.warnings);
    }

    #[test]
    fn a_blurred_photo_is_warned_of() {
        let blurred = image::imageops::blur(&portrait(900, 1200, 1.0), 12.0);
        let photo = make_card_photo(&png(&blurred), None).expect("a photo");
        assert_eq!(kinds(&photo), ["blurred"], "{:?}", photo.warnings);
    }

    #[test]
    fn a_small_crop_is_warned_of_as_a_small_face_area() {
        let picture = png(&portrait(900, 1200, 1.0));
        let crop = crop(400, 500, 120, 160);
        let photo = make_card_photo(&picture, Some(crop)).expect("a photo");
        assert!(kinds(&photo).contains(&"face_area_small"), "{:?}", photo.warnings);
        assert_eq!(photo.crop, crop);
    }

    #[test]
    fn a_crop_is_narrowed_to_the_frame_and_must_lie_inside_the_picture() {
        let picture = png(&portrait(900, 1200, 1.0));
        let wide = crop(0, 0, 900, 600);
        let photo = make_card_photo(&picture, Some(wide)).expect("a photo");
        assert_eq!(photo.crop.height, 600);
        assert!(
            (photo.crop.width as f64 / 600.0 - 0.75).abs() < 0.01,
            "{:?}",
            photo.crop
        );
        let outside = crop(800, 0, 200, 200);
        assert!(matches!(
            make_card_photo(&picture, Some(outside)),
            Err(StationError::PhotoUnreadable { .. })
        ));
        assert!(matches!(
            make_card_photo(b"not a picture", None),
            Err(StationError::PhotoUnreadable { .. })
        ));
    }

    #[test]
    fn a_crop_reads_from_the_command_line() {
        assert_eq!("10, 20,300,400".parse::<Crop>(), Ok(crop(10, 20, 300, 400)));
        assert!("10,20,300".parse::<Crop>().is_err());
        assert!("a,b,c,d".parse::<Crop>().is_err());
    }
}
