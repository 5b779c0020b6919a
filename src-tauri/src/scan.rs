//! Reading a credential's QR text from a photo or a webcam, for the print
//! check and the gate. Only text that decodes as a credential (`PP2:` …) is
//! taken, so another QR code in the frame (a poster, a parcel) is passed over.
//! A live camera sees the same card in frame after frame: [`InSight`] tells
//! a card newly shown from one still in view, so each presentation is
//! judged once.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::StationError;

/// Whether decoded text is shaped like a credential, or is a specimen's
/// (which the verifier then names as such); signature and claims are
/// checked afterwards by the verifier.
pub(crate) fn is_credential(text: &str) -> bool {
    text.starts_with(pass_credential::SPECIMEN_PREFIX) || pass_credential::from_qr_text(text).is_ok()
}

/// The credential text in a live frame, if it shows one.
pub fn credential_in_frame(frame: &pass_camera::Frame) -> Option<String> {
    pass_camera::decode_qr(&frame.to_gray(), &is_credential).map(|decoded| decoded.text)
}

/// The QR texts a camera has in view, each with the capture time of the
/// last frame it was read in. A text not read for `absent_after` has left
/// the view; shown again, it is a new presentation.
#[derive(Debug)]
pub struct InSight {
    absent_after: Duration,
    seen: HashMap<String, Instant>,
}

impl InSight {
    pub fn new(absent_after: Duration) -> InSight {
        InSight {
            absent_after,
            seen: HashMap::new(),
        }
    }

    /// Notes `text` read in a frame captured at `seen_at`; true when it was
    /// not in view already (a new presentation, to be judged).
    pub fn first_sight(&mut self, text: &str, seen_at: Instant) -> bool {
        let absent_after = self.absent_after;
        self.seen
            .retain(|_, last| seen_at.saturating_duration_since(*last) < absent_after);
        self.seen.insert(text.to_owned(), seen_at).is_none()
    }
}

/// The credential texts printed in a PDF of cards, one per card back, read
/// the way a camera reads a card: each page rasterised at the printer's
/// resolution and its QR decoded. For scripts and tests that need a printed
/// card's QR; nothing else hands one out.
pub fn credentials_in_printed_pdf(pdf: &Path) -> Result<Vec<String>, StationError> {
    let bytes = std::fs::read(pdf).map_err(|source| StationError::Io {
        action: "read the printed cards",
        path: pdf.to_owned(),
        source,
    })?;
    let pages = pass_printer::rasterise(&bytes, pass_printer::PRINT_DPI)?;
    let mut found = Vec::new();
    for (at, page) in pages.iter().enumerate() {
        let name = format!("{} page {}", pdf.display(), at + 1);
        if let Some(decoded) = pass_camera::decode_bytes(page, Path::new(&name), &is_credential)? {
            found.push(decoded.text);
        }
    }
    Ok(found)
}

/// The credential text in a photo (PNG or JPEG).
pub fn credential_in_image(path: &Path) -> Result<String, StationError> {
    pass_camera::decode_file(path, &is_credential)?
        .map(|decoded| decoded.text)
        .ok_or_else(|| StationError::NoQrCode {
            from: path.display().to_string(),
        })
}

/// The credential text in a photo held in memory (PNG or JPEG); `name` says
/// where it came from, for the error.
pub fn credential_in_photo(bytes: &[u8], name: &str) -> Result<String, StationError> {
    pass_camera::decode_bytes(bytes, Path::new(name), &is_credential)?
        .map(|decoded| decoded.text)
        .ok_or_else(|| StationError::NoQrCode { from: name.to_owned() })
}

/// The first credential text the webcam sees within `timeout`.
#[cfg(feature = "webcam")]
pub fn credential_from_camera(index: u32, timeout: std::time::Duration) -> Result<String, StationError> {
    use pass_camera::{Scanner, WebcamSource};
    let scanner = Scanner::start(move || WebcamSource::open(index), 2)?;
    let deadline = std::time::Instant::now() + timeout;
    while std::time::Instant::now() < deadline {
        let frame = scanner.next_frame(std::time::Duration::from_secs(2))?;
        if let Some(decoded) = pass_camera::decode_qr(&frame.to_gray(), &is_credential) {
            return Ok(decoded.text);
        }
    }
    Err(StationError::NoQrCode {
        from: format!("camera {index} within {} s", timeout.as_secs()),
    })
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::InSight;

    #[test]
    fn a_card_in_view_is_one_presentation_until_it_has_left() {
        let mut sight = InSight::new(Duration::from_secs(1));
        let start = Instant::now();
        let at = |ms| start + Duration::from_millis(ms);
        assert!(sight.first_sight("PP2:A", at(0)), "shown");
        assert!(!sight.first_sight("PP2:A", at(500)), "still in view");
        assert!(sight.first_sight("PP2:B", at(600)), "another card beside it");
        assert!(!sight.first_sight("PP2:A", at(1400)), "in view all along");
        assert!(
            sight.first_sight("PP2:A", at(2500)),
            "gone for over a second, then shown again"
        );
    }
}
