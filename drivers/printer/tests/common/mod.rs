//! Cards, photos and credentials for the printer's tests: synthetic, made on the fly.
#![allow(dead_code)] // each test binary uses its own part of these helpers

use std::io::Cursor;

use image::{ImageFormat, Rgb, RgbImage};
use pass_credential::{Algorithm, PassClaims, PassKind, SigningKey, sign, to_qr_text};
use pass_printer::{CardData, CardFont, CardPort, CardRenderer, CardTemplate, Holder, Orientation};
use time::macros::{date, datetime};

pub const PORTS: [(&str, &str, &str); 7] = [
    ("TWKEL", "基隆港", "Keelung"),
    ("TWTPE", "臺北港", "Taipei"),
    ("TWSUO", "蘇澳港", "Su-ao"),
    ("TWTXG", "臺中港", "Taichung"),
    ("TWKHH", "高雄港", "Kaohsiung"),
    ("TWAPG", "安平港", "Anping"),
    ("TWHUN", "花蓮港", "Hualien"),
];

/// Marker colours at the photo's edges: a stretched photo keeps them, a centre crop loses them.
pub const EDGE_RED: [u8; 3] = [230, 0, 0];
pub const CENTRE_GREEN: [u8; 3] = [0, 170, 60];

/// A `width` × `height` picture: green centre, red bands in the outer sixths of the
/// long side, so a crop to 3:4 from a longer picture shows no red.
pub fn photo(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let image = RgbImage::from_fn(width, height, |x, y| {
        let (along, long) = if height >= width { (y, height) } else { (x, width) };
        if along < long / 6 || along >= long - long / 6 {
            Rgb(EDGE_RED)
        } else {
            Rgb(CENTRE_GREEN)
        }
    });
    let mut bytes = Cursor::new(Vec::new());
    image.write_to(&mut bytes, format).expect("encode the test photo");
    bytes.into_inner()
}

/// A signed credential's QR text for `card`, and the COSE bytes inside it.
pub fn credential(kind: PassKind, holder: &str, ports: usize) -> (String, Vec<u8>) {
    let key = SigningKey::generate(Algorithm::EdDsa).expect("key");
    let claims = PassClaims {
        issuer: "TWKEL".into(),
        pass_id: "KEL-2026-000123".into(),
        version: 2,
        print: 1,
        kind,
        holder: holder.into(),
        company_tax_id: "22099131".into(),
        ports: PORTS[..ports].iter().map(|p| p.0.to_owned()).collect(),
        valid_from: datetime!(2026-01-01 00:00 +08:00),
        valid_to: datetime!(2027-01-01 00:00 +08:00),
        issued_at: datetime!(2025-12-20 10:00 +08:00),
        card_uid: None,
        photo_sha256: None,
    };
    let cose = sign(&claims, &key).expect("sign");
    (to_qr_text(&cose), cose)
}

/// QR text of the size of a typical credential (160 COSE bytes), the same on
/// every run (a real one carries a fresh signature each time), so rendered
/// pages can be compared.
pub fn fixed_qr_text() -> String {
    let mut state = 0x2545_f491_u32;
    let bytes: Vec<u8> = (0..160)
        .map(|_| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (state >> 16) as u8
        })
        .collect();
    to_qr_text(&bytes)
}

pub fn ports(count: usize) -> Vec<CardPort> {
    PORTS[..count]
        .iter()
        .map(|(code, zh, en)| CardPort {
            code: (*code).into(),
            name_zh: (*zh).into(),
            name_en: (*en).into(),
        })
        .collect()
}

/// A card of `kind` with a fixed photo and fixed QR text.
pub fn card(kind: PassKind) -> CardData {
    let temporary = matches!(kind, PassKind::TemporaryPerson | PassKind::TemporaryVehicle);
    let holder = match kind {
        PassKind::Person | PassKind::TemporaryPerson => Holder::Person {
            name: "陳志明".into(),
            latin_name: Some("CHEN, CHIH-MING".into()),
            photo: photo(450, 600, ImageFormat::Jpeg),
        },
        PassKind::Vehicle | PassKind::TemporaryVehicle => Holder::Vehicle {
            plate: "KEA-3568".into(),
            vehicle_type: "自用小貨車 Light truck".into(),
            photo: None,
        },
    };
    CardData {
        pass_id: "KEL-2026-000123".into(),
        version: 2,
        temporary,
        holder,
        company_name: "港泰海運股份有限公司".into(),
        company_tax_id: "22099131".into(),
        ports: ports(3),
        valid_from: date!(2026 - 01 - 01),
        valid_to: date!(2026 - 12 - 31),
        pickup_office: "基隆港務分公司 港區通行證辦公室".into(),
        qr_text: fixed_qr_text(),
        specimen: false,
    }
}

pub fn renderer(orientation: Orientation) -> CardRenderer {
    CardRenderer::new(CardFont::bundled().expect("bundled font"), CardTemplate { orientation })
}

/// A page decoded from PNG.
pub fn decode_png(png: &[u8]) -> RgbImage {
    image::load_from_memory_with_format(png, ImageFormat::Png)
        .expect("PNG page")
        .to_rgb8()
}
