//! The simulator's SQLite file: applications, items and their approvals, the
//! per-office change feed, photos, events, revocations, reprints, enrolment
//! codes, stations and their signing keys, the hotlist, the authority's root
//! key, and users (in [`users`]).
//!
//! It exists so that the simulator behaves like a real central system across
//! restarts, and so that a page of 1,000 items is one indexed range read: each
//! feed row holds its item's whole JSON, written when the item changes.
//!
//! The feed is compacted: a change of an item deletes the item's feed row and
//! writes a new one at the next sequence number (`AUTOINCREMENT`, so numbers
//! are never reused, even when the newest row is the one replaced).

mod users;

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};
use time::{Date, OffsetDateTime, macros::offset};

use super::admin::{ApplicationCreated, ApplicationRequest, ItemState, ItemStateName, Revocation, Stats, StoredEvent};
use super::cursor::Cursor;
use super::generate::{ApplicationPlan, Generator, add_months};
use super::station_api::Station;
use super::{SimError, during, parse_card_uid, portrait};
use crate::api::{
    AUDIT_HEAD_EVENT, AuditHeadPayload, Enrolment, EnrolmentRequest, Event, EventOutcome, EventResult, HandedOverCard,
    Holder, ItemStatus, ReprintRequest, WireItem, decode_key, encode_key,
};
use pass_credential::{
    Algorithm, CredentialError, HotlistDelta, PublicKey, Revocation as Why, RevokedPass, RevokedPrint, SignerEntry,
    SignerStatus, SigningKey, TrustList, VoidedCard,
};

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS applications (
    id TEXT PRIMARY KEY, company_name TEXT NOT NULL, company_tax_id TEXT NOT NULL,
    temporary INTEGER NOT NULL, pickup_office TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (
    pass_id TEXT PRIMARY KEY, application_id TEXT NOT NULL REFERENCES applications (id),
    pickup_office TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'withdrawn')),
    record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS approvals (
    pass_id TEXT NOT NULL REFERENCES items (pass_id), port TEXT NOT NULL, approved_at TEXT,
    PRIMARY KEY (pass_id, port)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS feed (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, office TEXT NOT NULL, pass_id TEXT, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS feed_by_office ON feed (office, seq);
CREATE UNIQUE INDEX IF NOT EXISTS feed_by_item ON feed (pass_id) WHERE pass_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS photos (sha256 TEXT PRIMARY KEY, bytes BLOB NOT NULL, corrupt INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS revocations (
    id INTEGER PRIMARY KEY, pass_id TEXT NOT NULL REFERENCES items (pass_id), version INTEGER NOT NULL,
    reason TEXT NOT NULL, revoked_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS enrolment_codes (
    code TEXT PRIMARY KEY, office TEXT NOT NULL, created_at TEXT NOT NULL, used_by TEXT);
CREATE TABLE IF NOT EXISTS stations (
    id TEXT PRIMARY KEY, office TEXT NOT NULL, name TEXT NOT NULL, key_sha256 TEXT NOT NULL UNIQUE,
    enrolled_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, bytes BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS signers (
    station_id TEXT PRIMARY KEY REFERENCES stations (id), cose_key BLOB NOT NULL, office TEXT NOT NULL,
    valid_from TEXT NOT NULL, valid_to TEXT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS hotlist (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, pass_id TEXT, version INTEGER, print INTEGER, card_uid BLOB,
    expires TEXT NOT NULL, why INTEGER NOT NULL,
    CHECK ((pass_id IS NULL) <> (card_uid IS NULL)));
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, idempotency_key TEXT NOT NULL UNIQUE, station_id TEXT NOT NULL,
    kind TEXT NOT NULL, occurred_at TEXT NOT NULL, payload TEXT NOT NULL, received_at TEXT NOT NULL,
    times_received INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS audit_heads (
    station_id TEXT NOT NULL REFERENCES stations (id), seq INTEGER NOT NULL, hash TEXT NOT NULL,
    signature TEXT NOT NULL, received_at TEXT NOT NULL,
    PRIMARY KEY (station_id, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS reprints (
    id INTEGER PRIMARY KEY, pass_id TEXT NOT NULL REFERENCES items (pass_id), old_version INTEGER NOT NULL,
    reason TEXT NOT NULL, approved_by TEXT NOT NULL, old_card_uid BLOB, station_id TEXT NOT NULL,
    reprinted_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY, display_name TEXT NOT NULL, roles TEXT NOT NULL, office TEXT NOT NULL,
    password_hash TEXT NOT NULL, failed_attempts INTEGER NOT NULL DEFAULT 0, locked_until TEXT,
    last_sign_in_at TEXT, password_changed_at TEXT NOT NULL, created_at TEXT NOT NULL);
";

/// Enrolment code letters: no 0/O or 1/I, which clerks mistype.
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
/// How long a voided card stays on the hotlist when its pass is not known.
const UNKNOWN_PASS_CARD_HOTLISTED: time::Duration = time::Duration::days(365);

/// Connection to the simulator's database.
#[derive(Debug)]
pub(crate) struct Store {
    conn: Connection,
    /// The pass authority's root key: signs the trust list and the hotlist.
    root: SigningKey,
}

/// One page of a feed, items as stored JSON text.
#[derive(Debug)]
pub(crate) struct FeedPage {
    pub items: Vec<String>,
    pub next_cursor: Cursor,
    pub has_more: bool,
}

/// An item as the database holds it.
struct ItemRow {
    state: ItemStateName,
    item: WireItem,
    in_feed: bool,
}

/// The card office's calendar day (Taiwan, UTC+8).
fn today() -> Date {
    OffsetDateTime::now_utc().to_offset(offset!(+8)).date()
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| at.to_string())
}

fn state_name(state: ItemStateName) -> &'static str {
    match state {
        ItemStateName::Pending => "pending",
        ItemStateName::Approved => "approved",
        ItemStateName::Withdrawn => "withdrawn",
    }
}

fn parse_state(text: &str) -> Result<ItemStateName, SimError> {
    match text {
        "pending" => Ok(ItemStateName::Pending),
        "approved" => Ok(ItemStateName::Approved),
        "withdrawn" => Ok(ItemStateName::Withdrawn),
        other => Err(SimError::Internal(format!(
            "the database holds an unknown item state {other:?}"
        ))),
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, SimError> {
    serde_json::to_string(value).map_err(|e| SimError::Internal(format!("writing JSON: {e}")))
}

/// Bytes from the system's random source (through UUID v4, 122 random bits each).
fn random_bytes(count: usize) -> Vec<u8> {
    std::iter::repeat_with(|| uuid::Uuid::new_v4().into_bytes())
        .flatten()
        .take(count)
        .collect()
}

/// Why a well-formed event will never be recorded, if it will not (the
/// contract's schema has already refused a malformed one with the batch).
pub(crate) fn rejection_reason(event: &Event) -> Option<String> {
    for field in ["retired_card", "handed_over_card"] {
        if let Some(card) = event.payload.get(field)
            && let Err(problem) = CardFaces::read(event, card)
        {
            return Some(format!("{field}: {problem}"));
        }
    }
    None
}

/// The two faces of one physical card an event names (`retired_card`,
/// `handed_over_card`): the pass version and print on its printed QR, its
/// chip's UID if one was written, and for a retired card why it left the work.
struct CardFaces {
    pass_id: String,
    version: u32,
    print: u32,
    card_uid: Option<Vec<u8>>,
    why: Option<Why>,
}

impl CardFaces {
    fn read(event: &Event, card: &serde_json::Value) -> Result<CardFaces, String> {
        let pass_id = event.payload.get("pass_id").and_then(serde_json::Value::as_str);
        let version = event.payload.get("version").and_then(serde_json::Value::as_u64);
        let print = card.get("print").and_then(serde_json::Value::as_u64);
        let (Some(pass_id), Some(version), Some(print)) = (pass_id, version, print) else {
            return Err("the event needs pass_id and version, and the card its print serial".to_owned());
        };
        let (Ok(version), Ok(print)) = (u32::try_from(version), u32::try_from(print)) else {
            return Err("version and print must be 32-bit unsigned integers".to_owned());
        };
        if print == 0 {
            return Err("print serials count from 1".to_owned());
        }
        let card_uid = match card.get("card_uid") {
            None | Some(serde_json::Value::Null) => None,
            Some(uid) => Some(
                uid.as_str()
                    .and_then(|uid| parse_card_uid(uid).ok())
                    .ok_or("card_uid must be the card's UID in upper-case hex, such as 04A1B2C3D4E5F6")?,
            ),
        };
        let why = match card.get("reason") {
            None => None,
            Some(reason) => Some(
                reason
                    .as_str()
                    .and_then(Why::parse)
                    .ok_or("reason must be one of revoked, spoiled, voided, withdrawn, uncollected, replaced")?,
            ),
        };
        Ok(CardFaces {
            pass_id: pass_id.to_owned(),
            version,
            print,
            card_uid,
            why,
        })
    }
}

impl Store {
    /// Opens (or creates) the database at `path`.
    pub(crate) fn open(path: &Path) -> Result<Store, SimError> {
        let open = || -> Result<Store, SimError> {
            let conn = Connection::open(path)?;
            conn.execute_batch(SCHEMA)?;
            if meta(&conn, "epoch")?.is_none() {
                set_meta(&conn, "epoch", i64::from(fresh_epoch(0)))?;
            }
            let root = authority_root_key(&conn)?;
            Ok(Store { conn, root })
        };
        open().map_err(|e| match e {
            SimError::Db { source, .. } => SimError::Db {
                context: format!("opening {}", path.display()),
                source,
            },
            other => other,
        })
    }

    /// Runs `work` on the database; `what` names it in a database error.
    fn read<T>(
        &self,
        what: &'static str,
        work: impl FnOnce(&Connection) -> Result<T, SimError>,
    ) -> Result<T, SimError> {
        work(&self.conn).map_err(during(what))
    }

    /// Runs `work` in one transaction, committed only if it succeeds.
    fn write<T>(
        &mut self,
        what: &'static str,
        work: impl FnOnce(&Transaction) -> Result<T, SimError>,
    ) -> Result<T, SimError> {
        let run = || -> Result<T, SimError> {
            let tx = self.conn.transaction()?;
            let done = work(&tx)?;
            tx.commit()?;
            Ok(done)
        };
        run().map_err(during(what))
    }

    /// Starts a new feed epoch: every cursor made before is refused from now on.
    pub(crate) fn new_epoch(&mut self) -> Result<u32, SimError> {
        self.write("starting a new feed epoch", |tx| {
            let epoch = fresh_epoch(epoch(tx)?);
            set_meta(tx, "epoch", i64::from(epoch))?;
            Ok(epoch)
        })
    }

    // --- enrolment -----------------------------------------------------------

    /// Accepts `code` for `office` from now on (kept as it is if it exists).
    pub(crate) fn add_enrolment_code(&mut self, office: &str, code: &str) -> Result<(), SimError> {
        self.write("adding an enrolment code", |tx| {
            tx.execute(
                "INSERT OR IGNORE INTO enrolment_codes (code, office, created_at) VALUES (?1, ?2, ?3)",
                params![code, office, rfc3339(OffsetDateTime::now_utc())],
            )?;
            Ok(())
        })
    }

    /// Makes a new one-time code for `office`, such as `7KQ4-M2XA`.
    pub(crate) fn new_enrolment_code(&mut self, office: &str) -> Result<String, SimError> {
        let chars: String = random_bytes(8)
            .iter()
            .map(|b| char::from(CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()]))
            .collect();
        let code = format!("{}-{}", &chars[..4], &chars[4..]);
        self.add_enrolment_code(office, &code)?;
        Ok(code)
    }

    pub(crate) fn unused_enrolment_code(&self, office: &str) -> Result<Option<String>, SimError> {
        self.read("looking up an enrolment code", |conn| {
            let sql = "SELECT code FROM enrolment_codes WHERE office = ?1 AND used_by IS NULL ORDER BY rowid LIMIT 1";
            Ok(conn.query_row(sql, [office], |r| r.get(0)).optional()?)
        })
    }

    pub(crate) fn unused_enrolment_codes(&self) -> Result<Vec<(String, String)>, SimError> {
        self.read("listing enrolment codes", |conn| {
            let mut stmt =
                conn.prepare("SELECT office, code FROM enrolment_codes WHERE used_by IS NULL ORDER BY rowid")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Trades a one-time code for a new station and its key; only the key's
    /// SHA-256 is kept.
    pub(crate) fn enrol(&mut self, request: &EnrolmentRequest) -> Result<Enrolment, SimError> {
        let signer = decode_key(&request.signer_key).map_err(|e| SimError::BadRequest(format!("signer_key: {e}")))?;
        let authority_key = encode_key(&self.root.public()).map_err(credential_error)?;
        let (code, station_name) = (request.code.as_str(), request.station_name.as_str());
        self.write("enrolling a station", |tx| {
            let found: Option<(String, Option<String>)> = tx
                .query_row(
                    "SELECT office, used_by FROM enrolment_codes WHERE code = ?1",
                    [code],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let office = match found {
                None => return Err(SimError::EnrolmentCodeUnknown),
                Some((_, Some(_))) => return Err(SimError::EnrolmentCodeUsed),
                Some((office, None)) => office,
            };
            let station_id = uuid::Uuid::new_v4().to_string();
            let station_key = hex::encode(random_bytes(32));
            tx.execute(
                "INSERT INTO stations (id, office, name, key_sha256, enrolled_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    station_id,
                    office,
                    station_name,
                    key_hash(&station_key),
                    rfc3339(OffsetDateTime::now_utc())
                ],
            )?;
            tx.execute(
                "UPDATE enrolment_codes SET used_by = ?1 WHERE code = ?2",
                params![station_id, code],
            )?;
            // Certified for three years, like the office's other credentials.
            let now = OffsetDateTime::now_utc();
            tx.execute(
                "INSERT INTO signers (station_id, cose_key, office, valid_from, valid_to) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    station_id,
                    signer.to_cose_key().map_err(credential_error)?,
                    office,
                    rfc3339(now),
                    rfc3339(now + time::Duration::days(3 * 365))
                ],
            )?;
            next_counter(tx, "trust_list", 1)?;
            Ok(Enrolment {
                station_id,
                office,
                station_key,
                authority_key,
            })
        })
    }

    pub(crate) fn station_by_key(&self, key: &str) -> Result<Option<Station>, SimError> {
        self.read("checking a station key", |conn| {
            let sql = "SELECT id, office FROM stations WHERE key_sha256 = ?1";
            Ok(conn
                .query_row(sql, [key_hash(key)], |r| {
                    Ok(Station {
                        id: r.get(0)?,
                        office: r.get(1)?,
                    })
                })
                .optional()?)
        })
    }

    // --- generated data ------------------------------------------------------

    /// Generates `count` approved items picked up at `office`; returns their
    /// pass numbers in feed order.
    pub(crate) fn generate(
        &mut self,
        seed: u64,
        photos: bool,
        office: &str,
        count: u32,
    ) -> Result<Vec<String>, SimError> {
        let made = self.write("generating items", |tx| {
            insert_generated(tx, seed, photos, true, |generator| {
                generator.applications(office, count)
            })
        })?;
        Ok(made.into_iter().flat_map(|(_, pass_ids)| pass_ids).collect())
    }

    /// Creates one application whose items wait for every port's approval.
    pub(crate) fn create_application(
        &mut self,
        seed: u64,
        photos: bool,
        req: &ApplicationRequest,
    ) -> Result<ApplicationCreated, SimError> {
        let made = self.write("creating an application", |tx| {
            insert_generated(tx, seed, photos, false, |generator| {
                vec![generator.application(&req.office, Some(&req.ports), req.items, req.temporary)]
            })
        })?;
        let (application_id, pass_ids) = made
            .into_iter()
            .next()
            .ok_or_else(|| SimError::Internal("no application was made".to_owned()))?;
        Ok(ApplicationCreated {
            application_id,
            pass_ids,
        })
    }

    // --- item changes --------------------------------------------------------

    /// Records `port`'s approval; the last port's approval puts the item in its office's feed.
    pub(crate) fn approve(&mut self, pass_id: &str, port: &str) -> Result<ItemState, SimError> {
        self.write("approving an item", |tx| {
            let row = load_item(tx, pass_id)?;
            if row.state != ItemStateName::Pending {
                return Err(SimError::Conflict(format!(
                    "{pass_id} is {} already",
                    state_name(row.state)
                )));
            }
            let sql = "SELECT approved_at FROM approvals WHERE pass_id = ?1 AND port = ?2";
            let approval: Option<Option<String>> =
                tx.query_row(sql, params![pass_id, port], |r| r.get(0)).optional()?;
            match approval {
                None => {
                    return Err(SimError::BadRequest(format!("{pass_id} does not cover port {port}")));
                }
                Some(Some(_)) => {} // Approved before: the same answer again.
                Some(None) => {
                    tx.execute(
                        "UPDATE approvals SET approved_at = ?1 WHERE pass_id = ?2 AND port = ?3",
                        params![rfc3339(OffsetDateTime::now_utc()), pass_id, port],
                    )?;
                }
            }
            if waiting_for(tx, pass_id)?.is_empty() {
                change_item(tx, pass_id, |row| {
                    row.state = ItemStateName::Approved;
                    Ok(())
                })
            } else {
                item_state(tx, pass_id, &row)
            }
        })
    }

    /// Takes an item back: its version rises and its feed row moves to the end.
    pub(crate) fn withdraw(&mut self, pass_id: &str) -> Result<ItemState, SimError> {
        self.write("withdrawing an item", |tx| {
            let withdrawn = load_item(tx, pass_id)?.item;
            let state = change_item(tx, pass_id, |row| {
                row.state = ItemStateName::Withdrawn;
                row.item.status = ItemStatus::Withdrawn;
                row.item.version += 1;
                Ok(())
            })?;
            // A card already made of it, handed over or not, must fail at every gate.
            hotlist_pass(tx, pass_id, withdrawn.version, withdrawn.valid_to, Why::Withdrawn)?;
            Ok(state)
        })
    }

    /// Changes an item (valid one month longer): its version rises and its
    /// feed row moves to the end.
    pub(crate) fn edit(&mut self, pass_id: &str) -> Result<ItemState, SimError> {
        self.write("editing an item", |tx| change_item(tx, pass_id, extend))
    }

    /// Makes a new card for an approved pass of the station's office: the
    /// item's version rises and its feed row moves to the end, as with an
    /// edit; the old version, and the old card when named, go on the hotlist
    /// until the pass would have expired; the reason and approver are kept.
    pub(crate) fn reprint(
        &mut self,
        station: &Station,
        pass_id: &str,
        request: &ReprintRequest,
        old_card: Option<&[u8]>,
    ) -> Result<WireItem, SimError> {
        self.write("reprinting an item", |tx| {
            let mut old_version = 0;
            change_item(tx, pass_id, |row| {
                if row.item.pickup_office != station.office {
                    return Err(SimError::WrongOffice {
                        own: station.office.clone(),
                        asked: row.item.pickup_office.clone(),
                    });
                }
                if row.state != ItemStateName::Approved {
                    return Err(SimError::Conflict(format!(
                        "{pass_id} is not approved by every port yet; only an approved pass can be reprinted"
                    )));
                }
                old_version = row.item.version;
                row.item.version += 1;
                Ok(())
            })?;
            let item = load_item(tx, pass_id)?.item;
            hotlist_pass(tx, pass_id, old_version, item.valid_to, Why::Replaced)?;
            if let Some(uid) = old_card {
                hotlist_card(tx, uid, end_of_day(item.valid_to)?, Why::Replaced)?;
            }
            tx.execute(
                "INSERT INTO reprints (pass_id, old_version, reason, approved_by, old_card_uid, station_id, reprinted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    pass_id,
                    old_version,
                    request.reason.trim(),
                    request.approved_by.trim(),
                    old_card,
                    station.id,
                    rfc3339(item.changed_at)
                ],
            )?;
            Ok(item)
        })
    }

    /// Edits the approved items at the oldest feed positions of `office`.
    pub(crate) fn edit_oldest(&mut self, office: &str, count: u32) -> Result<Vec<String>, SimError> {
        self.write("editing items", |tx| {
            let pass_ids: Vec<String> = {
                let mut stmt = tx.prepare(
                    "SELECT f.pass_id FROM feed f JOIN items i ON i.pass_id = f.pass_id
                     WHERE f.office = ?1 AND i.state = 'approved' ORDER BY f.seq LIMIT ?2",
                )?;
                let rows = stmt.query_map(params![office, count], |r| r.get(0))?;
                rows.collect::<Result<_, _>>()?
            };
            for pass_id in &pass_ids {
                change_item(tx, pass_id, extend)?;
            }
            Ok(pass_ids)
        })
    }

    /// Revokes the item's current version (for the hotlist).
    pub(crate) fn revoke(&mut self, pass_id: &str, reason: &str) -> Result<Revocation, SimError> {
        self.write("revoking an item", |tx| {
            let item = load_item(tx, pass_id)?;
            let version = item.item.version;
            let revoked_at = OffsetDateTime::now_utc();
            tx.execute(
                "INSERT INTO revocations (pass_id, version, reason, revoked_at) VALUES (?1, ?2, ?3, ?4)",
                params![pass_id, version, reason, rfc3339(revoked_at)],
            )?;
            hotlist_pass(tx, pass_id, version, item.item.valid_to, Why::Revoked)?;
            Ok(Revocation {
                pass_id: pass_id.to_owned(),
                version,
                reason: reason.to_owned(),
                revoked_at,
            })
        })
    }

    /// Appends JSON values to `office`'s feed as they are: no checks, no compaction.
    pub(crate) fn append_raw_items(&mut self, office: &str, items: &[serde_json::Value]) -> Result<usize, SimError> {
        self.write("appending raw items", |tx| {
            let mut stmt = tx.prepare("INSERT INTO feed (office, pass_id, body) VALUES (?1, NULL, ?2)")?;
            for item in items {
                stmt.execute(params![office, to_json(item)?])?;
            }
            Ok(items.len())
        })
    }

    /// Revokes a station's signing key: every credential it signed fails from
    /// the next trust list on (a stolen station is shut out this way).
    pub(crate) fn revoke_signer(&mut self, station_id: &str) -> Result<(), SimError> {
        self.write("revoking a signer", |tx| {
            let changed = tx.execute("UPDATE signers SET revoked = 1 WHERE station_id = ?1", [station_id])?;
            if changed == 0 {
                return Err(SimError::NotFound(format!(
                    "no station {station_id} with a signing key"
                )));
            }
            next_counter(tx, "trust_list", 1)?;
            Ok(())
        })
    }

    /// Puts a card on the hotlist until `expires`, whatever credential it carries.
    pub(crate) fn void_card(&mut self, card_uid: &[u8], expires: OffsetDateTime) -> Result<u64, SimError> {
        self.write("voiding a card", |tx| hotlist_card(tx, card_uid, expires, Why::Voided))
    }

    /// The fingerprint of the authority's root public key, as the authority
    /// publishes it for stations to check at enrolment.
    pub(crate) fn root_fingerprint(&self) -> String {
        self.root.public().fingerprint()
    }

    /// The trust list as it stands, signed by the root key.
    pub(crate) fn signed_trust_list(&self) -> Result<Vec<u8>, SimError> {
        let trust_list = self.read("reading the trust list", |conn| {
            let mut stmt = conn.prepare("SELECT cose_key, office, valid_from, valid_to, revoked FROM signers")?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get(4)?,
                ))
            })?;
            let mut signers = Vec::new();
            for row in rows {
                let (cose_key, office, valid_from, valid_to, revoked): (_, String, _, _, bool) = row?;
                signers.push(SignerEntry {
                    public_key: PublicKey::from_cose_key(&cose_key).map_err(credential_error)?,
                    office,
                    valid_from: parse_time(&valid_from)?,
                    valid_to: parse_time(&valid_to)?,
                    status: if revoked {
                        SignerStatus::Revoked
                    } else {
                        SignerStatus::Active
                    },
                });
            }
            let sequence = meta(conn, "counter:trust_list")?.unwrap_or_default().unsigned_abs();
            Ok(TrustList {
                sequence,
                issued_at: OffsetDateTime::now_utc(),
                signers,
            })
        })?;
        trust_list.sign(&self.root).map_err(credential_error)
    }

    /// The hotlist entries after sequence `after`, signed by the root key.
    /// A sequence central never gave means the station's copy belongs to
    /// another hotlist: it must start again from 0.
    pub(crate) fn signed_hotlist(&self, after: u64) -> Result<Vec<u8>, SimError> {
        let delta = self.read("reading the hotlist", |conn| {
            let last: u64 = conn
                .query_row("SELECT seq FROM sqlite_sequence WHERE name = 'hotlist'", [], |r| {
                    r.get::<_, i64>(0)
                })
                .optional()?
                .unwrap_or_default()
                .unsigned_abs();
            if after > last {
                return Err(SimError::CursorExpired);
            }
            let mut delta = HotlistDelta {
                from_sequence: after,
                to_sequence: last,
                issued_at: OffsetDateTime::now_utc(),
                revoked_passes: Vec::new(),
                voided_cards: Vec::new(),
                revoked_prints: Vec::new(),
            };
            let mut stmt = conn.prepare(
                "SELECT pass_id, version, print, card_uid, expires, why FROM hotlist WHERE seq > ?1 ORDER BY seq",
            )?;
            let rows = stmt.query_map([i64::try_from(after).unwrap_or(i64::MAX)], |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?,
                    r.get::<_, Option<u32>>(1)?,
                    r.get::<_, Option<u32>>(2)?,
                    r.get::<_, Option<Vec<u8>>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, u8>(5)?,
                ))
            })?;
            for row in rows {
                let (pass_id, version, print, card_uid, expires, why) = row?;
                let expires = parse_time(&expires)?;
                let why = Why::from_code(why)
                    .ok_or_else(|| SimError::Internal(format!("a hotlist row has unknown reason {why}")))?;
                match (pass_id, version, print, card_uid) {
                    (Some(pass_id), Some(version), Some(print), _) => delta.revoked_prints.push(RevokedPrint {
                        pass_id,
                        version,
                        print,
                        expires,
                        why,
                    }),
                    (Some(pass_id), Some(version), None, _) => delta.revoked_passes.push(RevokedPass {
                        pass_id,
                        version,
                        expires,
                        why,
                    }),
                    (_, _, _, Some(card_uid)) => delta.voided_cards.push(VoidedCard { card_uid, expires, why }),
                    _ => {
                        return Err(SimError::Internal(
                            "a hotlist row names neither a pass nor a card".to_owned(),
                        ));
                    }
                }
            }
            Ok(delta)
        })?;
        delta.sign(&self.root).map_err(credential_error)
    }

    // --- station reads and reports --------------------------------------------

    /// The page of `office`'s feed after `after` (from the start when `None`).
    pub(crate) fn feed_page(&self, office: &str, after: Option<Cursor>, limit: u32) -> Result<FeedPage, SimError> {
        self.read("reading the feed", |conn| {
            let epoch = epoch(conn)?;
            let after_seq = match after {
                None => 0,
                Some(cursor) if cursor.epoch != epoch || cursor.seq > last_seq(conn)? => {
                    return Err(SimError::CursorExpired);
                }
                Some(cursor) => cursor.seq,
            };
            let sql = "SELECT seq, body FROM feed WHERE office = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3";
            let mut rows: Vec<(i64, String)> = conn
                .prepare_cached(sql)?
                .query_map(params![office, after_seq, i64::from(limit) + 1], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?
                .collect::<Result<_, _>>()?;
            let has_more = rows.len() > limit as usize;
            rows.truncate(limit as usize);
            let seq = rows.last().map_or(after_seq, |(seq, _)| *seq);
            let items = rows.into_iter().map(|(_, body)| body).collect();
            Ok(FeedPage {
                items,
                next_cursor: Cursor { epoch, seq },
                has_more,
            })
        })
    }

    /// The photo's bytes, or wrong ones if it was corrupted on purpose.
    pub(crate) fn photo(&self, sha256: &str) -> Result<Vec<u8>, SimError> {
        let found: Option<(Vec<u8>, bool)> = self.read("reading a photo", |conn| {
            let sql = "SELECT bytes, corrupt FROM photos WHERE sha256 = ?1";
            Ok(conn
                .query_row(sql, [sha256], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?)
        })?;
        let (mut bytes, corrupt) = found.ok_or_else(|| SimError::NotFound(format!("no photo has SHA-256 {sha256}")))?;
        if corrupt {
            let middle = bytes.len() / 2;
            match bytes.get_mut(middle) {
                Some(byte) => *byte ^= 0x5A,
                None => bytes.push(0),
            }
        }
        Ok(bytes)
    }

    pub(crate) fn corrupt_photo(&mut self, sha256: &str) -> Result<(), SimError> {
        let changed = self.write("marking a photo corrupt", |tx| {
            Ok(tx.execute("UPDATE photos SET corrupt = 1 WHERE sha256 = ?1", [sha256])?)
        })?;
        if changed == 0 {
            return Err(SimError::NotFound(format!("no photo has SHA-256 {sha256}")));
        }
        Ok(())
    }

    /// Records each acceptable event whose key is new; one result per event,
    /// in order. The first time it arrives, an event's `retired_card` goes on
    /// the hotlist (its print and its chip), its `handed_over_card` is
    /// recorded on the item, for the office's other desks to see in the feed,
    /// and an `audit_head` is kept once its signature and sequence check out
    /// (see [`audit_head`]).
    pub(crate) fn record_events(&mut self, station_id: &str, events: &[Event]) -> Result<Vec<EventResult>, SimError> {
        self.write("recording events", |tx| {
            let received_at = rfc3339(OffsetDateTime::now_utc());
            let mut again =
                tx.prepare("UPDATE events SET times_received = times_received + 1 WHERE idempotency_key = ?1")?;
            let mut insert = tx.prepare(
                "INSERT INTO events (idempotency_key, station_id, kind, occurred_at, payload, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            let mut results = Vec::with_capacity(events.len());
            for event in events {
                let (outcome, reason) = if let Some(reason) = rejection_reason(event) {
                    (EventOutcome::Rejected, Some(reason))
                } else if again.execute([&event.idempotency_key])? > 0 {
                    (EventOutcome::Duplicate, None)
                } else {
                    match audit_head(tx, station_id, event)? {
                        Err(reason) => (EventOutcome::Rejected, Some(reason)),
                        Ok(head) => {
                            insert.execute(params![
                                event.idempotency_key,
                                station_id,
                                event.kind,
                                rfc3339(event.occurred_at),
                                to_json(&event.payload)?,
                                received_at
                            ])?;
                            if let Some(card) = event.payload.get("retired_card") {
                                let faces = CardFaces::read(event, card).map_err(SimError::Internal)?;
                                hotlist_retired_card(tx, &faces)?;
                            }
                            if let Some(card) = event.payload.get("handed_over_card") {
                                let faces = CardFaces::read(event, card).map_err(SimError::Internal)?;
                                record_hand_over(tx, &faces, event.occurred_at)?;
                            }
                            if let Some(head) = head {
                                keep_audit_head(tx, station_id, &head, &received_at)?;
                            }
                            (EventOutcome::Accepted, None)
                        }
                    }
                };
                results.push(EventResult {
                    idempotency_key: event.idempotency_key.clone(),
                    outcome,
                    reason,
                });
            }
            Ok(results)
        })
    }

    // --- inspection ------------------------------------------------------------

    pub(crate) fn events(&self) -> Result<Vec<StoredEvent>, SimError> {
        self.read("listing events", |conn| {
            let mut stmt = conn.prepare(
                "SELECT idempotency_key, station_id, kind, occurred_at, payload, received_at, times_received
                 FROM events ORDER BY id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get::<_, String>(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })?;
            rows.map(|row| {
                let (idempotency_key, station_id, kind, occurred_at, payload, received_at, times_received) = row?;
                let payload = serde_json::from_str(&payload).map_err(|e| {
                    SimError::Internal(format!("the payload of event {idempotency_key} is damaged: {e}"))
                })?;
                Ok(StoredEvent {
                    idempotency_key,
                    station_id,
                    kind,
                    occurred_at,
                    payload,
                    received_at,
                    times_received,
                })
            })
            .collect()
        })
    }

    /// Counts of what the database holds (`faults_armed` is left at 0).
    pub(crate) fn stats(&self) -> Result<Stats, SimError> {
        self.read("counting", |conn| {
            let count = |sql: &str| -> Result<u64, SimError> {
                let n: i64 = conn.query_row(sql, [], |r| r.get(0))?;
                Ok(u64::try_from(n).unwrap_or_default())
            };
            Ok(Stats {
                applications: count("SELECT count(*) FROM applications")?,
                items_pending: count("SELECT count(*) FROM items WHERE state = 'pending'")?,
                items_approved: count("SELECT count(*) FROM items WHERE state = 'approved'")?,
                items_withdrawn: count("SELECT count(*) FROM items WHERE state = 'withdrawn'")?,
                feed_rows: count("SELECT count(*) FROM feed")?,
                last_seq: u64::try_from(last_seq(conn)?).unwrap_or_default(),
                epoch: epoch(conn)?,
                photos: count("SELECT count(*) FROM photos")?,
                events: count("SELECT count(*) FROM events")?,
                stations: count("SELECT count(*) FROM stations")?,
                unused_enrolment_codes: count("SELECT count(*) FROM enrolment_codes WHERE used_by IS NULL")?,
                revocations: count("SELECT count(*) FROM revocations")?,
                faults_armed: 0,
            })
        })
    }
}

fn meta(conn: &Connection, key: &str) -> Result<Option<i64>, SimError> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

fn set_meta(conn: &Connection, key: &str, value: i64) -> Result<(), SimError> {
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
        params![key, value],
    )?;
    Ok(())
}

fn epoch(conn: &Connection) -> Result<u32, SimError> {
    let epoch = meta(conn, "epoch")?.unwrap_or_default();
    u32::try_from(epoch).map_err(|_| SimError::Internal(format!("the database holds a bad feed epoch {epoch}")))
}

/// Plans applications with the generator of the next batch number and
/// stores them: the same seed and the same requests give the same data.
fn insert_generated(
    tx: &Transaction,
    seed: u64,
    photos: bool,
    approved: bool,
    plan: impl FnOnce(&mut Generator) -> Vec<ApplicationPlan>,
) -> Result<Vec<(String, Vec<String>)>, SimError> {
    let batch = next_counter(tx, "batch", 1)? - 1;
    let today = today();
    let plans = plan(&mut Generator::new(seed, batch, today));
    insert_applications(tx, &plans, today, approved, photos)
}

/// The authority's root key, made when the database is new.
fn authority_root_key(conn: &Connection) -> Result<SigningKey, SimError> {
    let stored: Option<Vec<u8>> = conn
        .query_row("SELECT bytes FROM secrets WHERE name = 'authority_root'", [], |r| {
            r.get(0)
        })
        .optional()?;
    if let Some(der) = stored {
        return SigningKey::from_pkcs8_der(&der).map_err(credential_error);
    }
    let key = SigningKey::generate(Algorithm::EdDsa).map_err(credential_error)?;
    let der = key.to_pkcs8_der().map_err(credential_error)?;
    conn.execute(
        "INSERT INTO secrets (name, bytes) VALUES ('authority_root', ?1)",
        [der.as_slice()],
    )?;
    Ok(key)
}

fn credential_error(e: CredentialError) -> SimError {
    SimError::Internal(format!("credential format: {e}"))
}

fn parse_time(text: &str) -> Result<OffsetDateTime, SimError> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|e| SimError::Internal(format!("the database holds a bad time {text:?}: {e}")))
}

fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// A feed epoch other than `old`.
fn fresh_epoch(old: u32) -> u32 {
    std::iter::repeat_with(|| fastrand::u32(1..))
        .find(|e| *e != old)
        .unwrap_or(old.wrapping_add(1))
}

/// The last sequence number the feed ever gave (0 when none).
fn last_seq(conn: &Connection) -> Result<i64, SimError> {
    let seq = conn
        .query_row("SELECT seq FROM sqlite_sequence WHERE name = 'feed'", [], |r| r.get(0))
        .optional()?;
    Ok(seq.unwrap_or(0))
}

/// Adds `by` to a named counter and returns its new value.
fn next_counter(tx: &Transaction, name: &str, by: u64) -> Result<u64, SimError> {
    let by = i64::try_from(by).map_err(|_| SimError::Internal(format!("counter {name} cannot grow by {by}")))?;
    let key = format!("counter:{name}");
    let value: i64 = tx.query_row(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = value + excluded.value RETURNING value",
        params![key, by],
        |r| r.get(0),
    )?;
    Ok(u64::try_from(value).unwrap_or_default())
}

/// Stores planned applications; returns each one's ID and pass numbers.
fn insert_applications(
    tx: &Transaction,
    plans: &[ApplicationPlan],
    today: Date,
    approved: bool,
    photos: bool,
) -> Result<Vec<(String, Vec<String>)>, SimError> {
    let year = today.year();
    let now = OffsetDateTime::now_utc();
    let now_text = rfc3339(now);
    let approved_at = approved.then_some(now_text.as_str());
    let state = state_name(if approved {
        ItemStateName::Approved
    } else {
        ItemStateName::Pending
    });

    let mut next_application =
        next_counter(tx, &format!("application:{year}"), plans.len() as u64)? - plans.len() as u64;
    // Pass numbers run per office and year; reserve those this batch needs.
    let mut next_pass: HashMap<&str, u64> = HashMap::new();
    for plan in plans {
        let office = plan.pickup_office.as_str();
        if !next_pass.contains_key(office) {
            let needed: u64 = plans
                .iter()
                .filter(|p| p.pickup_office == office)
                .map(|p| p.holders.len() as u64)
                .sum();
            next_pass.insert(
                office,
                next_counter(tx, &format!("pass:{office}:{year}"), needed)? - needed,
            );
        }
    }
    let mut application_stmt = tx.prepare_cached(
        "INSERT INTO applications (id, company_name, company_tax_id, temporary, pickup_office, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let mut item_stmt = tx.prepare_cached(
        "INSERT INTO items (pass_id, application_id, pickup_office, state, record) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut approval_stmt =
        tx.prepare_cached("INSERT INTO approvals (pass_id, port, approved_at) VALUES (?1, ?2, ?3)")?;
    let mut feed_stmt = tx.prepare_cached("INSERT INTO feed (office, pass_id, body) VALUES (?1, ?2, ?3)")?;
    let mut photo_stmt = tx.prepare_cached("INSERT OR IGNORE INTO photos (sha256, bytes) VALUES (?1, ?2)")?;

    let mut made = Vec::with_capacity(plans.len());
    for plan in plans {
        next_application += 1;
        let application_id = format!("A-{year}-{next_application:06}");
        let office = plan.pickup_office.as_str();
        application_stmt.execute(params![
            application_id,
            plan.company.name,
            plan.company.tax_id,
            plan.temporary,
            office,
            now_text
        ])?;
        let prefix = office.strip_prefix("TW").unwrap_or(office);
        let seq = next_pass.entry(office).or_default();
        let mut pass_ids = Vec::with_capacity(plan.holders.len());
        for holder in &plan.holders {
            *seq += 1;
            let pass_id = format!("{prefix}-{year}-{seq:06}");
            let photo_sha256 = match (photos, holder.portrait_seed, &holder.holder) {
                (true, Some(portrait_seed), Holder::Person { .. }) => {
                    let bytes = portrait::render(portrait_seed, &pass_id).map_err(|source| SimError::Portrait {
                        label: pass_id.clone(),
                        source,
                    })?;
                    let sha = hex::encode(Sha256::digest(&bytes));
                    photo_stmt.execute(params![sha, bytes])?;
                    Some(sha)
                }
                _ => None,
            };
            let item = WireItem {
                pass_id: pass_id.clone(),
                version: 1,
                status: ItemStatus::Approved,
                application_id: application_id.clone(),
                holder: holder.holder.clone(),
                temporary: plan.temporary,
                company: plan.company.clone(),
                ports: plan.ports.clone(),
                valid_from: plan.valid_from,
                valid_to: plan.valid_to,
                pickup_office: office.to_owned(),
                photo_sha256,
                changed_at: now,
                handed_over: None,
            };
            let record = to_json(&item)?;
            item_stmt.execute(params![pass_id, application_id, office, state, record])?;
            for port in &plan.ports {
                approval_stmt.execute(params![pass_id, port, approved_at])?;
            }
            if approved {
                feed_stmt.execute(params![office, pass_id, record])?;
            }
            pass_ids.push(pass_id);
        }
        made.push((application_id, pass_ids));
    }
    Ok(made)
}

/// An item with its state, and whether it is in its office's feed.
fn load_item(conn: &Connection, pass_id: &str) -> Result<ItemRow, SimError> {
    let found: Option<(String, String, bool)> = conn
        .query_row(
            "SELECT state, record, EXISTS (SELECT 1 FROM feed WHERE pass_id = ?1) FROM items WHERE pass_id = ?1",
            [pass_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let (state, record, in_feed) =
        found.ok_or_else(|| SimError::NotFound(format!("there is no pass item {pass_id}")))?;
    let item = serde_json::from_str(&record)
        .map_err(|e| SimError::Internal(format!("the stored record of {pass_id} is damaged: {e}")))?;
    Ok(ItemRow {
        state: parse_state(&state)?,
        item,
        in_feed,
    })
}

/// Applies `change` to an item that is not withdrawn, stamps the time, and
/// moves its feed row to the end when it is (or was) in the feed.
fn change_item(
    conn: &Connection,
    pass_id: &str,
    change: impl FnOnce(&mut ItemRow) -> Result<(), SimError>,
) -> Result<ItemState, SimError> {
    let mut row = load_item(conn, pass_id)?;
    if row.state == ItemStateName::Withdrawn {
        return Err(SimError::Conflict(format!(
            "{pass_id} is withdrawn; it cannot change any more"
        )));
    }
    change(&mut row)?;
    row.item.changed_at = OffsetDateTime::now_utc();
    let record = to_json(&row.item)?;
    conn.execute(
        "UPDATE items SET state = ?1, record = ?2 WHERE pass_id = ?3",
        params![state_name(row.state), record, pass_id],
    )?;
    if row.state == ItemStateName::Approved || row.in_feed {
        conn.execute("DELETE FROM feed WHERE pass_id = ?1", [pass_id])?;
        conn.execute(
            "INSERT INTO feed (office, pass_id, body) VALUES (?1, ?2, ?3)",
            params![row.item.pickup_office, pass_id, record],
        )?;
    }
    item_state(conn, pass_id, &row)
}

/// The last second of `date` at the card offices (UTC+8).
fn end_of_day(date: Date) -> Result<OffsetDateTime, SimError> {
    let end = date
        .with_hms(23, 59, 59)
        .map_err(|e| SimError::Internal(e.to_string()))?;
    Ok(end.assume_offset(offset!(+8)))
}

/// Puts a pass version (every print of it) on the hotlist until the pass would have expired.
fn hotlist_pass(conn: &Connection, pass_id: &str, version: u32, valid_to: Date, why: Why) -> Result<(), SimError> {
    conn.execute(
        "INSERT INTO hotlist (pass_id, version, expires, why) VALUES (?1, ?2, ?3, ?4)",
        params![pass_id, version, rfc3339(end_of_day(valid_to)?), why as u8],
    )?;
    Ok(())
}

/// Puts a card on the hotlist until `expires`; returns the hotlist's new sequence.
fn hotlist_card(conn: &Connection, card_uid: &[u8], expires: OffsetDateTime, why: Why) -> Result<u64, SimError> {
    conn.execute(
        "INSERT INTO hotlist (card_uid, expires, why) VALUES (?1, ?2, ?3)",
        params![card_uid, rfc3339(expires), why as u8],
    )?;
    Ok(u64::try_from(conn.last_insert_rowid()).unwrap_or_default())
}

/// Puts both faces of a card a station took out of its work on the hotlist:
/// its print, and its chip if one was written.
fn hotlist_retired_card(conn: &Connection, card: &CardFaces) -> Result<(), SimError> {
    let why = card.why.unwrap_or(Why::Voided);
    let expires = card_hotlisted_until(conn, Some(&card.pass_id))?;
    conn.execute(
        "INSERT INTO hotlist (pass_id, version, print, expires, why) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![card.pass_id, card.version, card.print, rfc3339(expires), why as u8],
    )?;
    if let Some(uid) = &card.card_uid {
        hotlist_card(conn, uid, expires, why)?;
    }
    Ok(())
}

/// Notes on the item which card of it was handed over, and moves it to the
/// end of the feed, so the office's other desks learn of it at their next sync.
fn record_hand_over(conn: &Connection, card: &CardFaces, at: OffsetDateTime) -> Result<(), SimError> {
    let row = match load_item(conn, &card.pass_id) {
        Ok(row) => row,
        // A pass central does not know: the event is kept, there is no item to mark.
        Err(SimError::NotFound(_)) => return Ok(()),
        Err(e) => return Err(e),
    };
    if row.item.version != card.version || row.state == ItemStateName::Withdrawn {
        return Ok(());
    }
    change_item(conn, &card.pass_id, |row| {
        row.item.handed_over = Some(HandedOverCard {
            version: card.version,
            print: card.print,
            card_uid: card.card_uid.as_deref().map(hex::encode_upper),
            at,
        });
        Ok(())
    })?;
    Ok(())
}

/// An audit head central keeps for a station, with the signature that vouches for it.
struct KeptHead {
    seq: i64,
    hash: String,
    signature: String,
}

/// For an `audit_head` event, the head it carries if central keeps it, or why
/// not: the payload must be an [`AuditHeadPayload`] signed for this station
/// under the key central certified for it (and has not revoked), and its
/// entry number must not go below the last head kept for the station, nor
/// name that entry with another hash. `Ok(None)` for any other event.
fn audit_head(
    conn: &Connection,
    station_id: &str,
    event: &Event,
) -> Result<Result<Option<KeptHead>, String>, SimError> {
    if event.kind != AUDIT_HEAD_EVENT {
        return Ok(Ok(None));
    }
    let payload: AuditHeadPayload = match serde_json::from_value(event.payload.clone()) {
        Ok(payload) => payload,
        Err(e) => return Ok(Err(format!("an audit head's payload is {{seq, hash, signature}}: {e}"))),
    };
    let signer: Option<(Vec<u8>, bool)> = conn
        .query_row(
            "SELECT cose_key, revoked FROM signers WHERE station_id = ?1",
            [station_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let key = match signer {
        None => return Ok(Err("central holds no signing key for this station".to_owned())),
        Some((_, true)) => {
            return Ok(Err(
                "the station's signing key is revoked: central keeps no head signed with it".to_owned(),
            ));
        }
        Some((cose_key, false)) => PublicKey::from_cose_key(&cose_key).map_err(credential_error)?,
    };
    if let Err(reason) = payload.open(station_id, &key) {
        return Ok(Err(format!("audit head {}: {reason}", payload.seq)));
    }
    let Ok(seq) = i64::try_from(payload.seq) else {
        return Ok(Err(format!(
            "audit head {} is past the last entry number central keeps",
            payload.seq
        )));
    };
    let last: Option<(i64, String)> = conn
        .query_row(
            "SELECT seq, hash FROM audit_heads WHERE station_id = ?1 ORDER BY seq DESC LIMIT 1",
            [station_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((last_seq, last_hash)) = last {
        if seq < last_seq {
            return Ok(Err(format!(
                "audit head {seq} goes back from entry {last_seq}, which central holds: the station's audit \
                 trail lost entries"
            )));
        }
        if seq == last_seq && payload.hash != last_hash {
            return Ok(Err(format!(
                "audit head {seq} names that entry with another hash than central holds: the station's audit \
                 trail was rewritten"
            )));
        }
    }
    Ok(Ok(Some(KeptHead {
        seq,
        hash: payload.hash,
        signature: payload.signature,
    })))
}

/// Keeps an accepted head (once: the same head again under a new key adds nothing).
fn keep_audit_head(conn: &Connection, station_id: &str, head: &KeptHead, received_at: &str) -> Result<(), SimError> {
    conn.execute(
        "INSERT OR IGNORE INTO audit_heads (station_id, seq, hash, signature, received_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![station_id, head.seq, head.hash, head.signature, received_at],
    )?;
    Ok(())
}

/// How long a card of this pass stays on the hotlist: until the pass would
/// have expired, or a year when the pass is not known.
fn card_hotlisted_until(conn: &Connection, pass_id: Option<&str>) -> Result<OffsetDateTime, SimError> {
    match pass_id.map(|pass_id| load_item(conn, pass_id)) {
        Some(Ok(row)) => end_of_day(row.item.valid_to),
        Some(Err(SimError::NotFound(_))) | None => Ok(OffsetDateTime::now_utc() + UNKNOWN_PASS_CARD_HOTLISTED),
        Some(Err(e)) => Err(e),
    }
}

/// The edit the simulator makes: valid one month longer, a new version.
fn extend(row: &mut ItemRow) -> Result<(), SimError> {
    row.item.valid_to = add_months(row.item.valid_to, 1);
    row.item.version += 1;
    Ok(())
}

fn item_state(conn: &Connection, pass_id: &str, row: &ItemRow) -> Result<ItemState, SimError> {
    Ok(ItemState {
        pass_id: pass_id.to_owned(),
        state: row.state,
        version: row.item.version,
        waiting_for: waiting_for(conn, pass_id)?,
    })
}

/// The ports that have not approved the item yet.
fn waiting_for(conn: &Connection, pass_id: &str) -> Result<Vec<String>, SimError> {
    let mut stmt =
        conn.prepare_cached("SELECT port FROM approvals WHERE pass_id = ?1 AND approved_at IS NULL ORDER BY port")?;
    let ports = stmt.query_map([pass_id], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(ports)
}
