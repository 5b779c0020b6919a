//! The bodies of `central-sim`'s `/admin` endpoints: what tests and demos
//! send to play the central office, and what comes back. [`super::AdminClient`]
//! speaks them from the test side.
//!
//! Not for answering the requests (see `admin_api`); these types depend on
//! nothing else in the simulator but the faults, so the store and the
//! contract check can name them too.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::faults::Fault;
use crate::api::Role;

/// `POST /admin/enrolment-codes`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OfficeRequest {
    pub office: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrolmentCode {
    pub office: String,
    pub code: String,
}

/// `POST /admin/generate` and `POST /admin/edit-many`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CountRequest {
    pub count: u32,
    pub office: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PassIds {
    pub pass_ids: Vec<String>,
}

/// `POST /admin/applications`: one application waiting for its ports' approval.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApplicationRequest {
    pub office: String,
    pub ports: Vec<String>,
    pub items: u32,
    pub temporary: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApplicationCreated {
    pub application_id: String,
    pub pass_ids: Vec<String>,
}

/// `POST /admin/items/{pass_id}/approve`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApproveRequest {
    pub port: String,
}

/// Where an item stands at central.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStateName {
    /// Waiting for one or more ports to approve; not in any feed.
    Pending,
    Approved,
    Withdrawn,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ItemState {
    pub pass_id: String,
    pub state: ItemStateName,
    pub version: u32,
    /// Ports that have not approved yet.
    pub waiting_for: Vec<String>,
}

/// `POST /admin/items/{pass_id}/revoke`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RevokeRequest {
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Revocation {
    pub pass_id: String,
    pub version: u32,
    pub reason: String,
    #[serde(with = "time::serde::rfc3339")]
    pub revoked_at: time::OffsetDateTime,
}

/// `POST /admin/users`: a user central knows, who has never signed in.
#[derive(Clone, Serialize, Deserialize)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    /// The card office (port code) the user works at.
    pub office: String,
    /// Must meet the password rules; only its hash is kept.
    pub password: String,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field("roles", &self.roles)
            .field("office", &self.office)
            .field("password", &"<secret>")
            .finish_non_exhaustive()
    }
}

/// `POST /admin/users/{username}/last-sign-in`: when the user last signed in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LastSignIn {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignInBackdated {
    pub username: String,
    #[serde(with = "time::serde::rfc3339")]
    pub last_sign_in_at: OffsetDateTime,
}

/// `POST /admin/raw-items`: values appended to a feed verbatim.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RawItemsRequest {
    pub office: String,
    pub items: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RawItemsAppended {
    pub appended: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PhotoCorrupted {
    pub sha256: String,
    pub corrupt: bool,
}

/// `POST /admin/stations/{station_id}/revoke-signer`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignerRevoked {
    pub station_id: String,
}

/// `POST /admin/hotlist/cards`: a card central wants refused at every gate.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VoidCardRequest {
    /// The card's UID in hex, such as `04A1B2C3D4E5F6`.
    pub card_uid: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires: time::OffsetDateTime,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HotlistSequence {
    pub sequence: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FeedEpoch {
    pub epoch: u32,
}

/// The faults armed, each with the number of requests it still applies to.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Faults {
    pub armed: Vec<Fault>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredEvents {
    pub events: Vec<StoredEvent>,
}

/// An event as central recorded it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredEvent {
    pub idempotency_key: String,
    pub station_id: String,
    pub kind: String,
    pub occurred_at: String,
    pub payload: serde_json::Value,
    pub received_at: String,
    /// 1, plus one for each time the key was sent again.
    pub times_received: u32,
}

/// `GET /admin/root-fingerprint`: what the authority publishes out of band.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RootFingerprint {
    pub fingerprint: String,
}

/// Counts of what the simulator holds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Stats {
    pub applications: u64,
    pub items_pending: u64,
    pub items_approved: u64,
    pub items_withdrawn: u64,
    pub feed_rows: u64,
    pub last_seq: u64,
    pub epoch: u32,
    pub photos: u64,
    pub events: u64,
    /// Item versions stations said they received, each once however many
    /// receipts named it.
    pub item_receipts: u64,
    pub stations: u64,
    pub unused_enrolment_codes: u64,
    pub revocations: u64,
    pub faults_armed: u64,
}

/// `GET /admin/notifications`: what central would have sent to companies.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Notifications {
    pub notifications: Vec<Notification>,
}

/// One SMS or e-mail central would have sent, as its outbox records it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Notification {
    pub id: i64,
    /// When it was sent (RFC 3339).
    pub at: String,
    /// `sms` or `email`.
    pub channel: String,
    /// The mobile number or e-mail address.
    pub recipient: String,
    pub company_tax_id: String,
    pub pass_id: Option<String>,
    /// What it says: `pickup_code` (a card is ready, with its code) or
    /// `pickup_reminder` (it still waits, `days_waiting` after its release).
    pub kind: String,
    pub body: String,
    /// The pick-up code's text (`PK1:`…), as the message carries it.
    pub pickup_code: Option<String>,
    /// When a station reported the code used (RFC 3339).
    pub code_used_at: Option<String>,
    /// A reminder's days since the release (7 or 21).
    pub days_waiting: Option<u32>,
}

/// `GET /admin/items/{pass_id}/holder-document`: the holder's whole ID
/// document, as central holds it (what the person will show at the counter).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HolderDocument {
    pub document: crate::identity::IdDocument,
}

/// `GET /admin/day-reports`: the office days stations closed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DayReports {
    pub reports: Vec<StoredDayReport>,
}

/// One closed day, as central kept it once its signature checked out.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredDayReport {
    pub station_id: String,
    pub office: String,
    /// The office day, `YYYY-MM-DD`.
    pub day: String,
    /// The report, as the station signed it.
    pub report: serde_json::Value,
    /// base64url of the COSE_Sign1 bytes, as the station sent them.
    pub signed_report: String,
    pub received_at: String,
}
