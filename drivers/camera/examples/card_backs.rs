//! Renders the QR side of sample pass cards, one of each kind per holder, with
//! real signed credentials, for the photographed-card image set
//! (`bench/photos.py`). The same every run: a fixed test key, and Ed25519
//! signatures are deterministic.
//!
//! `cargo run -p pass-camera --example card_backs -- OUT_DIR [DPI]` writes
//! `NN-kind.png` and, beside each, `NN-kind.txt` with the QR text it carries.

use std::path::PathBuf;

use pass_credential::{PassClaims, PassKind, SigningKey, sign, to_qr_text};
use pass_printer::{CardData, Holder, Orientation};
use time::macros::{date, datetime};

/// The printer's test cards: ports, photos, renderer.
#[path = "../../printer/tests/common/mod.rs"]
mod common;

/// (holder name or plate, Latin name, port count): short to long credentials.
const HOLDERS: [(&str, &str, usize); 3] = [
    ("陳志明", "CHEN, CHIH-MING", 2),
    ("歐陽美玲", "OUYANG, MEI-LING", 5),
    ("司馬長風國際物流股份有限公司派駐代表林", "LIN, SZU-MA", 7),
];

const KINDS: [(PassKind, &str); 4] = [
    (PassKind::Person, "person"),
    (PassKind::Vehicle, "vehicle"),
    (PassKind::TemporaryPerson, "temporary-person"),
    (PassKind::TemporaryVehicle, "temporary-vehicle"),
];

/// PKCS#8 DER of the Ed25519 test key with seed 0x01 × 32 (RFC 8410 layout).
fn test_key() -> Result<SigningKey, Box<dyn std::error::Error>> {
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
    ];
    der.extend([0x01; 32]);
    Ok(SigningKey::from_pkcs8_der(&der)?)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().ok_or("usage: card_backs OUT_DIR [DPI]")?);
    let dpi: u32 = args.next().map_or(Ok(300), |dpi| dpi.parse())?;
    std::fs::create_dir_all(&out)?;
    let key = test_key()?;
    let renderer = common::renderer(Orientation::Landscape);
    let mut number = 0;
    for (holder_index, (name, latin_name, port_count)) in HOLDERS.into_iter().enumerate() {
        for (kind, kind_name) in KINDS {
            number += 1;
            let pass_id = format!("KEL-2026-{:06}", 100 + number);
            let is_vehicle = matches!(kind, PassKind::Vehicle | PassKind::TemporaryVehicle);
            let holder_text = if is_vehicle {
                format!("KEA-{:04}", 3500 + holder_index)
            } else {
                name.to_owned()
            };
            let ports = common::ports(port_count);
            let claims = PassClaims {
                issuer: "TWKEL".into(),
                pass_id: pass_id.clone(),
                version: 1,
                print: 1,
                kind,
                holder: holder_text.clone(),
                company_tax_id: "22099131".into(),
                ports: ports.iter().map(|port| port.code.clone()).collect(),
                valid_from: datetime!(2026-01-01 00:00 +08:00),
                valid_to: datetime!(2027-01-01 00:00 +08:00),
                issued_at: datetime!(2025-12-20 10:00 +08:00),
                card_uid: None,
                photo_sha256: None,
            };
            let qr_text = to_qr_text(&sign(&claims, &key)?);
            let holder = if is_vehicle {
                Holder::Vehicle {
                    plate: holder_text,
                    vehicle_type: "自用小貨車 Light truck".into(),
                    photo: None,
                }
            } else {
                Holder::Person {
                    name: holder_text,
                    latin_name: Some(latin_name.into()),
                    photo: common::photo(300, 400, image::ImageFormat::Png),
                }
            };
            let card = CardData {
                pass_id,
                version: 1,
                temporary: matches!(kind, PassKind::TemporaryPerson | PassKind::TemporaryVehicle),
                holder,
                company_name: "港泰海運股份有限公司".into(),
                company_tax_id: "22099131".into(),
                ports,
                valid_from: date!(2026 - 01 - 01),
                valid_to: date!(2026 - 12 - 31),
                pickup_office: "基隆港務分公司 港區通行證辦公室".into(),
                qr_text: qr_text.clone(),
                specimen: false,
            };
            let sides = renderer.render(&card)?.preview(dpi)?;
            let back = sides.get(1).ok_or("the card has no back side")?;
            let stem = format!("{number:02}-{kind_name}");
            std::fs::write(out.join(format!("{stem}.png")), back)?;
            std::fs::write(out.join(format!("{stem}.txt")), &qr_text)?;
        }
    }
    Ok(())
}
