//! What goes on one card, as plain data: the printer knows no pass store, so the
//! caller fills this from whatever it holds.

use pass_credential::PassKind;
use time::Date;

/// The holder: a person with a photo, or a vehicle with an optional photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holder {
    Person {
        /// The name as registered, usually Traditional Chinese.
        name: String,
        /// The passport spelling, printed under the name when present.
        latin_name: Option<String>,
        /// PNG or JPEG bytes; any aspect ratio, centre-cropped to the frame.
        photo: Vec<u8>,
    },
    Vehicle {
        plate: String,
        /// e.g. "自用小貨車 Light truck".
        vehicle_type: String,
        photo: Option<Vec<u8>>,
    },
}

/// A port the pass opens, with the names printed on the card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardPort {
    /// UN/LOCODE, e.g. `TWKEL`.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

/// Everything printed on one card, front and back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardData {
    pub pass_id: String,
    /// Reissue count of the pass; printed after the pass number.
    pub version: u32,
    /// Temporary passes get their own colour and a large TEMPORARY mark.
    pub temporary: bool,
    pub holder: Holder,
    pub company_name: String,
    /// The company's 8-digit unified business number.
    pub company_tax_id: String,
    pub ports: Vec<CardPort>,
    /// First valid day.
    pub valid_from: Date,
    /// Last valid day.
    pub valid_to: Date,
    /// The card office the holder collects the card from.
    pub pickup_office: String,
    /// The signed credential's QR text (`PP2:` …), or a specimen's.
    pub qr_text: String,
    /// A preview, not a card: marked SPECIMEN across both sides.
    pub specimen: bool,
}

impl CardData {
    /// Person or vehicle, long-term or temporary, as the credential names it.
    pub fn kind(&self) -> PassKind {
        PassKind::new(matches!(self.holder, Holder::Vehicle { .. }), self.temporary)
    }
}
