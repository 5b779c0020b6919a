//! The pass items a station holds, checked on arrival, and the states a card
//! goes through at the card office.
//!
//! Central sends loose wire records ([`pass_central::api::WireItem`]); this
//! module turns each into a [`PassItem`] or says exactly why it cannot, so one
//! bad record is set aside without holding back the rest of its page.

pub use pass_central::api::HandedOverCard;
pub use pass_central::api::{Holder, Role};
use pass_central::api::{ItemStatus, WireItem};
use pass_central::model::{MaskedNationalId, TaxId, port};
pub use pass_credential::{PassKind, Revocation};
use serde::{Deserialize, Serialize};
use time::Date;

/// One pass: a card for one person or one vehicle, as approved by central.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct PassItem {
    pub pass_id: String,
    pub version: u32,
    pub withdrawn: bool,
    pub application_id: String,
    pub holder: Holder,
    pub temporary: bool,
    pub company_name: String,
    pub company_tax_id: String,
    pub ports: Vec<String>,
    #[serde(with = "pass_central::api::iso_date")]
    #[ts(type = "string")]
    pub valid_from: Date,
    #[serde(with = "pass_central::api::iso_date")]
    #[ts(type = "string")]
    pub valid_to: Date,
    pub pickup_office: String,
    pub photo_sha256: Option<String>,
    /// The holder's ID document as central hashed it (Argon2id PHC string),
    /// to tell at hand-over whether the person at the counter is the holder;
    /// never shown.
    #[ts(skip)]
    #[serde(skip)]
    pub holder_id_hash: Option<String>,
    /// The card of this version handed over at a desk of the office, as central reports it.
    pub handed_over: Option<HandedOverCard>,
    /// The desk holding the pass's claim, as central last reported it (live or not).
    #[ts(skip)]
    #[serde(skip)]
    pub claim: Option<pass_central::api::Claim>,
    /// How far the card of this version got at a desk of the office, as central reports it.
    #[ts(skip)]
    #[serde(skip)]
    pub card_in_work: Option<pass_central::api::CardInWork>,
}

impl PassItem {
    pub fn kind(&self) -> PassKind {
        PassKind::new(matches!(self.holder, Holder::Vehicle { .. }), self.temporary)
    }
}

/// Where a card stands at this office (DESIGN §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(ts_rs::TS)]
pub enum CardState {
    Approved,
    Printed,
    PrintVerified,
    Encoded,
    Released,
    HandedOver,
    Spoiled,
    Voided,
    Withdrawn,
    Uncollected,
}

impl CardState {
    /// Where the state stands on the way from approved to handed over; none
    /// for the states that take a card out of the work.
    pub fn progress(self) -> Option<u8> {
        match self {
            CardState::Approved => Some(0),
            CardState::Printed => Some(1),
            CardState::PrintVerified => Some(2),
            CardState::Encoded => Some(3),
            CardState::Released => Some(4),
            CardState::HandedOver => Some(5),
            CardState::Spoiled | CardState::Voided | CardState::Withdrawn | CardState::Uncollected => None,
        }
    }

    pub const ALL: [CardState; 10] = [
        CardState::Approved,
        CardState::Printed,
        CardState::PrintVerified,
        CardState::Encoded,
        CardState::Released,
        CardState::HandedOver,
        CardState::Spoiled,
        CardState::Voided,
        CardState::Withdrawn,
        CardState::Uncollected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CardState::Approved => "approved",
            CardState::Printed => "printed",
            CardState::PrintVerified => "print_verified",
            CardState::Encoded => "encoded",
            CardState::Released => "released",
            CardState::HandedOver => "handed_over",
            CardState::Spoiled => "spoiled",
            CardState::Voided => "voided",
            CardState::Withdrawn => "withdrawn",
            CardState::Uncollected => "uncollected",
        }
    }

    pub fn parse(text: &str) -> Option<CardState> {
        CardState::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether the card still waits for work at this office (the clerk's queue).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            CardState::Approved
                | CardState::Printed
                | CardState::PrintVerified
                | CardState::Encoded
                | CardState::Released
        )
    }
}

/// One step of the card state machine (DESIGN §5): its name in the audit
/// trail and the outbox (`card_<action>`), the states it may start from, the
/// state it leaves the card in, and whether it takes the card made so far out
/// of the work. Every change of a card's state is one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub action: &'static str,
    pub from: &'static [CardState],
    pub to: CardState,
    /// For a step that ends the card made so far (every exit but hand-over):
    /// why, as the hotlist will say it. Its print and its chip go to central to
    /// be revoked, so neither face of the card passes a gate.
    pub retires: Option<Revocation>,
}

/// The states in which the office holds a physical card of the pass.
const CARD_MADE: &[CardState] = &[
    CardState::Printed,
    CardState::PrintVerified,
    CardState::Encoded,
    CardState::Released,
];

/// States a card is made in and has not left the office.
const IN_THE_OFFICE: &[CardState] = &[
    CardState::Approved,
    CardState::Printed,
    CardState::PrintVerified,
    CardState::Encoded,
    CardState::Released,
];

impl Step {
    /// The printer finished the card.
    pub const PRINT: Step = Step::new("printed", &[CardState::Approved], CardState::Printed);
    /// The printed QR read back as this pass's credential.
    pub const CHECK_PRINT: Step = Step::new("print_verified", &[CardState::Printed], CardState::PrintVerified);
    /// The printed QR read back as something else: the card is not usable.
    pub const MISPRINT: Step =
        Step::new("spoiled", &[CardState::Printed], CardState::Spoiled).retiring(Revocation::Spoiled);
    /// The chip written (again, onto the same card, when a write was cut short after the commit).
    pub const ENCODE: Step = Step::new(
        "encoded",
        &[CardState::PrintVerified, CardState::Encoded],
        CardState::Encoded,
    );
    /// A supervisor checked the chip and let the card go to its holder.
    pub const RELEASE: Step = Step::new("released", &[CardState::Encoded], CardState::Released);
    /// A supervisor refused to release the card (its seal check failed, or it is not fit to go out).
    pub const REFUSE_RELEASE: Step =
        Step::new("release_refused", &[CardState::Encoded], CardState::Spoiled).retiring(Revocation::Spoiled);
    pub const HAND_OVER: Step = Step::new("handed_over", &[CardState::Released], CardState::HandedOver);
    /// Central reports that another desk of the office handed a card of this
    /// version over: any card made here for it is void.
    pub const HANDED_OVER_ELSEWHERE: Step =
        Step::new("handed_over_elsewhere", IN_THE_OFFICE, CardState::HandedOver).retiring(Revocation::Voided);
    /// A card found bad after printing (a misprint, a dead chip, damage).
    pub const SPOIL: Step = Step::new("spoiled", CARD_MADE, CardState::Spoiled).retiring(Revocation::Spoiled);
    /// A supervisor takes back a pass's card, made or not, handed over or not.
    pub const VOID: Step = Step::new(
        "voided",
        &[
            CardState::Approved,
            CardState::Printed,
            CardState::PrintVerified,
            CardState::Encoded,
            CardState::Released,
            CardState::HandedOver,
            CardState::Uncollected,
        ],
        CardState::Voided,
    )
    .retiring(Revocation::Voided);
    /// A supervisor approved a new card at a raised version: the pass starts again.
    pub const REPRINT: Step = Step::new(
        "reprinted",
        &[
            CardState::Printed,
            CardState::PrintVerified,
            CardState::Encoded,
            CardState::Released,
            CardState::HandedOver,
            CardState::Spoiled,
            CardState::Uncollected,
        ],
        CardState::Approved,
    )
    .retiring(Revocation::Replaced);
    /// Released, and not picked up within the office's window.
    pub const UNCOLLECTED: Step =
        Step::new("uncollected", &[CardState::Released], CardState::Uncollected).retiring(Revocation::Uncollected);
    /// Central withdrew a pass before its card was made (a print begun and
    /// not finished goes to the hotlist all the same).
    pub const WITHDRAW: Step =
        Step::new("withdrawn", &[CardState::Approved], CardState::Withdrawn).retiring(Revocation::Withdrawn);
    /// Central withdrew a pass whose card the office holds: the card is void.
    pub const WITHDRAW_CARD: Step = Step::new("voided", CARD_MADE, CardState::Voided).retiring(Revocation::Withdrawn);

    /// Every step, for the tests that walk the whole machine.
    pub const ALL: [Step; 14] = [
        Step::PRINT,
        Step::CHECK_PRINT,
        Step::MISPRINT,
        Step::ENCODE,
        Step::RELEASE,
        Step::REFUSE_RELEASE,
        Step::HAND_OVER,
        Step::HANDED_OVER_ELSEWHERE,
        Step::SPOIL,
        Step::VOID,
        Step::REPRINT,
        Step::UNCOLLECTED,
        Step::WITHDRAW,
        Step::WITHDRAW_CARD,
    ];

    const fn new(action: &'static str, from: &'static [CardState], to: CardState) -> Step {
        Step {
            action,
            from,
            to,
            retires: None,
        }
    }

    const fn retiring(self, why: Revocation) -> Step {
        Step {
            retires: Some(why),
            ..self
        }
    }
}

/// States as a clerk reads them: "printed or print_verified".
pub fn states_text(states: &[CardState]) -> String {
    let names: Vec<&str> = states.iter().map(|s| s.as_str()).collect();
    match names.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

impl std::fmt::Display for CardState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a record from central was set aside. The text names the field and what
/// is wrong with it, for the clerk to report to the central office.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Rejection(pub String);

/// The longest pass number a station accepts; real ones are about 15 characters.
const MAX_PASS_ID_LEN: usize = 40;
/// Longer than any Argon2id PHC string central writes (about 100 characters).
const MAX_HOLDER_HASH_LEN: usize = 256;
/// The longest a pass may run: long-term passes run up to three years; this
/// leaves room for an authority's change without letting a record that
/// never expires (valid to 9999-12-31) through.
const MAX_VALIDITY_YEARS: i32 = 10;

/// Decodes one record of a feed page and checks it for this office.
///
/// Returns the pass number too when the record is rejected, if it had one, so
/// the rejection can be reported against it.
pub fn check_wire_item(raw: &serde_json::Value, office: &str) -> Result<PassItem, (Option<String>, Rejection)> {
    let pass_id = raw.get("pass_id").and_then(|v| v.as_str()).map(str::to_owned);
    let wire = WireItem::deserialize(raw).map_err(|e| {
        (
            pass_id.clone(),
            Rejection(format!("the record does not follow the API contract: {e}")),
        )
    })?;
    check_item(wire, office).map_err(|r| (pass_id, r))
}

fn check_item(wire: WireItem, office: &str) -> Result<PassItem, Rejection> {
    let reject = |text: String| Err(Rejection(text));
    let pass_id = wire.pass_id.trim().to_owned();
    if pass_id.is_empty() || pass_id.len() > MAX_PASS_ID_LEN || pass_id.chars().any(char::is_control) {
        return reject(format!(
            "pass number {pass_id:?} is empty, too long or has control characters"
        ));
    }
    if wire.version == 0 {
        return reject("version 0 is not a version central issues".to_owned());
    }
    let company_tax_id = TaxId::parse(wire.company.tax_id.trim()).map_err(|e| Rejection(e.to_string()))?;
    if wire.company.name.trim().is_empty() {
        return reject("the company has no name".to_owned());
    }
    if wire.valid_to < wire.valid_from {
        return reject(format!(
            "valid-to {} is before valid-from {}",
            wire.valid_to, wire.valid_from
        ));
    }
    let longest = wire.valid_from.year() + MAX_VALIDITY_YEARS;
    if wire.valid_from.year() < 2000 || wire.valid_to.year() > longest {
        return reject(format!(
            "validity {} to {} is not a pass's: passes start this century and run at most {MAX_VALIDITY_YEARS} \
             years",
            wire.valid_from, wire.valid_to
        ));
    }
    if wire.ports.is_empty() {
        return reject("the pass covers no port".to_owned());
    }
    if let Some(unknown) = wire.ports.iter().find(|code| port(code).is_none()) {
        return reject(format!(
            "unknown port code {unknown:?} (is this station's software older than central's port list?)"
        ));
    }
    if wire.pickup_office != office {
        return reject(format!(
            "pickup office is {}, not this office ({office})",
            wire.pickup_office
        ));
    }
    if let Some(sha) = &wire.photo_sha256
        && (sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    {
        return reject(format!("photo hash {sha:?} is not a lower-case hex SHA-256"));
    }
    if let Some(hash) = &wire.holder_id_hash
        && (!hash.starts_with("$argon2id$") || hash.len() > MAX_HOLDER_HASH_LEN)
    {
        return reject("the holder's ID check value is not an Argon2id PHC string".to_owned());
    }
    let holder = match wire.holder {
        Holder::Person {
            name,
            name_latin,
            national_id_masked,
        } => {
            if name.trim().is_empty() {
                return reject("the holder has no name".to_owned());
            }
            // Masking again keeps a full number out of the cache even if central sends one.
            let masked = MaskedNationalId::mask(&national_id_masked).map_err(|e| Rejection(e.to_string()))?;
            Holder::Person {
                name: name.trim().to_owned(),
                name_latin: name_latin.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()),
                national_id_masked: masked.to_string(),
            }
        }
        Holder::Vehicle { plate, vehicle_type } => {
            if plate.trim().is_empty() {
                return reject("the vehicle has no plate".to_owned());
            }
            Holder::Vehicle {
                plate: plate.trim().to_owned(),
                vehicle_type: vehicle_type.trim().to_owned(),
            }
        }
    };
    let is_person = matches!(holder, Holder::Person { .. });
    Ok(PassItem {
        pass_id,
        version: wire.version,
        withdrawn: wire.status == ItemStatus::Withdrawn,
        application_id: wire.application_id,
        holder,
        temporary: wire.temporary,
        company_name: wire.company.name.trim().to_owned(),
        company_tax_id: company_tax_id.to_string(),
        ports: wire.ports,
        valid_from: wire.valid_from,
        valid_to: wire.valid_to,
        pickup_office: wire.pickup_office,
        photo_sha256: wire.photo_sha256,
        holder_id_hash: wire.holder_id_hash.filter(|_| is_person),
        handed_over: wire.handed_over.filter(|card| card.version == wire.version),
        claim: wire.claim.filter(|claim| claim.version == wire.version),
        card_in_work: wire.card_in_work.filter(|card| card.version == wire.version),
    })
}

/// A record as central would send it; shared by this crate's tests.
#[cfg(test)]
pub(crate) fn sample_wire(pass_id: &str, name: &str) -> serde_json::Value {
    let item = WireItem {
        pass_id: pass_id.to_owned(),
        version: 1,
        status: ItemStatus::Approved,
        application_id: "A-2026-000001".to_owned(),
        holder: Holder::Person {
            name: name.to_owned(),
            name_latin: None,
            national_id_masked: "A12****789".to_owned(),
        },
        temporary: false,
        company: pass_central::api::Company {
            name: "長榮海運股份有限公司".to_owned(),
            tax_id: "22099131".to_owned(),
        },
        ports: vec!["TWKEL".to_owned(), "TWTPE".to_owned()],
        valid_from: time::macros::date!(2026 - 12 - 01),
        valid_to: time::macros::date!(2027 - 11 - 30),
        pickup_office: "TWKEL".to_owned(),
        photo_sha256: None,
        holder_id_hash: None,
        changed_at: time::macros::datetime!(2026-11-20 08:00 UTC),
        handed_over: None,
        claim: None,
        card_in_work: None,
    };
    serde_json::to_value(item).expect("a wire item always encodes")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejection(raw: serde_json::Value) -> String {
        match check_wire_item(&raw, "TWKEL") {
            Ok(item) => panic!("expected a rejection, got {item:?}"),
            Err((_, Rejection(text))) => text,
        }
    }

    #[test]
    fn a_good_record_becomes_an_item() {
        let item = check_wire_item(&sample_wire("KEL-2026-000001", "王小明"), "TWKEL").expect("valid");
        assert_eq!(item.holder.display_name(), "王小明");
        assert_eq!(item.kind(), PassKind::Person);
        assert!(!item.withdrawn);
    }

    #[test]
    fn each_bad_field_is_named() {
        let mut raw = sample_wire("KEL-1", "王");
        raw["company"]["tax_id"] = "22099132".into();
        assert!(rejection(raw).contains("check digit"));

        let mut raw = sample_wire("KEL-1", "王");
        raw["valid_to"] = "2026-01-01".into();
        assert!(rejection(raw).contains("before valid-from"));

        let mut raw = sample_wire("KEL-1", "王");
        raw["ports"] = serde_json::json!(["TWXXX"]);
        assert!(rejection(raw).contains("unknown port"));

        let mut raw = sample_wire("KEL-1", "王");
        raw["pickup_office"] = "TWKHH".into();
        assert!(rejection(raw).contains("not this office"));

        let mut raw = sample_wire("KEL-1", "王");
        raw["valid_from"] = "2026-13-01".into();
        assert!(rejection(raw).contains("API contract"));

        // A record that never expires would overflow the credential's dates.
        let mut raw = sample_wire("KEL-1", "王");
        raw["valid_to"] = "9999-12-31".into();
        assert!(rejection(raw).contains("at most 10 years"));
    }

    #[test]
    fn a_full_national_id_is_masked_before_it_is_kept() {
        let mut raw = sample_wire("KEL-1", "王");
        raw["holder"]["national_id_masked"] = "A123456789".into();
        let item = check_wire_item(&raw, "TWKEL").expect("valid");
        assert!(
            matches!(item.holder, Holder::Person { ref national_id_masked, .. } if national_id_masked == "A12****789")
        );
    }

    #[test]
    fn a_holder_id_hash_is_kept_for_people_only_and_must_be_argon2id() {
        let hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
        let mut raw = sample_wire("KEL-1", "王");
        raw["holder_id_hash"] = hash.into();
        let item = check_wire_item(&raw, "TWKEL").expect("valid");
        assert_eq!(item.holder_id_hash.as_deref(), Some(hash));
        raw["holder_id_hash"] = "A123456789".into();
        let (_, rejection) = check_wire_item(&raw, "TWKEL").expect_err("not a hash");
        assert!(rejection.0.contains("Argon2id"), "{}", rejection.0);
        assert!(
            !rejection.0.contains("A123456789"),
            "the rejection never shows what came"
        );
        raw["holder_id_hash"] = hash.into();
        raw["holder"] = serde_json::json!({"type": "vehicle", "plate": "KLA-1234", "vehicle_type": "曳引車"});
        let item = check_wire_item(&raw, "TWKEL").expect("valid");
        assert_eq!(item.holder_id_hash, None, "a vehicle has no holder to compare");
    }

    #[test]
    fn a_rejection_keeps_the_pass_number_when_there_is_one() {
        let mut raw = sample_wire("KEL-9", "王");
        raw["version"] = 0.into();
        assert!(matches!(check_wire_item(&raw, "TWKEL"), Err((Some(id), _)) if id == "KEL-9"));
        assert!(matches!(
            check_wire_item(&serde_json::json!([1]), "TWKEL"),
            Err((None, _))
        ));
    }

    #[test]
    fn states_round_trip_through_their_names() {
        for state in CardState::ALL {
            assert_eq!(CardState::parse(state.as_str()), Some(state));
        }
        assert_eq!(CardState::parse("lost"), None);
    }
}
