//! The station's cache: one SQLite file holding every item of the office, the
//! holders' photos, the sync position, the outbox of events for central, the
//! credentials the station signed, the trust documents it verifies against,
//! the audit trail and the log of card checks.
//!
//! Why SQLite, and why this way: the office keeps working when the network is
//! down, so the cache is the station's truth between syncs. Every change that
//! belongs together (a page of items, its events and the new cursor) is one
//! transaction, and the file runs in WAL mode, so a crash or a `kill -9` at any
//! instant leaves either all of a change or none of it.
//!
//! The schema grows only by numbered migrations ([`MIGRATIONS`]); the file's
//! `user_version` says how many have run.
//!
//! This module only names the parts and re-exports what the rest of the
//! station uses; it holds no code. The parts depend downward only: `db`
//! (the handle, errors, station state, timestamps) and `rows` (column
//! decoders) at the bottom; `queue` (putting an event in the outbox),
//! `audit` and `card_faces` (which card a pass has) above them;
//! `card_events`, the one writer of a card's steps, above those; `restore`
//! (the cache's copy for a backup, and a restore's record) beside them; and the
//! steps and screens (`items`, `cards`, `credentials`, `handling`, `desk_photos`,
//! `outbox`, `search`, `applications`, `checks`, `users`) on top, with `desks`
//! (other desks' claims and cards) below `items`, which stores what the feed says of them.

mod applications;
mod audit;
mod card_events;
mod card_faces;
mod cards;
mod checks;
mod credentials;
mod db;
mod desk_photos;
mod desks;
#[cfg(feature = "demo")]
mod floor;
mod handling;
mod items;
mod office_day;
mod outbox;
mod queue;
mod restore;
mod rows;
mod search;
mod users;

pub use applications::ApplicationRow;
pub use audit::{AcknowledgedHead, AuditCheck, AuditEntry, RestoreNote};
pub use card_faces::{CardFaces, PrintRecord};
pub use cards::EncodedCard;
pub use checks::Check;
pub use credentials::TrustDocument;
pub(crate) use db::now_rfc3339;
pub use db::{MIGRATIONS, Store, StoreError, parse_rfc3339, rfc3339};
pub use desk_photos::{PHOTO_TAKEN, PHOTO_UPLOAD};
pub use desks::{CARRIED_ON, CLAIM_TAKEN_OVER, DeskClaim};
#[cfg(feature = "demo")]
pub use floor::bare_insert_floor;
pub use handling::{HandOverGrounds, Pickup, Recipient};
pub use items::{IssueStanding, ItemRecord, PageSummary, RejectedItem, StoredPage};
pub use office_day::{DayClosing, StockReceipt};
pub use outbox::{OutboxEntry, OutboxFilter, OutboxOutcome};
pub use restore::STATION_RESTORED;
pub use search::{QueueQuery, QueueRow};
pub(crate) use users::SignIn;
pub use users::{Colleague, Delegation, SessionRecord, UserRecord};
