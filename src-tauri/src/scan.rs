//! Reading a credential's QR text from a photo or a webcam, for the print
//! check and the gate. Only text that decodes as a credential (`PP1:` …) is
//! taken, so another QR code in the frame (a poster, a parcel) is passed over.

use std::path::Path;

use crate::StationError;

/// Whether decoded text is shaped like a credential, or is a specimen's
/// (which the verifier then names as such); signature and claims are
/// checked afterwards by the verifier.
pub(crate) fn is_credential(text: &str) -> bool {
    text.starts_with(pass_credential::SPECIMEN_PREFIX) || pass_credential::from_qr_text(text).is_ok()
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
