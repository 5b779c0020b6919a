//! The hotlist: revoked pass versions, revoked prints and voided chips, which
//! a gate must refuse although their credentials still verify.
//!
//! The authority publishes it as signed, sequence-numbered deltas (like the TWIC
//! canceled-card list): a delta covers sequences `(from_sequence, to_sequence]`
//! and only adds entries; an empty range `(n, n]` is the authority's signed word
//! that nothing is new since `n`, as of its `issued_at`. Each entry carries the
//! date its pass would have expired (after that the credential fails as
//! expired anyway, so the entry may be dropped) and why it was revoked, so the
//! gate can tell the officer "spoiled" from "reported lost".
//!
//! ```text
//! payload = { 1 from_sequence: uint, 2 to_sequence: uint, 3 issued_at: int,
//!             4 revoked passes: [* [pass_id: tstr, version: uint, expires: int, why: uint]],
//!             5 voided cards:   [* [card UID: bstr, expires: int, why: uint]],
//!             6 revoked prints: [* [pass_id: tstr, version: uint, print: uint, expires: int, why: uint]] }
//! ```
//!
//! A card has two faces, its printed QR and its chip: when a card leaves the
//! office's work by any way but hand-over, the authority lists its print and
//! its chip's UID, so neither face passes a gate.
//!
//! Freshness is the authority's word, not the station's clock: the held list
//! is as fresh as the signed `issued_at` of the last delta applied, and its
//! sequence never goes down.
//!
//! In memory a station holds up to about a million entries, so each is kept as a
//! 128-bit truncated SHA-256 of a domain-separated encoding (collisions are
//! out of reach at that size) plus its expiry day and reason, in one sorted
//! vector, looked up by binary search. The cache file stores that vector as is,
//! with a checksum, so a station starts without re-verifying the whole list.

use ciborium::value::Value;
use sha2::{Digest as _, Sha256};
use time::{Date, OffsetDateTime};

use crate::cbor::{self, Field};
use crate::error::{CredentialError, Result};
use crate::keys::{PublicKey, SigningKey};
use crate::sign::{Signed, sign_map};

const WHAT: &str = "hotlist";

/// Why the authority revoked a pass, a print or a chip. The numbers are the wire codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Revocation {
    /// Revoked by the authority (a decision made at central).
    Revoked = 0,
    /// The card office found the card bad (misprint, dead chip, failed seal check, jammed print).
    Spoiled = 1,
    /// A supervisor voided the card (reported lost, stolen, no longer needed).
    Voided = 2,
    /// Central withdrew the pass.
    Withdrawn = 3,
    /// Released and not collected within the pick-up window.
    Uncollected = 4,
    /// A newer card replaced this one (a reprint).
    Replaced = 5,
}

impl Revocation {
    pub const ALL: [Revocation; 6] = [
        Revocation::Revoked,
        Revocation::Spoiled,
        Revocation::Voided,
        Revocation::Withdrawn,
        Revocation::Uncollected,
        Revocation::Replaced,
    ];

    pub fn from_code(code: u8) -> Option<Revocation> {
        Revocation::ALL.into_iter().find(|why| *why as u8 == code)
    }

    /// A stable name, as the wire's JSON and the logs spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Revocation::Revoked => "revoked",
            Revocation::Spoiled => "spoiled",
            Revocation::Voided => "voided",
            Revocation::Withdrawn => "withdrawn",
            Revocation::Uncollected => "uncollected",
            Revocation::Replaced => "replaced",
        }
    }

    pub fn parse(text: &str) -> Option<Revocation> {
        Revocation::ALL.into_iter().find(|why| why.as_str() == text)
    }
}

/// One pass version that must be refused, every print of it. Other versions of the same pass are unaffected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedPass {
    pub pass_id: String,
    pub version: u32,
    /// When the pass would have expired; the entry may be dropped after that day.
    pub expires: OffsetDateTime,
    pub why: Revocation,
}

/// One printed card that must be refused: its QR, and a chip written for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedPrint {
    pub pass_id: String,
    pub version: u32,
    pub print: u32,
    pub expires: OffsetDateTime,
    pub why: Revocation,
}

/// One chip card that must be refused whatever credential it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoidedCard {
    pub card_uid: Vec<u8>,
    pub expires: OffsetDateTime,
    pub why: Revocation,
}

/// The entries published between two hotlist sequence numbers, signed by the root key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HotlistDelta {
    /// The sequence a station must hold for this delta to follow on without a gap.
    pub from_sequence: u64,
    /// The sequence a station holds after applying it.
    pub to_sequence: u64,
    pub issued_at: OffsetDateTime,
    pub revoked_passes: Vec<RevokedPass>,
    pub voided_cards: Vec<VoidedCard>,
    pub revoked_prints: Vec<RevokedPrint>,
}

impl HotlistDelta {
    /// Signs the delta with the authority's root key.
    pub fn sign(&self, root: &SigningKey) -> Result<Vec<u8>> {
        let passes = self.revoked_passes.iter().map(|pass| {
            Value::Array(vec![
                Value::Text(pass.pass_id.clone()),
                Value::Integer(pass.version.into()),
                cbor::numeric_date(pass.expires),
                Value::Integer((pass.why as u8).into()),
            ])
        });
        let cards = self.voided_cards.iter().map(|card| {
            Value::Array(vec![
                Value::Bytes(card.card_uid.clone()),
                cbor::numeric_date(card.expires),
                Value::Integer((card.why as u8).into()),
            ])
        });
        let prints = self.revoked_prints.iter().map(|print| {
            Value::Array(vec![
                Value::Text(print.pass_id.clone()),
                Value::Integer(print.version.into()),
                Value::Integer(print.print.into()),
                cbor::numeric_date(print.expires),
                Value::Integer((print.why as u8).into()),
            ])
        });
        let payload = [
            (1, Value::Integer(self.from_sequence.into())),
            (2, Value::Integer(self.to_sequence.into())),
            (3, cbor::numeric_date(self.issued_at)),
            (4, Value::Array(passes.collect())),
            (5, Value::Array(cards.collect())),
            (6, Value::Array(prints.collect())),
        ];
        sign_map(payload, root)
    }

    /// Reads a signed delta, accepting it only if the pinned root key signed it.
    pub fn verify(bytes: &[u8], root: &PublicKey) -> Result<HotlistDelta> {
        let mut map = Signed::open_root_signed(bytes, root, WHAT)?;
        let delta = HotlistDelta {
            from_sequence: map.required(1, "from_sequence")?.uint()?,
            to_sequence: map.required(2, "to_sequence")?.uint()?,
            issued_at: map.required(3, "issued_at")?.numeric_date()?,
            revoked_passes: map.required(4, "revoked passes")?.array_of(revoked_pass)?,
            voided_cards: map.required(5, "voided cards")?.array_of(voided_card)?,
            revoked_prints: map.required(6, "revoked prints")?.array_of(revoked_print)?,
        };
        map.finish()?;
        // (n, n] is the authority's signed "nothing new since n": it proves
        // the station's copy is current. A range that runs backwards is not.
        if delta.to_sequence < delta.from_sequence {
            return Err(CredentialError::Malformed(format!(
                "{WHAT}: sequence range ({}, {}] runs backwards",
                delta.from_sequence, delta.to_sequence
            )));
        }
        Ok(delta)
    }
}

fn revoked_pass(field: Field) -> Result<RevokedPass> {
    let [pass_id, version, expires, why] = field.tuple()?;
    Ok(RevokedPass {
        pass_id: pass_id.text()?,
        version: version.uint()?,
        expires: expires.numeric_date()?,
        why: revocation(why)?,
    })
}

fn revoked_print(field: Field) -> Result<RevokedPrint> {
    let [pass_id, version, print, expires, why] = field.tuple()?;
    Ok(RevokedPrint {
        pass_id: pass_id.text()?,
        version: version.uint()?,
        print: print.uint()?,
        expires: expires.numeric_date()?,
        why: revocation(why)?,
    })
}

fn voided_card(field: Field) -> Result<VoidedCard> {
    let [card_uid, expires, why] = field.tuple()?;
    Ok(VoidedCard {
        card_uid: card_uid.bytes()?,
        expires: expires.numeric_date()?,
        why: revocation(why)?,
    })
}

fn revocation(field: Field) -> Result<Revocation> {
    let code: u8 = field.uint()?;
    Revocation::from_code(code)
        .ok_or_else(|| CredentialError::Malformed(format!("{WHAT}: unknown revocation reason {code}")))
}

type EntryDigest = [u8; 16];

/// A hashed hotlist entry, the day (Julian day number, UTC) after which it may go, and why it is there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    digest: EntryDigest,
    expires_on: i32,
    why: Revocation,
}

impl Entry {
    const CACHE_LEN: usize = 16 + 4 + 1;

    fn new(digest: EntryDigest, expires: OffsetDateTime, why: Revocation) -> Entry {
        Entry {
            digest,
            expires_on: expires.to_offset(time::UtcOffset::UTC).date().to_julian_day(),
            why,
        }
    }
}

/// SHA-256 over a domain tag and length-prefixed fields, truncated to 128 bits.
/// The tag keeps a pass entry from ever equalling a card entry.
fn entry_digest(domain: &[u8], fields: &[&[u8]]) -> EntryDigest {
    let mut hasher = Sha256::new();
    hasher.update(domain);
    for field in fields {
        hasher.update((field.len() as u32).to_be_bytes());
        hasher.update(field);
    }
    let mut digest = EntryDigest::default();
    digest.copy_from_slice(&hasher.finalize()[..16]);
    digest
}

fn pass_digest(pass_id: &str, version: u32) -> EntryDigest {
    entry_digest(b"PP1 hotlist pass", &[pass_id.as_bytes(), &version.to_be_bytes()])
}

fn print_digest(pass_id: &str, version: u32, print: u32) -> EntryDigest {
    entry_digest(
        b"PP1 hotlist print",
        &[pass_id.as_bytes(), &version.to_be_bytes(), &print.to_be_bytes()],
    )
}

fn card_digest(card_uid: &[u8]) -> EntryDigest {
    entry_digest(b"PP1 hotlist card", &[card_uid])
}

/// The hotlist a station holds: every verified delta up to [`Hotlist::sequence`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hotlist {
    /// Sorted by digest, digests unique.
    entries: Vec<Entry>,
    sequence: u64,
    /// The signed `issued_at` of the newest delta applied: how fresh the
    /// authority says this list is. `None`: no delta applied yet.
    issued_at: Option<OffsetDateTime>,
    /// When the station last fetched from the authority, set by the caller; shown
    /// to the officer, never trusted for freshness. `None`: never fetched.
    pub fetched_at: Option<OffsetDateTime>,
}

/// Cache file layout, little-endian: magic, sequence u64, issued_at i64 and
/// fetched_at i64 (Unix seconds, `i64::MIN` for none), entry count u64, entries
/// (digest, expiry day i32, reason u8), then SHA-256 of everything before it.
const CACHE_MAGIC: &[u8; 8] = b"PPHOTLS2";
const CACHE_HEADER_LEN: usize = 8 + 8 + 8 + 8 + 8;
const CACHE_CHECKSUM_LEN: usize = 32;
const NO_TIME: i64 = i64::MIN;

impl Hotlist {
    pub fn new() -> Hotlist {
        Hotlist::default()
    }

    /// The last sequence applied; 0 before any delta.
    pub fn sequence(&self) -> u64 {
        self.sequence
    }

    /// The signed time of the newest delta applied: the list is current as of then.
    pub fn issued_at(&self) -> Option<OffsetDateTime> {
        self.issued_at
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Heap bytes held by the entries.
    pub fn memory_bytes(&self) -> usize {
        self.entries.capacity() * size_of::<Entry>()
    }

    /// Adds a verified delta. A delta starting past the sequence held is a gap and
    /// is refused; one ending below it is an old answer and changes nothing. One
    /// that reaches the sequence held (such as the signed "nothing new" `(n, n]`)
    /// moves [`Hotlist::issued_at`] forward.
    pub fn apply(&mut self, delta: &HotlistDelta) -> Result<()> {
        if delta.from_sequence > self.sequence {
            return Err(CredentialError::HotlistGap {
                held: self.sequence,
                from: delta.from_sequence,
            });
        }
        if delta.to_sequence < self.sequence {
            return Ok(());
        }
        if self.issued_at.is_none_or(|held| held < delta.issued_at) {
            self.issued_at = Some(delta.issued_at);
        }
        if delta.to_sequence == self.sequence {
            return Ok(());
        }
        let passes = delta
            .revoked_passes
            .iter()
            .map(|p| Entry::new(pass_digest(&p.pass_id, p.version), p.expires, p.why));
        let prints = delta
            .revoked_prints
            .iter()
            .map(|p| Entry::new(print_digest(&p.pass_id, p.version, p.print), p.expires, p.why));
        let cards = delta
            .voided_cards
            .iter()
            .map(|c| Entry::new(card_digest(&c.card_uid), c.expires, c.why));
        let mut added: Vec<Entry> = passes.chain(prints).chain(cards).collect();
        added.sort_unstable_by(newest_first);
        self.entries.reserve_exact(added.len());
        self.entries.extend(added);
        // Two sorted runs: the stable sort merges them in linear time.
        self.entries.sort_by(newest_first);
        self.entries.dedup_by_key(|entry| entry.digest);
        self.sequence = delta.to_sequence;
        Ok(())
    }

    fn lookup(&self, digest: &EntryDigest) -> Option<Revocation> {
        let at = self.entries.binary_search_by(|entry| entry.digest.cmp(digest)).ok()?;
        Some(self.entries[at].why)
    }

    /// Why the pass version was revoked (every print of it), if it was.
    pub fn pass_revocation(&self, pass_id: &str, version: u32) -> Option<Revocation> {
        self.lookup(&pass_digest(pass_id, version))
    }

    /// Why this print of the pass version was revoked, if it was.
    pub fn print_revocation(&self, pass_id: &str, version: u32, print: u32) -> Option<Revocation> {
        self.lookup(&print_digest(pass_id, version, print))
    }

    /// Why the chip with this UID was taken out of use, if it was.
    pub fn card_revocation(&self, card_uid: &[u8]) -> Option<Revocation> {
        self.lookup(&card_digest(card_uid))
    }

    /// Drops entries whose pass expired before `today` (UTC); returns how many went.
    pub fn drop_expired(&mut self, today: Date) -> usize {
        let before = self.entries.len();
        let today = today.to_julian_day();
        self.entries.retain(|entry| entry.expires_on >= today);
        before - self.entries.len()
    }

    /// The cache file's bytes.
    pub fn to_cache_bytes(&self) -> Vec<u8> {
        let mut bytes =
            Vec::with_capacity(CACHE_HEADER_LEN + self.entries.len() * Entry::CACHE_LEN + CACHE_CHECKSUM_LEN);
        bytes.extend_from_slice(CACHE_MAGIC);
        bytes.extend_from_slice(&self.sequence.to_le_bytes());
        for at in [self.issued_at, self.fetched_at] {
            bytes.extend_from_slice(&at.map_or(NO_TIME, OffsetDateTime::unix_timestamp).to_le_bytes());
        }
        bytes.extend_from_slice(&(self.entries.len() as u64).to_le_bytes());
        for entry in &self.entries {
            bytes.extend_from_slice(&entry.digest);
            bytes.extend_from_slice(&entry.expires_on.to_le_bytes());
            bytes.push(entry.why as u8);
        }
        let checksum = Sha256::digest(&bytes);
        bytes.extend_from_slice(&checksum);
        bytes
    }

    /// Reads a cache file. The checksum catches a damaged file; it is no defence
    /// against someone who can write the station's disk, who could replace the
    /// pinned root key as well.
    pub fn from_cache_bytes(bytes: &[u8]) -> Result<Hotlist> {
        let format = |detail: &str| CredentialError::CacheFormat(detail.to_owned());
        let (body, checksum) = bytes
            .split_at_checked(bytes.len().saturating_sub(CACHE_CHECKSUM_LEN))
            .filter(|(body, _)| body.len() >= CACHE_HEADER_LEN)
            .ok_or_else(|| format("the file is too short"))?;
        let (header, entries) = body.split_at(CACHE_HEADER_LEN);
        if &header[..8] != CACHE_MAGIC {
            return Err(format("not a hotlist cache of this format"));
        }
        if Sha256::digest(body).as_slice() != checksum {
            return Err(CredentialError::CacheChecksum);
        }
        let sequence = u64::from_le_bytes(array_at(header, 8));
        let time_at = |at: usize| match i64::from_le_bytes(array_at(header, at)) {
            NO_TIME => Ok(None),
            seconds => OffsetDateTime::from_unix_timestamp(seconds)
                .map(Some)
                .map_err(|_| format("bad time")),
        };
        let (issued_at, fetched_at) = (time_at(16)?, time_at(24)?);
        let count = u64::from_le_bytes(array_at(header, 32));
        if Some(entries.len())
            != usize::try_from(count)
                .ok()
                .and_then(|n| n.checked_mul(Entry::CACHE_LEN))
        {
            return Err(format("the entry count does not match the file size"));
        }
        let entries: Vec<Entry> = entries
            .chunks_exact(Entry::CACHE_LEN)
            .map(|chunk| {
                Ok(Entry {
                    digest: array_at(chunk, 0),
                    expires_on: i32::from_le_bytes(array_at(chunk, 16)),
                    why: Revocation::from_code(chunk[20]).ok_or_else(|| format("unknown revocation reason"))?,
                })
            })
            .collect::<Result<_>>()?;
        // Lookup is a binary search, so order is part of validity.
        if entries.windows(2).any(|pair| pair[0].digest >= pair[1].digest) {
            return Err(format("entries are not in order"));
        }
        Ok(Hotlist {
            entries,
            sequence,
            issued_at,
            fetched_at,
        })
    }
}

/// `N` bytes of `bytes` from `at`, which the caller has checked are there.
fn array_at<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    let mut array = [0; N];
    array.copy_from_slice(&bytes[at..at + N]);
    array
}

/// By digest; for one digest the latest expiry first, so dedup keeps the longest-lived.
fn newest_first(a: &Entry, b: &Entry) -> std::cmp::Ordering {
    a.digest.cmp(&b.digest).then(b.expires_on.cmp(&a.expires_on))
}
