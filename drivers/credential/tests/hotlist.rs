//! The hotlist: signed deltas, sequence gaps, the signed freshness, exact matching,
//! reasons, expiry, size, and the cache file.

mod common;

use std::time::Instant;

use common::{Authority, NOW, empty_delta};
use pass_credential::{
    Algorithm, CredentialError, Hotlist, HotlistDelta, Revocation, RevokedPass, RevokedPrint, VoidedCard,
};
use sha2::{Digest as _, Sha256};
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};

const EXPIRES: OffsetDateTime = datetime!(2027-01-01 00:00 UTC);

/// Cache file layout (see `Hotlist::to_cache_bytes`): header, 21-byte entries, checksum.
const CACHE_HEADER_LEN: usize = 40;
const CACHE_ENTRY_LEN: usize = 21;
const CACHE_CHECKSUM_LEN: usize = 32;

fn revoked(pass_id: &str, version: u32) -> RevokedPass {
    RevokedPass {
        pass_id: pass_id.into(),
        version,
        expires: EXPIRES,
        why: Revocation::Revoked,
    }
}

fn revoked_print(pass_id: &str, version: u32, print: u32, why: Revocation) -> RevokedPrint {
    RevokedPrint {
        pass_id: pass_id.into(),
        version,
        print,
        expires: EXPIRES,
        why,
    }
}

fn voided(card_uid: &[u8], why: Revocation) -> VoidedCard {
    VoidedCard {
        card_uid: card_uid.to_vec(),
        expires: EXPIRES,
        why,
    }
}

fn delta(from: u64, to: u64, revoked_passes: Vec<RevokedPass>, voided_cards: Vec<VoidedCard>) -> HotlistDelta {
    HotlistDelta {
        revoked_passes,
        voided_cards,
        ..empty_delta(from, to, NOW)
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
    let sent = HotlistDelta {
        revoked_prints: vec![revoked_print("KEL-3", 1, 2, Revocation::Spoiled)],
        ..delta(
            0,
            3,
            vec![revoked("KEL-1", 2)],
            vec![voided(&[4, 7, 7, 7], Revocation::Voided)],
        )
    };
    let signed = authority.sign_delta(&sent);
    let first = HotlistDelta::verify(&signed, &root).expect("verifies");
    assert_eq!(first, sent, "every list, with its reasons, survives signing");
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
        .apply(&delta(3, 4, vec![], vec![voided(&[4, 1, 2, 3], Revocation::Voided)]))
        .expect("next");
    hotlist.apply(&gap).expect("now it follows on");
    assert_eq!(hotlist.sequence(), 6);

    hotlist
        .apply(&delta(2, 5, vec![revoked("KEL-9", 1)], vec![]))
        .expect("already held");
    assert_eq!(
        hotlist.pass_revocation("KEL-9", 1),
        None,
        "a delta wholly held changes nothing"
    );
    assert_eq!(hotlist.len(), 5);
    assert_eq!(hotlist.print_revocation("KEL-3", 1, 2), Some(Revocation::Spoiled));
    assert_eq!(hotlist.card_revocation(&[4, 7, 7, 7]), Some(Revocation::Voided));
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
fn entries_match_exactly_and_passes_prints_and_cards_never_match_each_other() {
    let mut hotlist = Hotlist::new();
    hotlist
        .apply(&HotlistDelta {
            revoked_prints: vec![revoked_print("KEL-5", 1, 2, Revocation::Replaced)],
            ..delta(
                0,
                1,
                vec![revoked("KEL-1", 2)],
                vec![voided(b"KEL-1", Revocation::Voided)],
            )
        })
        .expect("apply");
    assert_eq!(hotlist.pass_revocation("KEL-1", 2), Some(Revocation::Revoked));
    assert_eq!(hotlist.pass_revocation("KEL-1", 1), None);
    assert_eq!(hotlist.pass_revocation("KEL-1", 3), None);
    assert_eq!(hotlist.pass_revocation("KEL-12", 2), None);
    assert_eq!(hotlist.card_revocation(b"KEL-1"), Some(Revocation::Voided));
    assert_eq!(hotlist.card_revocation(b"KEL-12"), None);

    assert_eq!(hotlist.print_revocation("KEL-5", 1, 2), Some(Revocation::Replaced));
    assert_eq!(hotlist.print_revocation("KEL-5", 1, 1), None, "another print");
    assert_eq!(hotlist.print_revocation("KEL-5", 1, 3), None, "another print");
    assert_eq!(
        hotlist.print_revocation("KEL-5", 2, 2),
        None,
        "the same print number of another version"
    );
    assert_eq!(hotlist.print_revocation("KEL-55", 1, 2), None);
    assert_eq!(
        hotlist.pass_revocation("KEL-5", 1),
        None,
        "a revoked print does not revoke its pass version"
    );
    assert_eq!(
        hotlist.print_revocation("KEL-1", 2, 1),
        None,
        "a revoked pass version is its own entry, not one of its prints"
    );
}

#[test]
fn revocation_wire_codes_are_fixed() {
    let codes: Vec<(u8, &str)> = Revocation::ALL.iter().map(|why| (*why as u8, why.as_str())).collect();
    assert_eq!(
        codes,
        [
            (0, "revoked"),
            (1, "spoiled"),
            (2, "voided"),
            (3, "withdrawn"),
            (4, "uncollected"),
            (5, "replaced"),
        ]
    );
    for why in Revocation::ALL {
        assert_eq!(Revocation::from_code(why as u8), Some(why));
        assert_eq!(Revocation::parse(why.as_str()), Some(why));
    }
    assert_eq!(Revocation::from_code(6), None);
    assert_eq!(Revocation::from_code(u8::MAX), None);
    assert_eq!(Revocation::parse("lost"), None);
}

#[test]
fn every_reason_survives_signing_in_every_list() {
    let authority = Authority::new(Algorithm::EdDsa);
    let mut sent = empty_delta(0, 1, NOW);
    for (n, why) in (0u8..).zip(Revocation::ALL) {
        let pass_id = format!("KEL-2026-{n:06}");
        sent.revoked_passes.push(RevokedPass {
            why,
            ..revoked(&pass_id, 1)
        });
        sent.revoked_prints.push(revoked_print(&pass_id, 2, 1, why));
        sent.voided_cards.push(voided(&[0x04, n], why));
    }
    let received = authority.through_the_wire(&sent);
    assert_eq!(received, sent);
    let hotlist = authority.hotlist_from(&[sent]);
    for (n, why) in (0u8..).zip(Revocation::ALL) {
        let pass_id = format!("KEL-2026-{n:06}");
        assert_eq!(hotlist.pass_revocation(&pass_id, 1), Some(why));
        assert_eq!(hotlist.print_revocation(&pass_id, 2, 1), Some(why));
        assert_eq!(hotlist.card_revocation(&[0x04, n]), Some(why));
    }
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
    assert_eq!(hotlist.pass_revocation("KEL-1", 1), None);
    assert_eq!(hotlist.pass_revocation("KEL-2", 1), Some(Revocation::Revoked));
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
    assert_eq!(hotlist.pass_revocation("KEL-1", 1), Some(Revocation::Revoked));
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
    assert!(hotlist.pass_revocation("KEL-2026-054321", 54321 % 5 + 1).is_some());
    assert_eq!(hotlist.pass_revocation("KEL-2026-054321", 54321 % 5 + 2), None);

    // 21 bytes an entry (digest, expiry day, reason), 24 with alignment: a
    // million entries take 24 MB, under the 64 MB target.
    let bytes_per_entry = hotlist.memory_bytes() / hotlist.len();
    assert!(bytes_per_entry <= 24, "{bytes_per_entry} bytes an entry");
    assert!(bytes_per_entry * 1_000_000 <= 64 << 20);
}

#[test]
fn the_cache_file_round_trips_and_detects_damage() {
    let mut hotlist = Hotlist::new();
    hotlist
        .apply(&delta(
            0,
            7,
            many_revoked(1000),
            vec![voided(&[4, 9, 9, 9], Revocation::Voided)],
        ))
        .expect("apply");
    hotlist.fetched_at = Some(NOW);
    let bytes = hotlist.to_cache_bytes();
    assert_eq!(
        bytes.len(),
        CACHE_HEADER_LEN + 1001 * CACHE_ENTRY_LEN + CACHE_CHECKSUM_LEN
    );
    assert_eq!(&bytes[..8], b"PPHOTLS2");

    let loaded = Hotlist::from_cache_bytes(&bytes).expect("loads");
    assert_eq!(loaded, hotlist);
    assert_eq!(loaded.sequence(), 7);
    assert_eq!(loaded.fetched_at, Some(NOW));
    assert_eq!(loaded.card_revocation(&[4, 9, 9, 9]), Some(Revocation::Voided));

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

/// `body` (a cache file without its checksum) with a correct checksum appended,
/// so only the reader's format checks can refuse it.
fn with_checksum(body: &[u8]) -> Vec<u8> {
    [body, Sha256::digest(body).as_slice()].concat()
}

#[test]
fn the_cache_file_keeps_every_reason_and_the_signed_time() {
    let authority = Authority::new(Algorithm::EdDsa);
    let issued_at = NOW - Duration::hours(5);
    let mut sent = empty_delta(0, 4, issued_at);
    for (n, why) in (0u8..).zip(Revocation::ALL) {
        let pass_id = format!("KEL-2026-{n:06}");
        sent.revoked_passes.push(RevokedPass {
            why,
            ..revoked(&pass_id, 1)
        });
        sent.revoked_prints.push(revoked_print(&pass_id, 2, 3, why));
        sent.voided_cards.push(voided(&[0x04, n, 0x80], why));
    }
    let mut hotlist = authority.hotlist_from(&[sent]);
    hotlist.fetched_at = Some(NOW - Duration::minutes(1));
    assert_eq!(hotlist.issued_at(), Some(issued_at));

    let loaded = Hotlist::from_cache_bytes(&hotlist.to_cache_bytes()).expect("loads");
    assert_eq!(loaded, hotlist);
    assert_eq!(
        loaded.issued_at(),
        Some(issued_at),
        "the signed time, not the fetch time"
    );
    assert_eq!(loaded.fetched_at, Some(NOW - Duration::minutes(1)));
    assert_eq!(loaded.sequence(), 4);
    for (n, why) in (0u8..).zip(Revocation::ALL) {
        let pass_id = format!("KEL-2026-{n:06}");
        assert_eq!(loaded.pass_revocation(&pass_id, 1), Some(why), "pass {why:?}");
        assert_eq!(loaded.print_revocation(&pass_id, 2, 3), Some(why), "print {why:?}");
        assert_eq!(loaded.card_revocation(&[0x04, n, 0x80]), Some(why), "card {why:?}");
    }

    // A list fetched but never brought up to date by a delta holds no signed time.
    let mut unsigned = Hotlist::new();
    unsigned.fetched_at = Some(NOW);
    let loaded = Hotlist::from_cache_bytes(&unsigned.to_cache_bytes()).expect("loads");
    assert_eq!((loaded.issued_at(), loaded.fetched_at), (None, Some(NOW)));
}

#[test]
fn a_cache_file_with_an_unknown_reason_or_of_the_old_format_is_refused() {
    let mut hotlist = Hotlist::new();
    hotlist.apply(&delta(0, 1, many_revoked(3), vec![])).expect("apply");
    let bytes = hotlist.to_cache_bytes();
    let body = &bytes[..bytes.len() - CACHE_CHECKSUM_LEN];
    assert_eq!(body.len(), CACHE_HEADER_LEN + 3 * CACHE_ENTRY_LEN);
    assert_eq!(
        Hotlist::from_cache_bytes(&with_checksum(body)).expect("re-checksummed, unchanged"),
        hotlist
    );

    // The reason is each entry's last byte.
    let reason_at = CACHE_HEADER_LEN + 2 * CACHE_ENTRY_LEN - 1;
    assert_eq!(body[reason_at], Revocation::Revoked as u8);
    for known in Revocation::ALL {
        let mut edited = body.to_vec();
        edited[reason_at] = known as u8;
        let loaded = Hotlist::from_cache_bytes(&with_checksum(&edited)).expect("a known reason loads");
        assert_eq!(loaded.len(), 3);
    }
    for unknown in [6, 0x7F, u8::MAX] {
        let mut edited = body.to_vec();
        edited[reason_at] = unknown;
        match Hotlist::from_cache_bytes(&with_checksum(&edited)) {
            Err(CredentialError::CacheFormat(detail)) => assert!(detail.contains("reason"), "{detail}"),
            other => panic!("reason byte {unknown} was not refused: {other:?}"),
        }
    }

    // A station upgraded over a cache of the first format fetches again rather than misread it.
    let mut first_format = body.to_vec();
    first_format[..8].copy_from_slice(b"PPHOTLS1");
    assert!(matches!(
        Hotlist::from_cache_bytes(&with_checksum(&first_format)),
        Err(CredentialError::CacheFormat(_))
    ));
}

#[test]
fn freshness_is_the_signed_time_of_the_newest_delta() {
    let authority = Authority::new(Algorithm::EdDsa);
    let mut hotlist = Hotlist::new();
    assert_eq!(hotlist.issued_at(), None, "nothing applied, nothing signed");

    let long_ago = NOW - Duration::hours(30);
    hotlist
        .apply(&authority.through_the_wire(&HotlistDelta {
            revoked_passes: vec![revoked("KEL-1", 1)],
            ..empty_delta(0, 3, long_ago)
        }))
        .expect("apply");
    assert_eq!((hotlist.sequence(), hotlist.issued_at()), (3, Some(long_ago)));
    hotlist.fetched_at = Some(NOW);
    assert_eq!(
        hotlist.issued_at(),
        Some(long_ago),
        "fetching does not make the list fresh"
    );

    // The signed "nothing new since 3" moves the time forward, and nothing else.
    hotlist
        .apply(&authority.through_the_wire(&empty_delta(3, 3, NOW)))
        .expect("nothing new");
    assert_eq!(
        (hotlist.sequence(), hotlist.len(), hotlist.issued_at()),
        (3, 1, Some(NOW))
    );

    // Old answers, replayed or late, neither lower the sequence nor move the time back.
    let old_with_entries = HotlistDelta {
        revoked_passes: vec![revoked("KEL-OLD", 1)],
        ..empty_delta(0, 2, NOW - Duration::hours(40))
    };
    let old_nothing_new = empty_delta(3, 3, NOW - Duration::hours(20));
    let old_reaching_3 = HotlistDelta {
        revoked_passes: vec![revoked("KEL-1", 1)],
        ..empty_delta(1, 3, NOW - Duration::hours(35))
    };
    for old in [old_with_entries, old_nothing_new, old_reaching_3] {
        hotlist
            .apply(&authority.through_the_wire(&old))
            .expect("an old delta is no error");
        assert_eq!(
            (hotlist.sequence(), hotlist.len(), hotlist.issued_at()),
            (3, 1, Some(NOW)),
            "({}, {}] issued {}",
            old.from_sequence,
            old.to_sequence,
            old.issued_at
        );
    }
    assert_eq!(hotlist.pass_revocation("KEL-OLD", 1), None);

    // A delta that carries the list on takes its own signed time.
    let later = NOW + Duration::hours(1);
    hotlist
        .apply(&authority.through_the_wire(&HotlistDelta {
            revoked_passes: vec![revoked("KEL-2", 1)],
            ..empty_delta(3, 4, later)
        }))
        .expect("apply");
    assert_eq!((hotlist.sequence(), hotlist.issued_at()), (4, Some(later)));
}
