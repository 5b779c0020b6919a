//! The hotlist: signed deltas, sequence gaps, exact matching, expiry, size, and the cache file.

mod common;

use std::time::Instant;

use common::{Authority, NOW};
use pass_credential::{Algorithm, CredentialError, Hotlist, HotlistDelta, RevokedPass, VoidedCard};
use time::OffsetDateTime;
use time::macros::{date, datetime};

const EXPIRES: OffsetDateTime = datetime!(2027-01-01 00:00 UTC);

fn revoked(pass_id: &str, version: u32) -> RevokedPass {
    RevokedPass {
        pass_id: pass_id.into(),
        version,
        expires: EXPIRES,
    }
}

fn delta(from: u64, to: u64, revoked_passes: Vec<RevokedPass>, voided_cards: Vec<VoidedCard>) -> HotlistDelta {
    HotlistDelta {
        from_sequence: from,
        to_sequence: to,
        issued_at: NOW,
        revoked_passes,
        voided_cards,
    }
}

/// `count` distinct revoked passes, as the authority would publish them.
fn many_revoked(count: u32) -> Vec<RevokedPass> {
    (0..count)
        .map(|n| revoked(&format!("KEL-2026-{n:06}"), n % 5 + 1))
        .collect()
}

#[test]
fn deltas_verify_only_under_the_root_and_apply_in_order() {
    let authority = Authority::new(Algorithm::EdDsa);
    let root = authority.root.public();
    let signed = authority.signed_delta(0, 3, vec![revoked("KEL-1", 2)], vec![]);
    let first = HotlistDelta::verify(&signed, &root).expect("verifies");
    assert_eq!(first, delta(0, 3, vec![revoked("KEL-1", 2)], vec![]));
    let impostor = Authority::new(Algorithm::EdDsa);
    assert!(matches!(
        HotlistDelta::verify(&signed, &impostor.root.public()),
        Err(CredentialError::NotSignedByRoot { .. })
    ));

    let mut hotlist = Hotlist::new();
    let gap = delta(4, 6, vec![revoked("KEL-2", 1)], vec![]);
    match hotlist.apply(&gap) {
        Err(error @ CredentialError::HotlistGap { held: 0, from: 4 }) => {
            assert!(
                error.to_string().contains("fetch the hotlist from sequence 0"),
                "{error}"
            );
        }
        other => panic!("a gap was not refused: {other:?}"),
    }
    hotlist.apply(&first).expect("first delta");
    assert!(matches!(
        hotlist.apply(&gap),
        Err(CredentialError::HotlistGap { held: 3, from: 4 })
    ));
    hotlist
        .apply(&delta(
            3,
            4,
            vec![],
            vec![VoidedCard {
                card_uid: vec![4, 1, 2, 3],
                expires: EXPIRES,
            }],
        ))
        .expect("next");
    hotlist.apply(&gap).expect("now it follows on");
    assert_eq!(hotlist.sequence(), 6);

    hotlist
        .apply(&delta(2, 5, vec![revoked("KEL-9", 1)], vec![]))
        .expect("already held");
    assert!(
        !hotlist.is_pass_revoked("KEL-9", 1),
        "a delta wholly held changes nothing"
    );
    assert_eq!(hotlist.len(), 3);
}

#[test]
fn an_empty_range_says_nothing_is_new_and_a_backwards_one_is_malformed() {
    let authority = Authority::new(Algorithm::EdDsa);
    let root = authority.root.public();
    let mut hotlist = Hotlist::new();
    hotlist
        .apply(&delta(0, 5, vec![revoked("KEL-1", 1)], vec![]))
        .expect("apply");
    let nothing_new = HotlistDelta::verify(&authority.signed_delta(5, 5, vec![], vec![]), &root).expect("verifies");
    hotlist.apply(&nothing_new).expect("current");
    assert_eq!((hotlist.sequence(), hotlist.len()), (5, 1));

    let backwards = authority.signed_delta(5, 4, vec![], vec![]);
    assert!(matches!(
        HotlistDelta::verify(&backwards, &root),
        Err(CredentialError::Malformed(_))
    ));
}

#[test]
fn entries_match_exactly_and_passes_never_match_cards() {
    let mut hotlist = Hotlist::new();
    let card = VoidedCard {
        card_uid: b"KEL-1".to_vec(),
        expires: EXPIRES,
    };
    hotlist
        .apply(&delta(0, 1, vec![revoked("KEL-1", 2)], vec![card]))
        .expect("apply");
    assert!(hotlist.is_pass_revoked("KEL-1", 2));
    assert!(!hotlist.is_pass_revoked("KEL-1", 1));
    assert!(!hotlist.is_pass_revoked("KEL-1", 3));
    assert!(!hotlist.is_pass_revoked("KEL-12", 2));
    assert!(hotlist.is_card_voided(b"KEL-1"));
    assert!(!hotlist.is_card_voided(b"KEL-12"));
}

#[test]
fn entries_go_after_their_pass_would_have_expired() {
    let mut hotlist = Hotlist::new();
    let early = RevokedPass {
        expires: datetime!(2026-03-01 12:00 UTC),
        ..revoked("KEL-1", 1)
    };
    hotlist
        .apply(&delta(0, 1, vec![early, revoked("KEL-2", 1)], vec![]))
        .expect("apply");
    assert_eq!(
        hotlist.drop_expired(date!(2026 - 03 - 01)),
        0,
        "kept through its expiry day"
    );
    assert_eq!(hotlist.drop_expired(date!(2026 - 03 - 02)), 1);
    assert!(!hotlist.is_pass_revoked("KEL-1", 1));
    assert!(hotlist.is_pass_revoked("KEL-2", 1));
}

#[test]
fn a_repeated_entry_keeps_its_latest_expiry() {
    let mut hotlist = Hotlist::new();
    hotlist
        .apply(&delta(0, 1, vec![revoked("KEL-1", 1)], vec![]))
        .expect("apply");
    let extended = RevokedPass {
        expires: datetime!(2028-01-01 00:00 UTC),
        ..revoked("KEL-1", 1)
    };
    hotlist.apply(&delta(1, 2, vec![extended], vec![])).expect("apply");
    assert_eq!(hotlist.len(), 1);
    hotlist.drop_expired(date!(2027 - 06 - 01));
    assert!(hotlist.is_pass_revoked("KEL-1", 1));
}

#[test]
fn a_large_hotlist_stays_within_its_memory_target() {
    // 100,000 entries here; the bench measures the full million.
    const COUNT: u32 = 100_000;
    let started = Instant::now();
    let mut hotlist = Hotlist::new();
    hotlist.apply(&delta(0, 1, many_revoked(COUNT), vec![])).expect("apply");
    println!(
        "built {COUNT} entries in {:?}, {} bytes",
        started.elapsed(),
        hotlist.memory_bytes()
    );
    assert_eq!(hotlist.len(), COUNT as usize);
    assert!(hotlist.is_pass_revoked("KEL-2026-054321", 54321 % 5 + 1));
    assert!(!hotlist.is_pass_revoked("KEL-2026-054321", 54321 % 5 + 2));

    // 20 bytes an entry: a million entries take 20 MB, under the 64 MB target.
    let bytes_per_entry = hotlist.memory_bytes() / hotlist.len();
    assert!(bytes_per_entry <= 24, "{bytes_per_entry} bytes an entry");
    assert!(bytes_per_entry * 1_000_000 <= 64 << 20);
}

#[test]
fn the_cache_file_round_trips_and_detects_damage() {
    let mut hotlist = Hotlist::new();
    let card = VoidedCard {
        card_uid: vec![4, 9, 9, 9],
        expires: EXPIRES,
    };
    hotlist
        .apply(&delta(0, 7, many_revoked(1000), vec![card]))
        .expect("apply");
    hotlist.fetched_at = Some(NOW);
    let bytes = hotlist.to_cache_bytes();
    assert_eq!(bytes.len(), 32 + 1001 * 20 + 32);

    let loaded = Hotlist::from_cache_bytes(&bytes).expect("loads");
    assert_eq!(loaded, hotlist);
    assert_eq!(loaded.sequence(), 7);
    assert_eq!(loaded.fetched_at, Some(NOW));
    assert!(loaded.is_card_voided(&[4, 9, 9, 9]));

    let mut damaged = bytes.clone();
    damaged[100] ^= 0x01;
    assert!(matches!(
        Hotlist::from_cache_bytes(&damaged),
        Err(CredentialError::CacheChecksum)
    ));
    assert!(matches!(
        Hotlist::from_cache_bytes(&bytes[..100]),
        Err(CredentialError::CacheChecksum)
    ));
    assert!(matches!(
        Hotlist::from_cache_bytes(&bytes[..20]),
        Err(CredentialError::CacheFormat(_))
    ));
    assert!(matches!(
        Hotlist::from_cache_bytes(b"not a cache file at all, no, not at all"),
        Err(CredentialError::CacheFormat(_))
    ));

    let never_fetched = Hotlist::new();
    assert_eq!(
        Hotlist::from_cache_bytes(&never_fetched.to_cache_bytes()).expect("loads"),
        never_fetched
    );
}
