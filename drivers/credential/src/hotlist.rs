//! The hotlist: revoked pass versions and voided card UIDs, which a gate must
//! refuse although their credentials still verify.
//!
//! The authority publishes it as signed, sequence-numbered deltas (like the TWIC
//! canceled-card list): a delta covers sequences `(from_sequence, to_sequence]`
//! and only adds entries; an empty range `(n, n]` is the authority's signed word
//! that nothing is new since `n`. Each entry carries the date its pass would have expired;
//! after that the credential fails as expired anyway, so the entry may be dropped.
//!
//! ```text
//! payload = { 1 from_sequence: uint, 2 to_sequence: uint, 3 issued_at: int,
//!             4 revoked passes: [* [pass_id: tstr, version: uint, expires: int]],
//!             5 voided cards:   [* [card UID: bstr, expires: int]] }
//! ```
//!
//! In memory a station holds up to about a million entries, so each is kept as a
//! 128-bit truncated SHA-256 of a domain-separated encoding (collisions are
//! out of reach at that size) plus its expiry day, in one sorted vector: 20 bytes
//! an entry, looked up by binary search. The cache file stores that vector as is,
//! with a checksum, so a station starts without re-verifying the whole list.

use ciborium::value::Value;
use sha2::{Digest as _, Sha256};
use time::{Date, OffsetDateTime};

use crate::cbor::{self, Field};
use crate::error::{CredentialError, Result};
use crate::keys::{PublicKey, SigningKey};
use crate::sign::{Signed, sign_map};

const WHAT: &str = "hotlist";

/// One pass version that must be refused. Other versions of the same pass are unaffected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedPass {
    pub pass_id: String,
    pub version: u32,
    /// When the pass would have expired; the entry may be dropped after that day.
    pub expires: OffsetDateTime,
}

/// One chip card that must be refused whatever credential it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoidedCard {
    pub card_uid: Vec<u8>,
    pub expires: OffsetDateTime,
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
}

impl HotlistDelta {
    /// Signs the delta with the authority's root key.
    pub fn sign(&self, root: &SigningKey) -> Result<Vec<u8>> {
        let passes = self.revoked_passes.iter().map(|pass| {
            Value::Array(vec![
                Value::Text(pass.pass_id.clone()),
                Value::Integer(pass.version.into()),
                cbor::numeric_date(pass.expires),
            ])
        });
        let cards = self.voided_cards.iter().map(|card| {
            Value::Array(vec![
                Value::Bytes(card.card_uid.clone()),
                cbor::numeric_date(card.expires),
            ])
        });
        let payload = [
            (1, Value::Integer(self.from_sequence.into())),
            (2, Value::Integer(self.to_sequence.into())),
            (3, cbor::numeric_date(self.issued_at)),
            (4, Value::Array(passes.collect())),
            (5, Value::Array(cards.collect())),
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
    let [pass_id, version, expires] = field.tuple()?;
    Ok(RevokedPass {
        pass_id: pass_id.text()?,
        version: version.uint()?,
        expires: expires.numeric_date()?,
    })
}

fn voided_card(field: Field) -> Result<VoidedCard> {
    let [card_uid, expires] = field.tuple()?;
    Ok(VoidedCard {
        card_uid: card_uid.bytes()?,
        expires: expires.numeric_date()?,
    })
}

type EntryDigest = [u8; 16];

/// A hashed hotlist entry and the day (Julian day number, UTC) after which it may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    digest: EntryDigest,
    expires_on: i32,
}

impl Entry {
    const CACHE_LEN: usize = 16 + 4;

    fn new(digest: EntryDigest, expires: OffsetDateTime) -> Entry {
        Entry {
            digest,
            expires_on: expires.to_offset(time::UtcOffset::UTC).date().to_julian_day(),
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

fn card_digest(card_uid: &[u8]) -> EntryDigest {
    entry_digest(b"PP1 hotlist card", &[card_uid])
}

/// The hotlist a station holds: every verified delta up to [`Hotlist::sequence`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hotlist {
    /// Sorted by digest, digests unique.
    entries: Vec<Entry>,
    sequence: u64,
    /// When the station last fetched from the authority, set by the caller; verification
    /// warns when it is too long ago. `None`: never fetched.
    pub fetched_at: Option<OffsetDateTime>,
}

/// Cache file layout, little-endian: magic, sequence u64, fetched_at i64 (Unix
/// seconds, `i64::MIN` for never), entry count u64, entries (digest, expiry day i32),
/// then SHA-256 of everything before it.
const CACHE_MAGIC: &[u8; 8] = b"PPHOTLS1";
const CACHE_HEADER_LEN: usize = 8 + 8 + 8 + 8;
const CACHE_CHECKSUM_LEN: usize = 32;
const NEVER_FETCHED: i64 = i64::MIN;

impl Hotlist {
    pub fn new() -> Hotlist {
        Hotlist::default()
    }

    /// The last sequence applied; 0 before any delta.
    pub fn sequence(&self) -> u64 {
        self.sequence
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
    /// is refused; one wholly at or below it is already held and changes nothing.
    pub fn apply(&mut self, delta: &HotlistDelta) -> Result<()> {
        if delta.from_sequence > self.sequence {
            return Err(CredentialError::HotlistGap {
                held: self.sequence,
                from: delta.from_sequence,
            });
        }
        if delta.to_sequence <= self.sequence {
            return Ok(());
        }
        let passes = delta
            .revoked_passes
            .iter()
            .map(|p| Entry::new(pass_digest(&p.pass_id, p.version), p.expires));
        let cards = delta
            .voided_cards
            .iter()
            .map(|c| Entry::new(card_digest(&c.card_uid), c.expires));
        let mut added: Vec<Entry> = passes.chain(cards).collect();
        added.sort_unstable_by(newest_first);
        self.entries.reserve_exact(added.len());
        self.entries.extend(added);
        // Two sorted runs: the stable sort merges them in linear time.
        self.entries.sort_by(newest_first);
        self.entries.dedup_by_key(|entry| entry.digest);
        self.sequence = delta.to_sequence;
        Ok(())
    }

    fn contains(&self, digest: &EntryDigest) -> bool {
        self.entries.binary_search_by(|entry| entry.digest.cmp(digest)).is_ok()
    }

    pub fn is_pass_revoked(&self, pass_id: &str, version: u32) -> bool {
        self.contains(&pass_digest(pass_id, version))
    }

    pub fn is_card_voided(&self, card_uid: &[u8]) -> bool {
        self.contains(&card_digest(card_uid))
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
        bytes.extend_from_slice(
            &self
                .fetched_at
                .map_or(NEVER_FETCHED, OffsetDateTime::unix_timestamp)
                .to_le_bytes(),
        );
        bytes.extend_from_slice(&(self.entries.len() as u64).to_le_bytes());
        for entry in &self.entries {
            bytes.extend_from_slice(&entry.digest);
            bytes.extend_from_slice(&entry.expires_on.to_le_bytes());
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
        let fetched_at = match i64::from_le_bytes(array_at(header, 16)) {
            NEVER_FETCHED => None,
            seconds => Some(OffsetDateTime::from_unix_timestamp(seconds).map_err(|_| format("bad fetch time"))?),
        };
        let count = u64::from_le_bytes(array_at(header, 24));
        if Some(entries.len())
            != usize::try_from(count)
                .ok()
                .and_then(|n| n.checked_mul(Entry::CACHE_LEN))
        {
            return Err(format("the entry count does not match the file size"));
        }
        let entries: Vec<Entry> = entries
            .chunks_exact(Entry::CACHE_LEN)
            .map(|chunk| Entry {
                digest: array_at(chunk, 0),
                expires_on: i32::from_le_bytes(array_at(chunk, 16)),
            })
            .collect();
        // Lookup is a binary search, so order is part of validity.
        if entries.windows(2).any(|pair| pair[0].digest >= pair[1].digest) {
            return Err(format("entries are not in order"));
        }
        Ok(Hotlist {
            entries,
            sequence,
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
