//! The printed form of a credential: `PP2:` + base45 (RFC 9285) of the COSE
//! bytes.
//!
//! Base45 uses exactly the QR alphanumeric character set, so the whole text fits
//! in alphanumeric mode (5.5 bits a character); level Q lets a scratched card
//! still scan. Cards printed before carry `PP1:` + base45 of the COSE bytes
//! zlib-compressed, as in the EU Digital COVID Certificate; they are still read.
//! zlib could only store a signature and short strings, and its framing cost 11
//! bytes (16 characters), so `PP2:` goes without. Reading caps the text and the
//! inflated size, so a crafted QR cannot make a gate station allocate without
//! bound.

use std::io::Read as _;

use flate2::bufread::ZlibDecoder;
use qrcode::bits::Bits;
use qrcode::{EcLevel, QrCode, Version};

use crate::error::{CredentialError, Result};

/// Marks a port pass QR: the COSE bytes follow.
pub const QR_PREFIX: &str = "PP2:";
/// Marks a port pass QR printed before `PP2:`: the COSE bytes, zlib-compressed, follow.
pub const QR_PREFIX_ZLIB: &str = "PP1:";
/// Starts the text of a specimen QR, as previews and screens show it: no
/// credential follows, so nothing a preview shows can pass a gate.
pub const SPECIMEN_PREFIX: &str = "PP1-SPECIMEN:";
/// Longest QR text accepted; version 40 at level Q holds 1,852 alphanumeric characters.
pub const MAX_QR_TEXT_LEN: usize = 4 * 1024;
/// Largest credential accepted, inflated from a QR or read from a chip.
pub const MAX_CREDENTIAL_LEN: usize = 8 * 1024;

/// The QR alphanumeric set, which is also the base45 alphabet.
const QR_ALPHANUMERIC: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// Whether `text` starts as a port pass QR does, of either prefix (not
/// whether the rest is a credential: [`from_qr_text`] says that).
pub fn is_credential_text(text: &str) -> bool {
    text.starts_with(QR_PREFIX) || text.starts_with(QR_PREFIX_ZLIB)
}

/// The specimen QR text shown for a pass where its card is previewed.
pub fn specimen_text(pass_id: &str) -> String {
    format!("{SPECIMEN_PREFIX}{pass_id}")
}

/// The QR text for a credential's COSE bytes.
pub fn to_qr_text(cose: &[u8]) -> String {
    format!("{QR_PREFIX}{}", base45::encode(cose))
}

/// The COSE bytes inside a QR text. Each way it can be wrong is its own error.
/// A line ending a scanner appends is ignored (neither CR nor LF is base45).
pub fn from_qr_text(text: &str) -> Result<Vec<u8>> {
    let text = text.trim_end_matches(['\r', '\n']);
    if text.len() > MAX_QR_TEXT_LEN {
        return Err(CredentialError::QrTooLong {
            len: text.len(),
            max: MAX_QR_TEXT_LEN,
        });
    }
    if let Some(encoded) = text.strip_prefix(QR_PREFIX) {
        // The text cap keeps this under MAX_CREDENTIAL_LEN: 4,096 characters are 2,730 bytes.
        return decode_base45(encoded);
    }
    let encoded = text.strip_prefix(QR_PREFIX_ZLIB).ok_or(CredentialError::QrPrefix)?;
    inflate_capped(&decode_base45(encoded)?)
}

/// Base45 decoding as RFC 9285 §4 requires: the decoder lets a final pair above
/// 255 wrap where the RFC says reject, so only the canonical encoding is accepted.
fn decode_base45(encoded: &str) -> Result<Vec<u8>> {
    let bytes = base45::decode(encoded).map_err(|_| CredentialError::QrBase45)?;
    if base45::encode(&bytes) != encoded {
        return Err(CredentialError::QrBase45);
    }
    Ok(bytes)
}

/// Inflates a zlib stream (checksum checked), refusing output past
/// [`MAX_CREDENTIAL_LEN`] and bytes after the stream's end.
fn inflate_capped(compressed: &[u8]) -> Result<Vec<u8>> {
    let mut decoder = ZlibDecoder::new(compressed);
    let mut cose = Vec::new();
    let cap = MAX_CREDENTIAL_LEN as u64 + 1;
    (&mut decoder)
        .take(cap)
        .read_to_end(&mut cose)
        .map_err(|_| CredentialError::QrZlib)?;
    if cose.len() > MAX_CREDENTIAL_LEN {
        return Err(CredentialError::QrInflatedTooLarge {
            max: MAX_CREDENTIAL_LEN,
        });
    }
    if !decoder.get_ref().is_empty() {
        return Err(CredentialError::QrZlib);
    }
    Ok(cose)
}

/// The smallest QR code at level Q holding `text` in alphanumeric mode.
pub fn qr_code(text: &str) -> Result<QrCode> {
    if let Some(bad) = text
        .chars()
        .find(|c| !c.is_ascii() || !QR_ALPHANUMERIC.contains(&(*c as u8)))
    {
        return Err(CredentialError::QrCode(format!(
            "{bad:?} is not a QR alphanumeric character"
        )));
    }
    let fits = |version: i16| {
        let mut bits = Bits::new(Version::Normal(version));
        bits.push_alphanumeric_data(text.as_bytes())
            .and_then(|()| bits.push_terminator(EcLevel::Q))
            .ok()
            .map(|()| bits)
    };
    let bits = (1..=40)
        .find_map(fits)
        .ok_or_else(|| CredentialError::QrCode(format!("{} characters do not fit QR version 40", text.len())))?;
    QrCode::with_bits(bits, EcLevel::Q).map_err(|e| CredentialError::QrCode(e.to_string()))
}

/// The QR version (1–40) [`qr_code`] would use, or `None` if the text cannot be drawn.
pub fn qr_version(text: &str) -> Option<i16> {
    match qr_code(text).ok()?.version() {
        Version::Normal(version) | Version::Micro(version) => Some(version),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base45_meets_the_rfc_9285_examples() {
        for (bytes, text) in [
            (&b"AB"[..], "BB8"),
            (b"Hello!!", "%69 VD92EX0"),
            (b"base-45", "UJCLQE7W581"),
            (b"ietf!", "QED8WEX0"),
        ] {
            assert_eq!(base45::encode(bytes), text);
            assert_eq!(decode_base45(text).expect("RFC example decodes"), bytes);
        }
    }

    #[test]
    fn base45_refuses_what_rfc_9285_refuses() {
        // "GGW" is 65,535 + 1 in a triple; "GG" is 736 in a final pair; lowercase is outside the alphabet;
        // a lone trailing character cannot be a pair.
        for text in ["GGW", "BBGG", "bb8", "BB8A"] {
            assert!(
                matches!(decode_base45(text), Err(CredentialError::QrBase45)),
                "{text:?} accepted"
            );
        }
    }

    #[test]
    fn qr_code_refuses_characters_outside_the_alphanumeric_set() {
        assert!(matches!(qr_code("PP1:abc"), Err(CredentialError::QrCode(_))));
        assert_eq!(qr_version("PP1:ABC"), Some(1));
    }
}
