//! Gate-side costs: verifying one QR with a million-entry hotlist loaded, building,
//! verifying and loading that hotlist, and the size of credentials and their QR codes.
//! Run with `cargo bench -p pass-credential`; sizes are printed before the timings.

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::Instant;

use common::{Authority, CARD_UID, NOW, OFFICE, chip_claims, claims, worst_case_claims};
use criterion::{Criterion, criterion_group, criterion_main};
use pass_credential::{
    Algorithm, Hotlist, HotlistDelta, PassKind, Revocation, RevokedPass, RevokedPrint, VoidedCard, qr_version,
    to_qr_text,
};

const ENTRIES: u32 = 1_000_000;

/// The reason of the `n`th entry: every reason, in turn.
fn why(n: u32) -> Revocation {
    Revocation::ALL[n as usize % Revocation::ALL.len()]
}

/// A million entries: for every ten, eight revoked pass versions, one revoked
/// print and one voided chip.
fn million_entry_delta() -> HotlistDelta {
    let expires = NOW + time::Duration::days(365);
    HotlistDelta {
        from_sequence: 0,
        to_sequence: 1,
        issued_at: NOW,
        revoked_passes: (0..ENTRIES / 10 * 8)
            .map(|n| RevokedPass {
                pass_id: format!("KEL-2026-{n:06}"),
                version: n % 3 + 1,
                expires,
                why: why(n),
            })
            .collect(),
        revoked_prints: (0..ENTRIES / 10)
            .map(|n| RevokedPrint {
                pass_id: format!("KEL-2025-{n:06}"),
                version: n % 3 + 1,
                print: n % 2 + 1,
                expires,
                why: why(n),
            })
            .collect(),
        voided_cards: (0..ENTRIES / 10)
            .map(|n| VoidedCard {
                card_uid: [&[0x04], &n.to_be_bytes()[..], &[0x80, 0x00]].concat(),
                expires,
                why: why(n),
            })
            .collect(),
    }
}

fn credential_sizes() {
    for (label, claims) in [
        ("typical (3-character name, 2 ports)", claims(PassKind::Person)),
        ("worst case", worst_case_claims()),
    ] {
        for algorithm in [Algorithm::EdDsa, Algorithm::Es256] {
            let cose = Authority::new(algorithm).credential(&claims);
            let qr = to_qr_text(&cose);
            let version = qr_version(&qr).map_or("none".into(), |v| v.to_string());
            println!(
                "credential, {label}, {algorithm:?}: {} COSE bytes, {} QR characters, QR version {version} at level Q",
                cose.len(),
                qr.len()
            );
        }
    }
}

fn hotlist(c: &mut Criterion) {
    let authority = Authority::new(Algorithm::EdDsa);
    let delta = million_entry_delta();
    let started = Instant::now();
    let signed = delta.sign(&authority.root).expect("sign");
    println!(
        "hotlist delta, {ENTRIES} entries: {} signed bytes, signed in {:?}",
        signed.len(),
        started.elapsed()
    );

    let mut built = Hotlist::new();
    built.apply(&delta).expect("apply");
    assert_eq!(built.len(), ENTRIES as usize);
    let cache = built.to_cache_bytes();
    println!(
        "hotlist, {} entries: {} bytes in memory, {} bytes cached",
        built.len(),
        built.memory_bytes(),
        cache.len()
    );

    let mut group = c.benchmark_group("hotlist 1M");
    group
        .sample_size(10)
        .measurement_time(std::time::Duration::from_secs(10));
    group.bench_function("lookup", |b| {
        b.iter(|| built.pass_revocation(black_box("KEL-2026-123456"), black_box(1)))
    });
    group.bench_function("lookup, all three (version, print, chip)", |b| {
        b.iter(|| {
            let (pass_id, version) = (black_box("KEL-2026-123456"), black_box(1));
            built
                .pass_revocation(pass_id, version)
                .or_else(|| built.print_revocation(pass_id, version, black_box(1)))
                .or_else(|| built.card_revocation(black_box(&CARD_UID)))
        })
    });
    group.bench_function("verify signed delta", |b| {
        b.iter(|| HotlistDelta::verify(black_box(&signed), &authority.root.public()).expect("verify"))
    });
    group.bench_function("build from delta", |b| {
        b.iter(|| {
            let mut hotlist = Hotlist::new();
            hotlist.apply(black_box(&delta)).expect("apply");
            hotlist
        })
    });
    group.bench_function("load cache file", |b| {
        b.iter(|| Hotlist::from_cache_bytes(black_box(&cache)).expect("load"))
    });
    group.finish();
}

fn verify(c: &mut Criterion) {
    credential_sizes();
    let mut hotlist = Hotlist::new();
    hotlist.apply(&million_entry_delta()).expect("apply");
    hotlist.fetched_at = Some(NOW);

    let mut group = c.benchmark_group("verify with 1M hotlist");
    for algorithm in [Algorithm::EdDsa, Algorithm::Es256] {
        let authority = Authority::new(algorithm);
        let mut verifier = authority.verifier();
        verifier.set_hotlist(hotlist.clone());
        let qr = to_qr_text(&authority.credential(&claims(PassKind::Person)));
        assert!(verifier.verify_qr(&qr, NOW, Some(OFFICE)).is_valid());
        group.bench_function(format!("QR, {algorithm:?}"), |b| {
            b.iter(|| verifier.verify_qr(black_box(&qr), NOW, Some(OFFICE)))
        });
        let chip = authority.credential(&chip_claims(PassKind::Person));
        assert!(
            verifier
                .verify_chip(&chip, &CARD_UID, None, NOW, Some(OFFICE))
                .is_valid()
        );
        group.bench_function(format!("chip, {algorithm:?}"), |b| {
            b.iter(|| verifier.verify_chip(black_box(&chip), &CARD_UID, None, NOW, Some(OFFICE)))
        });
    }
    group.finish();
}

criterion_group!(benches, verify, hotlist);
criterion_main!(benches);
