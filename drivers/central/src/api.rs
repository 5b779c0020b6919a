//! Wire types of the central pass API (`openapi.yaml`, version 1).
//!
//! They are deliberately loose where the data comes from people (names, tax
//! IDs): a station checks each item on its own, so one bad item is reported and
//! set aside instead of failing the page it came in. Anything that would make
//! the data unusable as a whole (not JSON, a cut body) fails the page.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use pass_credential::{AuditHead, CredentialError, PublicKey, SigningKey};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

time::serde::format_description!(pub iso_date, Date, "[year]-[month]-[day]");

/// `POST /v1/enrolments`: a station trades a one-time code for its credentials.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EnrolmentRequest {
    /// The one-time code the central office gave for this station.
    pub code: String,
    /// A name people will recognise, such as "基隆港製證櫃檯 1".
    pub station_name: String,
    /// The station's credential-signing public key: base64url (no padding) of
    /// its COSE_Key. Central certifies it into the trust list.
    pub signer_key: String,
}

/// A public key as the contract carries it: base64url (no padding) of its COSE_Key.
pub fn encode_key(key: &PublicKey) -> Result<String, CredentialError> {
    Ok(URL_SAFE_NO_PAD.encode(key.to_cose_key()?))
}

/// Why a key in the contract's text form could not be read.
#[derive(Debug, thiserror::Error)]
#[error("not a base64url COSE_Key public key: {0}")]
pub struct KeyTextError(String);

/// Reads a public key in the contract's text form (see [`encode_key`]).
pub fn decode_key(text: &str) -> Result<PublicKey, KeyTextError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(text.trim())
        .map_err(|e| KeyTextError(e.to_string()))?;
    PublicKey::from_cose_key(&bytes).map_err(|e| KeyTextError(e.to_string()))
}

/// The answer to an enrolment: who the station is and the key it signs in with.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct Enrolment {
    pub station_id: String,
    /// The card office (a port code) whose passes this station issues.
    pub office: String,
    /// The station key, sent as a bearer token. A secret: never logged.
    pub station_key: String,
    /// The pass authority's root public key (base64url COSE_Key): it signs the
    /// trust list and the hotlist, and the station pins it.
    pub authority_key: String,
}

impl std::fmt::Debug for Enrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enrolment")
            .field("station_id", &self.station_id)
            .field("office", &self.office)
            .field("station_key", &"<secret>")
            .field("authority_key", &self.authority_key)
            .finish()
    }
}

/// `GET /v1/offices/{office}/items?after=CURSOR&limit=N`: one page of the
/// office's change feed, oldest change first.
///
/// The feed is compacted: each pass item appears once, at the position of its
/// latest change, with its whole current record. A withdrawn item stays in the
/// feed with `status: withdrawn`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ItemPage {
    /// Items as raw JSON: each is decoded on its own with [`WireItem`].
    pub items: Vec<serde_json::Value>,
    /// Where the next page starts. Opaque; store it once the page is stored.
    pub next_cursor: String,
    /// Whether more changes wait after `next_cursor`.
    pub has_more: bool,
}

/// A pass item: one card for one person or one vehicle.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WireItem {
    /// The pass number printed on the card, such as `KEL-2026-000123`.
    pub pass_id: String,
    /// Raised by central on every change of the record; a reprint also raises it.
    pub version: u32,
    pub status: ItemStatus,
    pub application_id: String,
    pub holder: Holder,
    /// A temporary pass (臨時通行證); many of them come to one application.
    pub temporary: bool,
    pub company: Company,
    /// Ports the pass is valid at (UN/LOCODE), each of which approved it.
    pub ports: Vec<String>,
    #[serde(with = "iso_date")]
    pub valid_from: Date,
    #[serde(with = "iso_date")]
    pub valid_to: Date,
    /// The card office (port code) where the card is made and collected.
    pub pickup_office: String,
    /// Lower-case hex SHA-256 of the holder's photo, fetched from `/v1/photos/{sha256}`.
    pub photo_sha256: Option<String>,
    /// For a person: the holder's ID document hashed with Argon2id and a
    /// salt of their own, as a PHC string (see [`crate::identity`]). The
    /// station compares the document shown at hand-over against it; the
    /// number itself never leaves central.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder_id_hash: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub changed_at: OffsetDateTime,
    /// The card of this version that a desk of the office handed over, once one was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handed_over: Option<HandedOverCard>,
    /// The desk that claimed the pass's card work, once one did; the claim
    /// binds while `expires_at` is ahead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<Claim>,
    /// The card of this version in the making at a desk of the office: how far it got.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_in_work: Option<CardInWork>,
}

/// A desk's lease on a pass's card work: while it runs, no other desk of
/// the office prints the pass. Central grants it, extends it while the
/// card moves through the desk, and ends it at hand-over or spoil; a
/// supervisor may take it over with a reason.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Claim {
    /// The pass version claimed.
    pub version: u32,
    /// The station holding the claim.
    pub station_id: String,
    /// The station's name, as the office knows its desks ("櫃台 2").
    pub desk: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub since: OffsetDateTime,
    /// The claim ends here unless extended; a claim already past it binds no one.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub expires_at: OffsetDateTime,
    /// The holder numbers its prints of this version from here, so no two
    /// desks ever print the same serial.
    pub first_print: u32,
}

impl Claim {
    /// Whether the claim still binds at `now`.
    pub fn live_at(&self, now: OffsetDateTime) -> bool {
        self.expires_at > now
    }
}

/// How far the card of a pass version got, at whichever desk of the office
/// took its last step: what another desk needs to carry it on (release it,
/// hand it over).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CardInWork {
    pub version: u32,
    /// The print serial on the card's QR.
    pub print: u32,
    pub state: WorkState,
    /// The chip's UID in upper-case hex, once written.
    pub card_uid: Option<String>,
    /// Who wrote the chip: the release needs another supervisor.
    pub encoded_by: Option<String>,
    /// The desk that took the last step.
    pub desk: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub at: OffsetDateTime,
}

/// The steps of a card in the making that [`CardInWork`] reports.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum WorkState {
    Printed,
    PrintVerified,
    Encoded,
    Released,
}

/// `POST /v1/claims`: the passes a desk is about to print (or carries on
/// with); each is claimed, or its claim extended, unless another desk holds it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ClaimRequest {
    pub pass_ids: Vec<String>,
}

/// What became of each pass of a [`ClaimRequest`], in its order.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ClaimResults {
    pub results: Vec<ClaimResult>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ClaimResult {
    pub pass_id: String,
    pub outcome: ClaimOutcome,
    /// The claim as it stands: the asking desk's when granted, the holder's
    /// when held elsewhere; none when the pass cannot be claimed.
    pub claim: Option<Claim>,
    /// Why a pass cannot be claimed.
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ClaimOutcome {
    /// The asking desk holds the claim (new, or extended).
    Granted,
    /// Another desk of the office holds it: `claim` names the desk.
    HeldElsewhere,
    /// Not a pass of this office waiting for its card (unknown, withdrawn,
    /// not approved, already handed over).
    NotClaimable,
}

/// `POST /v1/claims/{pass_id}/take-over`: a supervisor moves another desk's
/// claim to this desk; central keeps the reason.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TakeOverRequest {
    pub reason: String,
    /// The user name of the supervisor who took it over.
    pub approved_by: String,
}

/// Which card of a pass version left the office with its holder: the print
/// on its face and the chip inside it. A gate that holds the pass refuses any
/// other card of that version.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HandedOverCard {
    /// The pass version of the card; a later version of the pass has had no hand-over yet.
    pub version: u32,
    pub print: u32,
    /// The chip's UID in upper-case hex.
    pub card_uid: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// Approved by every port it covers, waiting to be made and collected.
    Approved,
    /// Taken back by central; a card not yet handed over must not be issued.
    Withdrawn,
}

/// Who or what the pass is for.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Holder {
    Person {
        /// Name as on the ID card, usually Traditional Chinese.
        name: String,
        /// Name in Latin letters, where the holder has one (passport spelling).
        name_latin: Option<String>,
        /// Masked national ID, `A12****789`; central never sends the full number.
        national_id_masked: String,
    },
    Vehicle {
        plate: String,
        /// Such as 小客車, 貨車, 曳引車.
        vehicle_type: String,
    },
}

impl Holder {
    /// What people read first: the person's name or the vehicle's plate.
    pub fn display_name(&self) -> &str {
        match self {
            Holder::Person { name, .. } => name,
            Holder::Vehicle { plate, .. } => plate,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Company {
    pub name: String,
    /// 8-digit unified business number (統一編號), checked by the receiver.
    pub tax_id: String,
}

/// `POST /v1/events`: a batch of the station's events, in the order they happened.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EventBatch {
    pub events: Vec<Event>,
}

/// One thing that happened at the station, such as an item received or a card printed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Event {
    /// Unique per event, made by the station when the event happens; central
    /// accepts each key once, so sending again after a lost answer is safe.
    pub idempotency_key: String,
    /// Such as `items_received`.
    pub kind: String,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    pub payload: serde_json::Value,
}

/// What central did with each event of a batch, in the batch's order.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EventResults {
    pub results: Vec<EventResult>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EventResult {
    pub idempotency_key: String,
    pub outcome: EventOutcome,
    /// Why an event was rejected; absent otherwise.
    pub reason: Option<String>,
    /// For a `station_restored` central took (now, or before under the same
    /// key: a duplicate is answered the same): how many entries past the
    /// backup's head central had kept heads for, which the station made
    /// before it failed and lost with it. Absent for every other event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_entries_lost: Option<u64>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum EventOutcome {
    /// Recorded now.
    Accepted,
    /// Recorded before under the same key; nothing changed.
    Duplicate,
    /// Will never be recorded (for example an unknown kind); see `reason`.
    Rejected,
}

/// The kind of the event that carries the head of the station's audit trail.
pub const AUDIT_HEAD_EVENT: &str = "audit_head";

/// The payload of an `audit_head` event: the last entry of the station's
/// hash-chained audit trail, signed with the station's credential-signing key
/// (the one central certified at enrolment). Central keeps the heads it
/// accepts and refuses a head that goes back, so a trail cut short at the
/// station cannot hide behind a shorter head.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AuditHeadPayload {
    /// The number of the trail's last entry.
    pub seq: u64,
    /// That entry's hash: lower-case hex SHA-256.
    pub hash: String,
    /// base64url (no padding) of the signed head: a tagged COSE_Sign1 of
    /// `{1: station_id, 2: seq, 3: hash}` ([`AuditHead`]).
    pub signature: String,
}

impl AuditHeadPayload {
    /// Signs `head` with the station's key.
    pub fn sign(head: &AuditHead, key: &SigningKey) -> Result<AuditHeadPayload, CredentialError> {
        Ok(AuditHeadPayload {
            seq: head.seq,
            hash: head.hash.clone(),
            signature: URL_SAFE_NO_PAD.encode(head.sign(key)?),
        })
    }

    /// The signed head, if `station_key` signed it for the station `station_id`
    /// and it says what the payload says; otherwise why not, as a sentence.
    pub fn open(&self, station_id: &str, station_key: &PublicKey) -> Result<AuditHead, String> {
        let bytes = URL_SAFE_NO_PAD
            .decode(self.signature.trim())
            .map_err(|e| format!("signature is not base64url: {e}"))?;
        let head = AuditHead::verify(&bytes, station_key).map_err(|e| match e {
            CredentialError::BadSignature { .. } => {
                "the signature does not verify under the station's certified key (the head was altered or \
                 forged)"
                    .to_owned()
            }
            other => other.to_string(),
        })?;
        if head.station_id != station_id {
            return Err(format!(
                "the head is signed for station {}, not for {station_id}",
                head.station_id
            ));
        }
        if head.seq != self.seq || head.hash != self.hash {
            return Err(format!(
                "seq and hash ({}, {}) are not the signed ones ({}, {})",
                self.seq, self.hash, head.seq, head.hash
            ));
        }
        let hex = head.hash.len() == 64 && head.hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !hex || head.seq == 0 {
            return Err("a head names an entry from 1 on, and its hash in lower-case hex SHA-256".to_owned());
        }
        Ok(head)
    }
}

/// What a user may do at a station. Central assigns the roles; a station
/// shows and allows only what a user's roles cover.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Role {
    /// Takes items through printing, encoding and handing over.
    Clerk,
    /// Approves what a clerk may not do alone, such as a reprint or a void.
    Supervisor,
    /// Checks cards at a gate.
    GateOfficer,
    /// Sets the station up.
    Admin,
}

impl Role {
    /// Every role, in the order people see them.
    pub const ALL: [Role; 4] = [Role::Clerk, Role::Supervisor, Role::GateOfficer, Role::Admin];

    /// The role's name on the wire, such as `gate_officer`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Supervisor => "supervisor",
            Role::GateOfficer => "gate_officer",
            Role::Admin => "admin",
        }
    }

    /// The role named `text` on the wire, if there is one.
    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == text)
    }
}

/// `POST /v1/sign-in`: a user of the calling station's office signs in.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct SignInRequest {
    pub username: String,
    /// A secret: never logged.
    pub password: String,
}

impl std::fmt::Debug for SignInRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInRequest")
            .field("username", &self.username)
            .field("password", &"<secret>")
            .finish()
    }
}

/// Who signed in: the answer to a sign-in, and what a station keeps for
/// signing the same user in while central cannot be reached.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UserProfile {
    pub username: String,
    /// The name people see, such as "陳美玲".
    pub display_name: String,
    pub roles: Vec<Role>,
    /// The card office (port code) the user works at.
    pub office: String,
}

/// `POST /v1/password`: a user changes their password, which also unfreezes
/// an account unused for 90 days.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct PasswordChange {
    pub username: String,
    /// Secrets, both: never logged.
    pub old_password: String,
    pub new_password: String,
}

impl std::fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordChange")
            .field("username", &self.username)
            .field("old_password", &"<secret>")
            .field("new_password", &"<secret>")
            .finish()
    }
}

/// `POST /v1/items/{pass_id}/reprint`: the station makes a new card for a
/// pass. Central raises the item's version (the answer is the new
/// [`WireItem`]) and puts the old version, and the old card if there was one,
/// on the hotlist.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReprintRequest {
    /// Why the card is made again, such as "卡片損壞".
    pub reason: String,
    /// The user name of the supervisor who approved the reprint.
    pub approved_by: String,
    /// The old card's UID in upper-case hex, if a chip was encoded.
    pub card_uid: Option<String>,
}

/// `PUT /v1/items/{pass_id}/photo` takes a JPEG of at most this many bytes.
pub const MAX_PHOTO_BYTES: usize = 1024 * 1024;
/// The sides of a desk photo's frame, in pixels, that central takes.
pub const PHOTO_SIDE_PX: std::ops::RangeInclusive<u32> = 100..=4000;

/// Why bytes are not a photo `putPhoto` takes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoProblem {
    #[error("the photo is empty")]
    Empty,
    #[error("the photo has {bytes} bytes; central takes at most {MAX_PHOTO_BYTES}")]
    TooLarge { bytes: usize },
    #[error("the photo is not a whole JPEG: {0}")]
    NotJpeg(&'static str),
    #[error("the photo is {width}x{height} pixels; central takes 100 to 4000 pixels a side")]
    BadSize { width: u32, height: u32 },
}

/// Checks that `bytes` are a photo `putPhoto` takes: a whole JPEG (start
/// and end of image, a frame header before the scan) of at most
/// [`MAX_PHOTO_BYTES`] whose frame is within [`PHOTO_SIDE_PX`]; answers its
/// width and height. It reads the markers only: it does not decode the scan.
pub fn check_photo(bytes: &[u8]) -> Result<(u32, u32), PhotoProblem> {
    if bytes.is_empty() {
        return Err(PhotoProblem::Empty);
    }
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(PhotoProblem::TooLarge { bytes: bytes.len() });
    }
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return Err(PhotoProblem::NotJpeg("it does not start with a start-of-image marker"));
    }
    if !bytes.ends_with(&[0xFF, 0xD9]) {
        return Err(PhotoProblem::NotJpeg("it does not end with an end-of-image marker"));
    }
    let mut at = 2;
    loop {
        let (Some(&0xFF), Some(&marker)) = (bytes.get(at), bytes.get(at + 1)) else {
            return Err(PhotoProblem::NotJpeg("a segment does not start with a marker"));
        };
        if marker == 0xFF {
            at += 1; // fill byte
            continue;
        }
        let length = match (bytes.get(at + 2), bytes.get(at + 3)) {
            (Some(&high), Some(&low)) => usize::from(u16::from_be_bytes([high, low])),
            _ => return Err(PhotoProblem::NotJpeg("a segment is cut short")),
        };
        if length < 2 || at + 2 + length > bytes.len() {
            return Err(PhotoProblem::NotJpeg("a segment is longer than the photo"));
        }
        match marker {
            // Start of frame (baseline, progressive, ...; not DHT, JPG or DAC).
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                let field = |i: usize| bytes.get(at + 4 + i).copied().map(u32::from);
                let (Some(h1), Some(h0), Some(w1), Some(w0)) = (field(1), field(2), field(3), field(4)) else {
                    return Err(PhotoProblem::NotJpeg("the frame header is cut short"));
                };
                let (width, height) = ((w1 << 8) | w0, (h1 << 8) | h0);
                if !PHOTO_SIDE_PX.contains(&width) || !PHOTO_SIDE_PX.contains(&height) {
                    return Err(PhotoProblem::BadSize { width, height });
                }
                return Ok((width, height));
            }
            0xDA => return Err(PhotoProblem::NotJpeg("the scan starts before any frame header")),
            _ => at += 2 + length,
        }
    }
}

/// The body of every 4xx and 5xx answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ApiError {
    /// Stable machine-readable code, such as `cursor_expired`.
    pub code: String,
    /// A sentence for people.
    pub message: String,
}

/// Error codes a station acts on.
pub mod error_code {
    /// The cursor is older than the server keeps (410): start the feed again.
    pub const CURSOR_EXPIRED: &str = "cursor_expired";
    /// Unknown or already used enrolment code (404 / 409).
    pub const ENROLMENT_CODE_UNKNOWN: &str = "enrolment_code_unknown";
    pub const ENROLMENT_CODE_USED: &str = "enrolment_code_used";
    /// Missing or wrong station key (401).
    pub const UNAUTHORIZED: &str = "unauthorized";
    /// The station asked for another office's items (403).
    pub const WRONG_OFFICE: &str = "wrong_office";
    pub const NOT_FOUND: &str = "not_found";
    pub const BAD_REQUEST: &str = "bad_request";
    /// The item is not in a state that allows the change (409).
    pub const CONFLICT: &str = "conflict";
    pub const INTERNAL: &str = "internal";
    /// Unknown user name or wrong password, never told apart (401 on sign-in and
    /// password change).
    pub const BAD_CREDENTIALS: &str = "bad_credentials";
    /// Too many wrong passwords in a row: the account is locked for a while (423).
    pub const ACCOUNT_LOCKED: &str = "account_locked";
    /// Not signed in for 90 days: the user must change the password first (403).
    pub const ACCOUNT_FROZEN: &str = "account_frozen";
    /// The new password breaks the password rules or repeats the old one (422).
    pub const WEAK_PASSWORD: &str = "weak_password";
    /// A desk's photo over [`super::MAX_PHOTO_BYTES`] (413).
    pub const PHOTO_TOO_LARGE: &str = "photo_too_large";
    /// A body sent as another media type than the operation takes (415).
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "unsupported_media_type";
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JPEG's markers around a frame of `width` × `height`: what `check_photo` reads.
    fn jpeg_markers(width: u16, height: u16) -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, b'J', b'F'];
        bytes.extend([0xFF, 0xC0, 0x00, 0x0B, 8]);
        bytes.extend(height.to_be_bytes());
        bytes.extend(width.to_be_bytes());
        bytes.extend([1, 1, 0x11, 0]);
        bytes.extend([0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34, 0xFF, 0xD9]);
        bytes
    }

    #[test]
    fn a_photo_is_checked_by_its_markers_size_and_frame() {
        assert_eq!(check_photo(&jpeg_markers(300, 400)), Ok((300, 400)));
        assert_eq!(check_photo(&[]), Err(PhotoProblem::Empty));
        assert!(matches!(
            check_photo(b"\x89PNG\r\n\x1a\n"),
            Err(PhotoProblem::NotJpeg(_))
        ));
        let cut = jpeg_markers(300, 400);
        assert!(matches!(
            check_photo(&cut[..cut.len() - 3]),
            Err(PhotoProblem::NotJpeg(_))
        ));
        assert_eq!(
            check_photo(&jpeg_markers(60, 80)),
            Err(PhotoProblem::BadSize { width: 60, height: 80 })
        );
        let mut large = jpeg_markers(300, 400);
        large.resize(MAX_PHOTO_BYTES + 1, 0);
        assert!(matches!(check_photo(&large), Err(PhotoProblem::TooLarge { .. })));
        let no_frame = [0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, 0xFF, 0xD9];
        assert!(matches!(check_photo(&no_frame), Err(PhotoProblem::NotJpeg(_))));
    }

    #[test]
    fn an_item_round_trips_through_json() {
        let json = serde_json::json!({
            "pass_id": "KEL-2026-000001", "version": 2, "status": "approved",
            "application_id": "A-2026-000001",
            "holder": {"type": "person", "name": "王小明", "name_latin": "WANG HSIAO-MING",
                       "national_id_masked": "A12****789"},
            "temporary": false,
            "company": {"name": "長榮海運股份有限公司", "tax_id": "22099131"},
            "ports": ["TWKEL", "TWTPE"], "valid_from": "2026-12-01", "valid_to": "2027-11-30",
            "pickup_office": "TWKEL", "photo_sha256": null,
            "changed_at": "2026-11-20T08:00:00Z"
        });
        let item: WireItem = serde_json::from_value(json.clone()).expect("decodes");
        assert_eq!(item.valid_to, time::macros::date!(2027 - 11 - 30));
        assert!(matches!(&item.holder, Holder::Person { name, .. } if name == "王小明"));
        assert_eq!(serde_json::to_value(&item).expect("encodes"), json);
    }

    #[test]
    fn the_station_key_is_not_in_debug_output() {
        let e = Enrolment {
            station_id: "s".into(),
            office: "TWKEL".into(),
            station_key: "hunter2".into(),
            authority_key: "root".into(),
        };
        assert!(!format!("{e:?}").contains("hunter2"));
    }

    #[test]
    fn passwords_are_not_in_debug_output() {
        let sign_in = SignInRequest {
            username: "chen".into(),
            password: "Hunter2!x".into(),
        };
        assert!(!format!("{sign_in:?}").contains("Hunter2"), "{sign_in:?}");
        let change = PasswordChange {
            username: "chen".into(),
            old_password: "Hunter2!x".into(),
            new_password: "Swordfish9?".into(),
        };
        let shown = format!("{change:?}");
        assert!(!shown.contains("Hunter2") && !shown.contains("Swordfish"), "{shown}");
    }

    #[test]
    fn roles_have_the_same_names_in_json_and_text() {
        for role in Role::ALL {
            assert_eq!(serde_json::to_value(role).expect("encodes"), role.as_str());
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("gate_officer"), Some(Role::GateOfficer));
        assert_eq!(Role::parse("Clerk"), None);
    }
}
