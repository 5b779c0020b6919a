//! What a station reports to central: [`StationEvent`], one variant per
//! kind of event the station's outbox sends to `POST /v1/events`, with its
//! payload typed as `openapi.yaml` gives it (`components/schemas/Event`).
//!
//! The station builds these to queue an event, and central (`central-sim`)
//! reads each event it receives into one, refusing a kind or a value it does
//! not know instead of passing over it. On the wire an event stays what the
//! contract says, a `kind` and a `payload` object ([`crate::api::Event`]);
//! [`StationEvent::kind`] and [`StationEvent::payload`] give them, and
//! [`StationEvent::from_wire`] reads them back.
//!
//! What it is not for: the envelope of an event (its idempotency key and
//! time, see [`crate::api::Event`]) or what central does with one.

use std::collections::BTreeMap;
use std::str::FromStr;

use pass_credential::Revocation;
use serde::de::DeserializeOwned;
use serde::de::value::StrDeserializer;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::api::{AUDIT_HEAD_EVENT, AuditHeadPayload, ItemStatus};

/// One event a station reports, by kind.
#[derive(Debug, Clone, PartialEq)]
pub enum StationEvent {
    /// `items_received`: a page of the feed reached the station's cache; the
    /// item versions in it that were new to the station.
    ItemsReceived(ItemsReceived),
    /// `item_rejected`: a record of the feed was set aside, and why.
    ItemRejected(ItemRejected),
    /// `card_checked`: a card was checked at a gate or a desk.
    CardChecked(CardCheck),
    /// `delegation_granted`: a supervisor lent their approval rights for a period.
    DelegationGranted(DelegationGranted),
    /// `audit_head`: the head of the station's audit trail, signed.
    AuditHead(AuditHeadPayload),
    /// `station_restored`: the station was brought back from a backup.
    StationRestored(StationRestored),
    /// `day_closed`: a supervisor closed an office day; its report, signed.
    DayClosed(DayClosed),
    /// `pickup_reminder`: a released card still waits for its company, 7 or 21 days on.
    PickupReminder(PickupReminder),
    /// A step of a pass's card (`card_<step>`, or `print_abandoned`).
    CardStep(CardStep, CardStepEvent),
}

/// Why an event's kind and payload are not a [`StationEvent`].
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("the event kind {kind:?} is not one central knows (it knows {}); update central or the station", StationEvent::kinds().collect::<Vec<_>>().join(", "))]
    UnknownKind { kind: String },
    #[error("the {what} {name:?} is not one central knows; update central or the station")]
    UnknownName { what: &'static str, name: String },
    #[error("the payload of a {kind} event is not the one openapi.yaml gives for it: {source}")]
    Payload {
        kind: &'static str,
        #[source]
        source: serde_json::Error,
    },
}

impl StationEvent {
    /// Every kind of event, as the wire names them.
    pub fn kinds() -> impl Iterator<Item = &'static str> {
        [
            "items_received",
            "item_rejected",
            "card_checked",
            "delegation_granted",
            AUDIT_HEAD_EVENT,
            STATION_RESTORED_EVENT,
            DAY_CLOSED_EVENT,
            PICKUP_REMINDER_EVENT,
        ]
        .into_iter()
        .chain(CardStep::ALL.map(CardStep::kind))
    }

    /// The event's kind on the wire, such as `card_printed`.
    pub fn kind(&self) -> &'static str {
        match self {
            StationEvent::ItemsReceived(_) => "items_received",
            StationEvent::ItemRejected(_) => "item_rejected",
            StationEvent::CardChecked(_) => "card_checked",
            StationEvent::DelegationGranted(_) => "delegation_granted",
            StationEvent::AuditHead(_) => AUDIT_HEAD_EVENT,
            StationEvent::StationRestored(_) => STATION_RESTORED_EVENT,
            StationEvent::DayClosed(_) => DAY_CLOSED_EVENT,
            StationEvent::PickupReminder(_) => PICKUP_REMINDER_EVENT,
            StationEvent::CardStep(step, _) => step.kind(),
        }
    }

    /// The event's payload on the wire: a JSON object, its keys in the
    /// order `serde_json` keeps them (sorted), as the station always wrote them.
    pub fn payload(&self) -> Value {
        let payload = match self {
            StationEvent::ItemsReceived(p) => serde_json::to_value(p),
            StationEvent::ItemRejected(p) => serde_json::to_value(p),
            StationEvent::CardChecked(p) => serde_json::to_value(p),
            StationEvent::DelegationGranted(p) => serde_json::to_value(p),
            StationEvent::AuditHead(p) => serde_json::to_value(p),
            StationEvent::StationRestored(p) => serde_json::to_value(p),
            StationEvent::DayClosed(p) => serde_json::to_value(p),
            StationEvent::PickupReminder(p) => serde_json::to_value(p),
            StationEvent::CardStep(_, p) => serde_json::to_value(p),
        };
        // Plain structs with string keys: serde_json cannot fail on them.
        payload.expect("a station event always encodes as JSON")
    }

    /// Reads an event's kind and payload as they came over the wire.
    pub fn from_wire(kind: &str, payload: &Value) -> Result<StationEvent, EventError> {
        fn read<T: DeserializeOwned>(kind: &'static str, payload: &Value) -> Result<T, EventError> {
            T::deserialize(payload).map_err(|source| EventError::Payload { kind, source })
        }
        Ok(match kind {
            "items_received" => StationEvent::ItemsReceived(read("items_received", payload)?),
            "item_rejected" => StationEvent::ItemRejected(read("item_rejected", payload)?),
            "card_checked" => StationEvent::CardChecked(read("card_checked", payload)?),
            "delegation_granted" => StationEvent::DelegationGranted(read("delegation_granted", payload)?),
            AUDIT_HEAD_EVENT => StationEvent::AuditHead(read(AUDIT_HEAD_EVENT, payload)?),
            STATION_RESTORED_EVENT => StationEvent::StationRestored(read(STATION_RESTORED_EVENT, payload)?),
            DAY_CLOSED_EVENT => StationEvent::DayClosed(read(DAY_CLOSED_EVENT, payload)?),
            PICKUP_REMINDER_EVENT => StationEvent::PickupReminder(read(PICKUP_REMINDER_EVENT, payload)?),
            other => {
                let step =
                    CardStep::from_kind(other).ok_or_else(|| EventError::UnknownKind { kind: other.to_owned() })?;
                StationEvent::CardStep(step, read(step.kind(), payload)?)
            }
        })
    }
}

/// The payload of `items_received`: one receipt for a page of the feed
/// rather than an event per item, so a full sync of the office's items sends
/// central a hundred events, not a hundred thousand. Compact, as a full sync
/// sends megabytes of them: each pass number with the version received.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemsReceived {
    /// The item versions of the page new to the station, by pass number.
    pub versions: BTreeMap<String, u32>,
    /// The pass numbers among them whose version received withdraws the pass.
    pub withdrawn: Vec<String>,
}

impl ItemsReceived {
    /// Adds an item version taken into the cache.
    pub fn add(&mut self, pass_id: &str, version: u32, status: ItemStatus) {
        self.versions.insert(pass_id.to_owned(), version);
        if status == ItemStatus::Withdrawn {
            self.withdrawn.push(pass_id.to_owned());
        }
    }

    /// Each item version named, with its status.
    pub fn items(&self) -> impl Iterator<Item = (&str, u32, ItemStatus)> {
        self.versions.iter().map(|(pass_id, version)| {
            let status = if self.withdrawn.contains(pass_id) {
                ItemStatus::Withdrawn
            } else {
                ItemStatus::Approved
            };
            (pass_id.as_str(), *version, status)
        })
    }
}

/// The payload of `item_rejected`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemRejected {
    /// The record's pass number, empty when it had none that could be read.
    pub pass_id: String,
    /// What is wrong with the record, for the central office.
    pub reason: String,
}

/// The payload of `card_checked`: one check of a card, as the station's
/// verification log keeps it and central receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CardCheck {
    /// When, RFC 3339 on the wire.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub at: time::OffsetDateTime,
    /// Who checked: the officer, or the station itself.
    pub actor: String,
    pub source: CheckSource,
    pub pass_id: Option<String>,
    pub version: Option<u32>,
    /// The chip's UID in upper-case hex, when the chip was read.
    pub card_uid: Option<String>,
    /// The port the check was made at, when the station knows it.
    pub port: Option<String>,
    pub outcome: CheckOutcome,
}

/// What a card was checked by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum CheckSource {
    /// The QR code printed on the card.
    Qr,
    /// The credential on the card's chip.
    Chip,
}

/// How a check came out: valid, or why not (the verifier's reason codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum CheckOutcome {
    Valid,
    /// A chip this office never wrote: there is no credential to judge.
    NotOurCard,
    Specimen,
    Malformed,
    NoTrustList,
    UnknownSigner,
    BadSignature,
    SignerRevoked,
    SignerOutOfValidity,
    NotYetValid,
    Expired,
    PassRevoked,
    CardSpoiled,
    CardVoided,
    PassWithdrawn,
    CardUncollected,
    CardReplaced,
    NotValidAtThisPort,
    ChipBoundToAnotherCard,
    PhotoAltered,
    NotHandedOver,
}

impl CheckSource {
    /// The source as the log and the wire name it.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckSource::Qr => "qr",
            CheckSource::Chip => "chip",
        }
    }
}

impl FromStr for CheckSource {
    type Err = EventError;

    /// The source named `qr` or `chip`.
    fn from_str(name: &str) -> Result<Self, EventError> {
        by_name("check source", name)
    }
}

impl CheckOutcome {
    /// The outcome as the log and the wire name it.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckOutcome::Valid => "valid",
            CheckOutcome::NotOurCard => "not_our_card",
            CheckOutcome::Specimen => "specimen",
            CheckOutcome::Malformed => "malformed",
            CheckOutcome::NoTrustList => "no_trust_list",
            CheckOutcome::UnknownSigner => "unknown_signer",
            CheckOutcome::BadSignature => "bad_signature",
            CheckOutcome::SignerRevoked => "signer_revoked",
            CheckOutcome::SignerOutOfValidity => "signer_out_of_validity",
            CheckOutcome::NotYetValid => "not_yet_valid",
            CheckOutcome::Expired => "expired",
            CheckOutcome::PassRevoked => "pass_revoked",
            CheckOutcome::CardSpoiled => "card_spoiled",
            CheckOutcome::CardVoided => "card_voided",
            CheckOutcome::PassWithdrawn => "pass_withdrawn",
            CheckOutcome::CardUncollected => "card_uncollected",
            CheckOutcome::CardReplaced => "card_replaced",
            CheckOutcome::NotValidAtThisPort => "not_valid_at_this_port",
            CheckOutcome::ChipBoundToAnotherCard => "chip_bound_to_another_card",
            CheckOutcome::PhotoAltered => "photo_altered",
            CheckOutcome::NotHandedOver => "not_handed_over",
        }
    }
}

impl FromStr for CheckOutcome {
    type Err = EventError;

    /// The outcome named as the wire names it, such as `valid` or `not_yet_valid`.
    fn from_str(name: &str) -> Result<Self, EventError> {
        by_name("check outcome", name)
    }
}

/// One of the enums above from its name on the wire.
fn by_name<T: DeserializeOwned>(what: &'static str, name: &str) -> Result<T, EventError> {
    T::deserialize(StrDeserializer::<serde::de::value::Error>::new(name)).map_err(|_| EventError::UnknownName {
        what,
        name: name.to_owned(),
    })
}

/// The payload of `delegation_granted`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelegationGranted {
    /// The supervisor who lends their approval rights.
    pub from: String,
    /// The user who holds them for the period.
    pub to: String,
    /// The first and last office day of the period, `YYYY-MM-DD`.
    pub first_day: String,
    pub last_day: String,
    /// The delegation's entry in the station's audit trail.
    pub audit_seq: u64,
}

/// The kind of the event a station sends once it was restored from a backup.
pub const STATION_RESTORED_EVENT: &str = "station_restored";

/// The payload of `station_restored`: the station was brought back from a
/// backup onto new hardware, with the same identity and keys. What it did
/// after the backup was taken was lost with the old machine; central learns
/// where the restored trail picks up (`backup_head`) and may drop the heads
/// it kept past it, which the restored station will never reach with the
/// same entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StationRestored {
    /// The head of the audit trail the backup holds, signed as an
    /// `audit_head` is; `None` when the backup's trail was empty.
    pub backup_head: Option<AuditHeadPayload>,
    /// When the backup was taken, RFC 3339.
    pub backup_taken_at: String,
    /// The restore's own entry in the restored trail.
    pub audit_seq: u64,
}

/// The kind of the event that reports a closed office day.
pub const DAY_CLOSED_EVENT: &str = "day_closed";
/// The kind of the event that asks central to remind a company of a waiting card.
pub const PICKUP_REMINDER_EVENT: &str = "pickup_reminder";

/// The payload of `day_closed`: an office day's closing report, signed by
/// the station key as `pass_credential::day_report` gives (the report's JSON
/// text is inside the signed payload, so central keeps exactly what was signed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayClosed {
    /// The office day, `YYYY-MM-DD`.
    pub day: String,
    /// The signed report: base64url (no padding) of the COSE_Sign1 bytes.
    pub signed_report: String,
    /// The closing's own entry in the station's audit trail.
    pub audit_seq: u64,
}

/// The payload of `pickup_reminder`: central tells the company's delegate
/// again that the card is ready, by SMS and e-mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickupReminder {
    pub pass_id: String,
    pub version: u32,
    /// Whole days since the release: 7 or 21.
    pub days_waiting: u32,
}

/// A step of a pass's card, by the event kind that reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CardStep {
    Printed,
    PrintVerified,
    Spoiled,
    Encoded,
    Released,
    ReleaseRefused,
    HandedOver,
    HandedOverElsewhere,
    Voided,
    Reprinted,
    Uncollected,
    Withdrawn,
    /// A print sent to the printer that never came out whole.
    PrintAbandoned,
}

impl CardStep {
    pub const ALL: [CardStep; 13] = [
        CardStep::Printed,
        CardStep::PrintVerified,
        CardStep::Spoiled,
        CardStep::Encoded,
        CardStep::Released,
        CardStep::ReleaseRefused,
        CardStep::HandedOver,
        CardStep::HandedOverElsewhere,
        CardStep::Voided,
        CardStep::Reprinted,
        CardStep::Uncollected,
        CardStep::Withdrawn,
        CardStep::PrintAbandoned,
    ];

    /// The kind of the event that reports the step, such as `card_printed`.
    pub const fn kind(self) -> &'static str {
        match self {
            CardStep::Printed => "card_printed",
            CardStep::PrintVerified => "card_print_verified",
            CardStep::Spoiled => "card_spoiled",
            CardStep::Encoded => "card_encoded",
            CardStep::Released => "card_released",
            CardStep::ReleaseRefused => "card_release_refused",
            CardStep::HandedOver => "card_handed_over",
            CardStep::HandedOverElsewhere => "card_handed_over_elsewhere",
            CardStep::Voided => "card_voided",
            CardStep::Reprinted => "card_reprinted",
            CardStep::Uncollected => "card_uncollected",
            CardStep::Withdrawn => "card_withdrawn",
            CardStep::PrintAbandoned => "print_abandoned",
        }
    }

    /// The step whose event kind is `kind`, if there is one.
    pub fn from_kind(kind: &str) -> Option<CardStep> {
        CardStep::ALL.into_iter().find(|step| step.kind() == kind)
    }
}

/// The payload of a card step's event: the pass, who took the step, its
/// entry in the station's audit trail, the card it retired or handed over,
/// and what else the step recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardStepEvent {
    pub pass_id: String,
    pub version: u32,
    pub actor: String,
    pub audit_seq: u64,
    /// The card the step took out of the work: central puts both its faces on the hotlist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_card: Option<CardFaces>,
    /// The card handed over to its holder: central records it on the item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handed_over_card: Option<CardFaces>,
    /// The rest of what the step's audit entry records (a reason, the print,
    /// the chip's UID …), as the station wrote it.
    #[serde(flatten)]
    pub detail: Map<String, Value>,
}

/// One physical card: the print serial on its QR (with the event's pass and
/// version) and its chip's UID, if one was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardFaces {
    pub print: u32,
    /// Upper-case hex; `null` when no chip was written.
    pub card_uid: Option<String>,
    /// Why a retired card left the work (`retired_card` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Revocation>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_kind_reads_back_what_it_writes() {
        let step = json!({"pass_id": "KEL-2026-000001", "version": 2, "actor": "chen", "audit_seq": 7,
                          "retired_card": {"print": 1, "card_uid": null, "reason": "spoiled"},
                          "reason": "the print job never finished"});
        let samples = [
            (
                "items_received",
                json!({"versions": {"KEL-2026-000001": 1, "KEL-2026-000002": 3}, "withdrawn": ["KEL-2026-000001"]}),
            ),
            (
                "item_rejected",
                json!({"pass_id": "", "reason": "tax_id: bad check digit"}),
            ),
            (
                "card_checked",
                json!({"at": "2026-12-01T08:00:00Z", "actor": "gate", "source": "chip", "pass_id": null,
                       "version": null, "card_uid": "04A1", "port": "TWKEL", "outcome": "not_our_card"}),
            ),
            (
                "delegation_granted",
                json!({"from": "lin", "to": "chen", "first_day": "2026-12-01", "last_day": "2026-12-05",
                       "audit_seq": 9}),
            ),
            (
                "audit_head",
                json!({"seq": 3, "hash": "ab".repeat(32), "signature": "0oRD"}),
            ),
            (
                STATION_RESTORED_EVENT,
                json!({"backup_head": {"seq": 3, "hash": "ab".repeat(32), "signature": "0oRD"},
                       "backup_taken_at": "2026-12-01T08:00:00Z", "audit_seq": 4}),
            ),
            (
                DAY_CLOSED_EVENT,
                json!({"day": "2026-12-01", "signed_report": "0oRD", "audit_seq": 12}),
            ),
            (
                PICKUP_REMINDER_EVENT,
                json!({"pass_id": "KEL-2026-000001", "version": 1, "days_waiting": 7}),
            ),
            ("print_abandoned", step.clone()),
            ("card_voided", step),
        ];
        for (kind, payload) in samples {
            let event = StationEvent::from_wire(kind, &payload).unwrap_or_else(|e| panic!("{kind}: {e}"));
            assert_eq!((event.kind(), event.payload()), (kind, payload));
        }
    }

    #[test]
    fn the_payload_keeps_the_bytes_the_station_wrote() {
        let mut receipt = ItemsReceived::default();
        receipt.add("KEL-2026-000002", 3, ItemStatus::Approved);
        receipt.add("KEL-2026-000001", 1, ItemStatus::Withdrawn);
        assert_eq!(
            StationEvent::ItemsReceived(receipt.clone()).payload().to_string(),
            r#"{"versions":{"KEL-2026-000001":1,"KEL-2026-000002":3},"withdrawn":["KEL-2026-000001"]}"#
        );
        let items: Vec<_> = receipt.items().collect();
        assert_eq!(
            items,
            [
                ("KEL-2026-000001", 1, ItemStatus::Withdrawn),
                ("KEL-2026-000002", 3, ItemStatus::Approved)
            ]
        );
    }

    #[test]
    fn an_unknown_kind_or_name_is_refused_with_what_is_known() {
        let err = StationEvent::from_wire("card_lost", &json!({})).expect_err("an unknown kind");
        assert!(
            matches!(&err, EventError::UnknownKind { kind } if kind == "card_lost"),
            "{err:?}"
        );
        assert!(err.to_string().contains("card_printed"), "{err}");

        let check = json!({"at": "2026-12-01T08:00:00Z", "actor": "gate", "source": "nfc", "pass_id": null,
                           "version": null, "card_uid": null, "port": null, "outcome": "valid"});
        let err = StationEvent::from_wire("card_checked", &check).expect_err("an unknown source");
        assert!(err.to_string().contains("nfc"), "{err}");
        let received = json!({"versions": {"KEL-1": -1}, "withdrawn": []});
        assert!(StationEvent::from_wire("items_received", &received).is_err());
        let retired = json!({"pass_id": "KEL-1", "version": 1, "actor": "chen", "audit_seq": 1,
                             "retired_card": {"print": 1, "card_uid": null, "reason": "lost"}});
        assert!(StationEvent::from_wire("card_voided", &retired).is_err());
    }

    #[test]
    fn check_sources_and_outcomes_read_from_their_wire_names() {
        assert_eq!("chip".parse::<CheckSource>().ok(), Some(CheckSource::Chip));
        assert_eq!(
            "not_yet_valid".parse::<CheckOutcome>().ok(),
            Some(CheckOutcome::NotYetValid)
        );
        let err = "barcode".parse::<CheckSource>().expect_err("an unknown source");
        assert!(err.to_string().contains("check source \"barcode\""), "{err}");
        assert!("Valid".parse::<CheckOutcome>().is_err());
    }

    #[test]
    fn every_reason_a_verifier_gives_is_a_check_outcome() {
        use pass_credential::Reason;
        let reasons = [
            Reason::Specimen,
            Reason::Malformed(String::new()),
            Reason::NoTrustList,
            Reason::UnknownSigner,
            Reason::BadSignature,
            Reason::SignerRevoked,
            Reason::SignerOutOfValidity,
            Reason::NotYetValid,
            Reason::Expired,
            Reason::NotValidAtThisPort,
            Reason::ChipBoundToAnotherCard,
            Reason::PhotoAltered,
            Reason::NotHandedOver { state: String::new() },
        ];
        let revoked = Revocation::ALL.map(Reason::Revoked);
        for reason in reasons.iter().chain(&revoked) {
            assert!(reason.code().parse::<CheckOutcome>().is_ok(), "{}", reason.code());
        }
    }

    #[test]
    fn each_card_step_has_its_own_kind() {
        let kinds: std::collections::BTreeSet<&str> = CardStep::ALL.iter().map(|s| s.kind()).collect();
        assert_eq!(kinds.len(), CardStep::ALL.len());
        for step in CardStep::ALL {
            assert_eq!(CardStep::from_kind(step.kind()), Some(step));
            assert!(StationEvent::kinds().any(|kind| kind == step.kind()));
        }
    }
}
