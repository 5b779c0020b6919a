//! Credentials end to end: signing, QR and chip round trips, every refusal reason
//! built for real (each hotlist reason, prints, specimens), the hotlist's signed
//! freshness, tampering, the QR text's errors, the QR budget, and key formats.

mod common;

use std::collections::HashSet;

use common::{
    Authority, CARD_UID, NOW, OFFICE, budget_claims, chip_claims, claims, empty_delta, signer, worst_case_claims,
};
use coset::{CoseSign1Builder, HeaderBuilder, TaggedCborSerializable as _, iana};
use pass_credential::{
    Algorithm, CredentialError, Hotlist, HotlistDelta, Lang, PassClaims, PassKind, PublicKey, Reason, Revocation,
    RevokedPass, RevokedPrint, SPECIMEN_PREFIX, SignerEntry, SignerStatus, SigningKey, Verdict, Verifier, VoidedCard,
    Warning, from_qr_text, qr_version, specimen_text, to_qr_text,
};
use time::Duration;
use time::macros::datetime;

const ALGORITHMS: [Algorithm; 2] = [Algorithm::EdDsa, Algorithm::Es256];

/// A chip UID other than [`CARD_UID`].
const OTHER_UID: [u8; 7] = [0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66];

fn reason(verdict: &Verdict) -> Option<&Reason> {
    verdict.outcome.as_ref().err()
}

fn revoked_pass(claims: &PassClaims, why: Revocation) -> RevokedPass {
    RevokedPass {
        pass_id: claims.pass_id.clone(),
        version: claims.version,
        expires: claims.valid_to,
        why,
    }
}

fn revoked_print(claims: &PassClaims, why: Revocation) -> RevokedPrint {
    RevokedPrint {
        pass_id: claims.pass_id.clone(),
        version: claims.version,
        print: claims.print,
        expires: claims.valid_to,
        why,
    }
}

fn voided_card(card_uid: &[u8], why: Revocation) -> VoidedCard {
    VoidedCard {
        card_uid: card_uid.to_vec(),
        expires: datetime!(2027-01-01 00:00 UTC),
        why,
    }
}

fn is_cjk(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

#[test]
fn every_kind_round_trips_by_qr_and_chip_with_both_algorithms() {
    for algorithm in ALGORITHMS {
        let authority = Authority::new(algorithm);
        let verifier = authority.verifier();
        for kind in PassKind::ALL {
            let printed = claims(kind);
            let qr = to_qr_text(&authority.credential(&printed));
            let verdict = verifier.verify_qr(&qr, NOW, Some(OFFICE));
            assert_eq!(verdict.outcome, Ok(()), "{algorithm:?} {kind:?} QR");
            assert_eq!(verdict.claims.as_ref(), Some(&printed));
            assert!(verdict.warnings.is_empty());

            let encoded = chip_claims(kind);
            let verdict = verifier.verify_chip(&authority.credential(&encoded), &CARD_UID, None, NOW, Some(OFFICE));
            assert_eq!(verdict.outcome, Ok(()), "{algorithm:?} {kind:?} chip");
            assert_eq!(verdict.claims, Some(encoded));
        }
    }
}

#[test]
fn a_credential_is_a_tagged_cose_sign1_with_alg_and_kid_protected() {
    for (algorithm, cose_alg) in [
        (Algorithm::EdDsa, iana::Algorithm::EdDSA),
        (Algorithm::Es256, iana::Algorithm::ES256),
    ] {
        let authority = Authority::new(algorithm);
        let cose = authority.credential(&claims(PassKind::Person));
        assert_eq!(cose[0], 0xD2, "CBOR tag 18");
        let message = coset::CoseSign1::from_tagged_slice(&cose).expect("COSE_Sign1");
        assert_eq!(message.protected.header.alg, Some(coset::Algorithm::Assigned(cose_alg)));
        assert_eq!(message.protected.header.key_id, authority.station.kid().0);
        assert_eq!(message.signature.len(), 64);
    }
}

/// A credential signed by `forger` that names the trusted station's key.
fn forged_credential(authority: &Authority, forger: &SigningKey) -> Vec<u8> {
    let SigningKey::Ed25519(forger) = forger else {
        panic!("the forger uses Ed25519")
    };
    let protected = HeaderBuilder::new()
        .algorithm(iana::Algorithm::EdDSA)
        .key_id(authority.station.kid().0.to_vec())
        .build();
    CoseSign1Builder::new()
        .protected(protected)
        .payload(claims(PassKind::Person).to_cwt_bytes().expect("claims"))
        .create_signature(&[], |to_be_signed| {
            ed25519_dalek::Signer::sign(forger, to_be_signed).to_bytes().to_vec()
        })
        .build()
        .to_tagged_vec()
        .expect("encode")
}

#[test]
fn each_reason_is_reached_by_its_real_case() {
    let authority = Authority::new(Algorithm::EdDsa);
    let verifier = authority.verifier();
    let qr = |claims| to_qr_text(&authority.credential(&claims));
    let person = claims(PassKind::Person);
    let outsider = SigningKey::generate(Algorithm::EdDsa).expect("key");

    let mut cases: Vec<(&str, Verdict, Reason)> = Vec::new();
    let mut case = |name, verdict, expected| cases.push((name, verdict, expected));

    case(
        "a specimen from a preview",
        verifier.verify_qr(&specimen_text(&person.pass_id), NOW, None),
        Reason::Specimen,
    );
    case(
        "wrong prefix",
        verifier.verify_qr("HC1:NCFOXN", NOW, None),
        Reason::Malformed(String::new()),
    );
    case(
        "QR carrying a card UID",
        verifier.verify_qr(&qr(chip_claims(PassKind::Person)), NOW, None),
        Reason::Malformed(String::new()),
    );
    case(
        "chip credential without a card UID",
        verifier.verify_chip(&authority.credential(&person), &CARD_UID, None, NOW, None),
        Reason::Malformed(String::new()),
    );
    case(
        "no trust list",
        Verifier::new(authority.root.public()).verify_qr(&qr(person.clone()), NOW, None),
        Reason::NoTrustList,
    );
    case(
        "a key from another station",
        verifier.verify_qr(
            &to_qr_text(&pass_credential::sign(&person, &outsider).expect("sign")),
            NOW,
            None,
        ),
        Reason::UnknownSigner,
    );
    case(
        "forged signature claiming the station's kid",
        verifier.verify_qr(&to_qr_text(&forged_credential(&authority, &outsider)), NOW, None),
        Reason::BadSignature,
    );
    case(
        "revoked signer",
        authority
            .verifier_trusting(vec![signer(&authority.station, OFFICE, SignerStatus::Revoked)])
            .verify_qr(&qr(person.clone()), NOW, None),
        Reason::SignerRevoked,
    );
    case(
        "signed before the signer was certified",
        authority
            .verifier_trusting(vec![SignerEntry {
                valid_from: datetime!(2026-01-01 00:00 UTC),
                ..signer(&authority.station, OFFICE, SignerStatus::Active)
            }])
            .verify_qr(&qr(person.clone()), NOW, None),
        Reason::SignerOutOfValidity,
    );
    case(
        "clock before nbf",
        verifier.verify_qr(&qr(person.clone()), person.valid_from - time::Duration::SECOND, None),
        Reason::NotYetValid,
    );
    case(
        "clock at exp",
        verifier.verify_qr(&qr(person.clone()), person.valid_to, None),
        Reason::Expired,
    );

    let misprint = PassClaims {
        version: 3,
        print: 2,
        ..person.clone()
    };
    let mut with_hotlist = verifier.clone();
    with_hotlist.set_hotlist(authority.hotlist_from(&[HotlistDelta {
        revoked_passes: vec![revoked_pass(&person, Revocation::Revoked)],
        revoked_prints: vec![revoked_print(&misprint, Revocation::Spoiled)],
        voided_cards: vec![voided_card(&CARD_UID, Revocation::Voided)],
        ..empty_delta(0, 1, NOW)
    }]));
    case(
        "revoked pass",
        with_hotlist.verify_qr(&qr(person.clone()), NOW, None),
        Reason::Revoked(Revocation::Revoked),
    );
    case(
        "spoiled print",
        with_hotlist.verify_qr(&qr(misprint), NOW, None),
        Reason::Revoked(Revocation::Spoiled),
    );
    let reissued = PassClaims {
        version: 2,
        ..chip_claims(PassKind::Person)
    };
    case(
        "voided card",
        with_hotlist.verify_chip(&authority.credential(&reissued), &CARD_UID, None, NOW, None),
        Reason::Revoked(Revocation::Voided),
    );
    case(
        "chip credential on another card",
        verifier.verify_chip(
            &authority.credential(&chip_claims(PassKind::Person)),
            &OTHER_UID,
            None,
            NOW,
            None,
        ),
        Reason::ChipBoundToAnotherCard,
    );
    case(
        "wrong port",
        verifier.verify_qr(&qr(person.clone()), NOW, Some("TWKHH")),
        Reason::NotValidAtThisPort,
    );

    for (name, verdict, expected) in cases {
        let got = reason(&verdict).unwrap_or_else(|| panic!("{name}: accepted"));
        match expected {
            Reason::Malformed(_) => assert!(matches!(got, Reason::Malformed(_)), "{name}: {got:?}"),
            expected => assert_eq!(got, &expected, "{name}"),
        }
        let signature_checked = !matches!(
            got,
            Reason::Specimen
                | Reason::Malformed(_)
                | Reason::NoTrustList
                | Reason::UnknownSigner
                | Reason::BadSignature
        );
        assert_eq!(
            verdict.claims.is_some(),
            signature_checked,
            "{name}: claims only once the signature verified"
        );
    }
}

#[test]
fn a_revocation_names_one_exact_version() {
    let authority = Authority::new(Algorithm::EdDsa);
    let mut verifier = authority.verifier();
    let version_2 = PassClaims {
        version: 2,
        ..claims(PassKind::Person)
    };
    verifier.set_hotlist(authority.hotlist(
        vec![revoked_pass(&claims(PassKind::Person), Revocation::Withdrawn)],
        vec![],
    ));
    let verdict = verifier.verify_qr(&to_qr_text(&authority.credential(&version_2)), NOW, None);
    assert_eq!(verdict.outcome, Ok(()), "version 2 is not the revoked version 1");
    let version_1 = to_qr_text(&authority.credential(&claims(PassKind::Person)));
    assert_eq!(
        reason(&verifier.verify_qr(&version_1, NOW, None)),
        Some(&Reason::Revoked(Revocation::Withdrawn))
    );
}

#[test]
fn a_revoked_print_refuses_its_qr_and_its_chip_while_another_print_stays_valid() {
    let authority = Authority::new(Algorithm::EdDsa);
    let qr = |claims: &PassClaims| to_qr_text(&authority.credential(claims));
    let print_1 = claims(PassKind::Person);
    let print_2 = PassClaims {
        print: 2,
        ..print_1.clone()
    };
    // Each print's chip is written for its own card, with the print's serial.
    let chip_1 = chip_claims(PassKind::Person);
    let chip_2 = PassClaims {
        print: 2,
        card_uid: Some(OTHER_UID.to_vec()),
        ..chip_1.clone()
    };
    let next_version = PassClaims {
        version: 2,
        ..print_1.clone()
    };
    assert_eq!((print_1.print, chip_1.print), (1, 1));

    let mut verifier = authority.verifier();
    for (face, verdict) in [
        ("print 1 QR", verifier.verify_qr(&qr(&print_1), NOW, Some(OFFICE))),
        (
            "print 1 chip",
            verifier.verify_chip(&authority.credential(&chip_1), &CARD_UID, None, NOW, Some(OFFICE)),
        ),
    ] {
        assert_eq!(verdict.outcome, Ok(()), "{face} is valid before the hotlist names it");
    }

    verifier.set_hotlist(authority.hotlist_from(&[HotlistDelta {
        revoked_prints: vec![revoked_print(&print_1, Revocation::Spoiled)],
        ..empty_delta(0, 1, NOW)
    }]));
    assert_eq!(
        verifier.hotlist().card_revocation(&CARD_UID),
        None,
        "the chip is refused for its print, not its UID"
    );
    let refused = [
        (
            "print 1 QR",
            verifier.verify_qr(&qr(&print_1), NOW, Some(OFFICE)),
            print_1.clone(),
        ),
        (
            "print 1 chip",
            verifier.verify_chip(&authority.credential(&chip_1), &CARD_UID, None, NOW, Some(OFFICE)),
            chip_1.clone(),
        ),
    ];
    for (face, verdict, claims) in refused {
        assert_eq!(verdict.outcome, Err(Reason::Revoked(Revocation::Spoiled)), "{face}");
        assert_eq!(
            verdict.claims,
            Some(claims),
            "{face}: the officer sees whose card it is"
        );
        assert_eq!(reason(&verdict).map(Reason::code), Some("card_spoiled"));
    }
    let valid = [
        ("print 2 QR", verifier.verify_qr(&qr(&print_2), NOW, Some(OFFICE))),
        (
            "print 2 chip",
            verifier.verify_chip(&authority.credential(&chip_2), &OTHER_UID, None, NOW, Some(OFFICE)),
        ),
        (
            "print 1 of version 2",
            verifier.verify_qr(&qr(&next_version), NOW, Some(OFFICE)),
        ),
    ];
    for (face, verdict) in valid {
        assert_eq!(verdict.outcome, Ok(()), "{face}");
    }
}

#[test]
fn revocation_is_checked_for_the_version_then_the_print_then_the_chip() {
    let authority = Authority::new(Algorithm::EdDsa);
    let chip_claims = chip_claims(PassKind::Person);
    let chip = authority.credential(&chip_claims);
    let qr = to_qr_text(&authority.credential(&claims(PassKind::Person)));
    let listing = |passes: Vec<RevokedPass>, prints: Vec<RevokedPrint>, cards: Vec<VoidedCard>| {
        let mut verifier = authority.verifier();
        verifier.set_hotlist(authority.hotlist_from(&[HotlistDelta {
            revoked_passes: passes,
            revoked_prints: prints,
            voided_cards: cards,
            ..empty_delta(0, 1, NOW)
        }]));
        verifier
    };
    let pass = || vec![revoked_pass(&chip_claims, Revocation::Withdrawn)];
    let print = || vec![revoked_print(&chip_claims, Revocation::Spoiled)];
    let card = || vec![voided_card(&CARD_UID, Revocation::Voided)];

    let all = listing(pass(), print(), card());
    assert_eq!(
        reason(&all.verify_chip(&chip, &CARD_UID, None, NOW, None)),
        Some(&Reason::Revoked(Revocation::Withdrawn))
    );
    let print_and_card = listing(vec![], print(), card());
    assert_eq!(
        reason(&print_and_card.verify_chip(&chip, &CARD_UID, None, NOW, None)),
        Some(&Reason::Revoked(Revocation::Spoiled))
    );
    let card_only = listing(vec![], vec![], card());
    assert_eq!(
        reason(&card_only.verify_chip(&chip, &CARD_UID, None, NOW, None)),
        Some(&Reason::Revoked(Revocation::Voided))
    );
    // The revocation comes before the binding: a voided chip's credential copied to another card.
    assert_eq!(
        reason(&card_only.verify_chip(&chip, &OTHER_UID, None, NOW, None)),
        Some(&Reason::Revoked(Revocation::Voided))
    );
    // The printed QR carries no UID: a voided chip does not refuse the card's QR.
    assert_eq!(card_only.verify_qr(&qr, NOW, None).outcome, Ok(()));
    // Expiry comes before the hotlist.
    assert_eq!(
        reason(&all.verify_chip(&chip, &CARD_UID, None, chip_claims.valid_to, None)),
        Some(&Reason::Expired)
    );
}

#[test]
fn each_revocation_reason_reaches_the_verdict_with_its_own_code_and_messages() {
    let expected = [
        (Revocation::Revoked, "pass_revoked"),
        (Revocation::Spoiled, "card_spoiled"),
        (Revocation::Voided, "card_voided"),
        (Revocation::Withdrawn, "pass_withdrawn"),
        (Revocation::Uncollected, "card_uncollected"),
        (Revocation::Replaced, "card_replaced"),
    ];
    assert_eq!(expected.map(|(why, _)| why), Revocation::ALL, "every reason is here");

    let authority = Authority::new(Algorithm::EdDsa);
    let root = authority.root.public();
    // One card listed each way: by its pass version, by its print, by its chip.
    let by_version = PassClaims {
        pass_id: "KEL-2026-000101".into(),
        ..claims(PassKind::Person)
    };
    let by_print = PassClaims {
        pass_id: "KEL-2026-000102".into(),
        print: 2,
        ..claims(PassKind::Vehicle)
    };
    let by_chip = PassClaims {
        pass_id: "KEL-2026-000103".into(),
        ..chip_claims(PassKind::Person)
    };
    let presented = |verifier: &Verifier| {
        [
            (
                "version",
                verifier.verify_qr(&to_qr_text(&authority.credential(&by_version)), NOW, Some(OFFICE)),
            ),
            (
                "print",
                verifier.verify_qr(&to_qr_text(&authority.credential(&by_print)), NOW, Some(OFFICE)),
            ),
            (
                "chip",
                verifier.verify_chip(&authority.credential(&by_chip), &CARD_UID, None, NOW, Some(OFFICE)),
            ),
        ]
    };
    for (face, verdict) in presented(&authority.verifier()) {
        assert_eq!(verdict.outcome, Ok(()), "{face}: valid until listed");
    }

    let (mut codes, mut zh_messages, mut en_messages) = (HashSet::new(), HashSet::new(), HashSet::new());
    for (why, code) in expected {
        let signed = authority.sign_delta(&HotlistDelta {
            revoked_passes: vec![revoked_pass(&by_version, why)],
            revoked_prints: vec![revoked_print(&by_print, why)],
            voided_cards: vec![voided_card(&CARD_UID, why)],
            ..empty_delta(0, 1, NOW)
        });
        let mut verifier = authority.verifier();
        verifier
            .hotlist_mut()
            .apply(&HotlistDelta::verify(&signed, &root).expect("verify"))
            .expect("apply");
        for (face, verdict) in presented(&verifier) {
            assert_eq!(verdict.outcome, Err(Reason::Revoked(why)), "{why:?} by {face}");
            assert!(verdict.claims.is_some(), "{why:?} by {face}");
            assert!(verdict.warnings.is_empty(), "{why:?} by {face}");
        }

        let reason = Reason::Revoked(why);
        assert_eq!(reason.code(), code, "{why:?}");
        let (zh, en) = (reason.message(Lang::ZhTw), reason.message(Lang::En));
        assert!(zh.chars().any(is_cjk), "{why:?} zh-TW: {zh}");
        assert!(en.is_ascii() && en.contains("Refuse entry"), "{why:?} en: {en}");
        assert!(codes.insert(code), "{why:?}: code {code} repeated");
        assert!(zh_messages.insert(zh), "{why:?}: zh-TW message repeated");
        assert!(en_messages.insert(en), "{why:?}: English message repeated");
    }
}

#[test]
fn a_specimen_is_refused_as_a_specimen() {
    let authority = Authority::new(Algorithm::EdDsa);
    let verifier = authority.verifier();
    let pass_id = "KEL-2026-000001";
    let specimen = specimen_text(pass_id);
    assert!(specimen.starts_with(SPECIMEN_PREFIX), "{specimen}");
    assert!(specimen.contains(pass_id), "{specimen}");
    assert!(
        matches!(from_qr_text(&specimen), Err(CredentialError::QrPrefix)),
        "the QR reader takes no specimen for a credential"
    );

    let verdict = verifier.verify_qr(&specimen, NOW, Some(OFFICE));
    assert_eq!(verdict.outcome, Err(Reason::Specimen));
    assert_eq!(verdict.claims, None);
    assert_eq!(reason(&verdict).map(Reason::code), Some("specimen"));

    // Whatever follows the prefix, even a real credential's QR, it is a specimen.
    let real = to_qr_text(&authority.credential(&claims(PassKind::Person)));
    assert_eq!(verifier.verify_qr(&real, NOW, Some(OFFICE)).outcome, Ok(()));
    let body = real.strip_prefix("PP2:").expect("a real QR");
    for glued in [format!("{SPECIMEN_PREFIX}{body}"), format!("{SPECIMEN_PREFIX}{real}")] {
        assert_eq!(verifier.verify_qr(&glued, NOW, None).outcome, Err(Reason::Specimen));
    }
    // The first check: a gate with no trust list and no hotlist still names it, and warns.
    let bare = Verifier::new(authority.root.public()).verify_qr(&specimen, NOW, None);
    assert_eq!(bare.outcome, Err(Reason::Specimen));
    assert_eq!(bare.warnings, vec![Warning::NoHotlist]);
}

#[test]
fn staleness_is_judged_from_the_signed_time_not_the_fetch_time() {
    let authority = Authority::new(Algorithm::EdDsa);
    let qr = to_qr_text(&authority.credential(&claims(PassKind::Person)));
    let mut verifier = authority.verifier();
    let stale = |hours| {
        vec![Warning::HotlistStale {
            age: Duration::hours(hours),
        }]
    };

    // Fetched just now, but the newest delta was signed 30 h ago.
    verifier.set_hotlist(authority.hotlist_from(&[HotlistDelta {
        revoked_passes: vec![revoked_pass(
            &PassClaims {
                pass_id: "KEL-2026-000999".into(),
                ..claims(PassKind::Person)
            },
            Revocation::Voided,
        )],
        ..empty_delta(0, 2, NOW - Duration::hours(30))
    }]));
    assert_eq!(verifier.hotlist().fetched_at, Some(NOW));
    let verdict = verifier.verify_qr(&qr, NOW, Some(OFFICE));
    assert_eq!(verdict.outcome, Ok(()), "a stale hotlist warns, it does not refuse");
    assert_eq!(verdict.warnings, stale(30));
    assert!(verdict.warnings[0].message(Lang::En).contains("signed 30 hours ago"));
    assert!(verdict.warnings[0].message(Lang::ZhTw).contains("30 小時前簽發"));

    // The authority's signed "nothing new since 2", issued now, makes it fresh.
    let nothing_new = authority.sign_delta(&empty_delta(2, 2, NOW));
    verifier
        .hotlist_mut()
        .apply(&HotlistDelta::verify(&nothing_new, &authority.root.public()).expect("verify"))
        .expect("apply");
    assert_eq!(verifier.hotlist().sequence(), 2);
    assert_eq!(verifier.verify_qr(&qr, NOW, Some(OFFICE)).warnings, vec![]);

    // A replayed old delta does not age it again, nor lower the sequence.
    verifier
        .hotlist_mut()
        .apply(&authority.through_the_wire(&empty_delta(0, 1, NOW - Duration::hours(30))))
        .expect("an old delta is no error");
    assert_eq!(verifier.hotlist().sequence(), 2);
    assert_eq!(verifier.hotlist().issued_at(), Some(NOW));
    assert_eq!(verifier.verify_qr(&qr, NOW, Some(OFFICE)).warnings, vec![]);

    // The fetch time is for display only: a fetch long ago does not make a freshly signed list stale.
    verifier.hotlist_mut().fetched_at = Some(NOW - Duration::days(10));
    assert_eq!(verifier.verify_qr(&qr, NOW, Some(OFFICE)).warnings, vec![]);
    // Time passes at the gate: the age counts from the signature.
    assert_eq!(
        verifier
            .verify_qr(&qr, NOW + Duration::hours(25), Some(OFFICE))
            .warnings,
        stale(25)
    );
}

#[test]
fn the_first_failing_check_in_the_documented_order_decides() {
    let authority = Authority::new(Algorithm::EdDsa);
    let verifier = authority.verifier();
    let person = claims(PassKind::Person);
    let qr = to_qr_text(&authority.credential(&person));
    // Expired and at the wrong port: expired comes first.
    assert_eq!(
        reason(&verifier.verify_qr(&qr, person.valid_to, Some("TWKHH"))),
        Some(&Reason::Expired)
    );
    // Copied to another card and at the wrong port: the binding comes first.
    let chip = authority.credential(&chip_claims(PassKind::Person));
    assert_eq!(
        reason(&verifier.verify_chip(&chip, &[1, 2, 3, 4], None, NOW, Some("TWKHH"))),
        Some(&Reason::ChipBoundToAnotherCard)
    );
    // A revoked signer of an expired pass: the signer comes first.
    let revoked = authority.verifier_trusting(vec![signer(&authority.station, OFFICE, SignerStatus::Revoked)]);
    assert_eq!(
        reason(&revoked.verify_qr(&qr, person.valid_to, None)),
        Some(&Reason::SignerRevoked)
    );
}

/// Flips the lowest bit of the byte at `at` and verifies the result as a QR.
fn verify_flipped(verifier: &Verifier, cose: &[u8], at: usize) -> Verdict {
    let mut tampered = cose.to_vec();
    tampered[at] ^= 0x01;
    verifier.verify_qr(&to_qr_text(&tampered), NOW, None)
}

fn position(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
        .expect("present")
}

#[test]
fn one_flipped_byte_in_any_section_is_refused() {
    let authority = Authority::new(Algorithm::EdDsa);
    let verifier = authority.verifier();
    let person = claims(PassKind::Person);
    let cose = authority.credential(&person);

    // Protected header: a kid byte names a key nobody trusts.
    let kid_at = position(&cose, &authority.station.kid().0);
    assert_eq!(
        reason(&verify_flipped(&verifier, &cose, kid_at)),
        Some(&Reason::UnknownSigner)
    );
    // Protected header: alg EdDSA (0x27, -8) becomes ES256 (0x26, -7), which the Ed25519 key cannot have made.
    assert_eq!(cose[kid_at - 4..kid_at - 2], [0x01, 0x27], "alg sits before the kid");
    assert_eq!(
        reason(&verify_flipped(&verifier, &cose, kid_at - 3)),
        Some(&Reason::BadSignature)
    );
    // Payload: one digit of the tax ID, still well-formed CBOR.
    let tax_id_at = position(&cose, person.company_tax_id.as_bytes());
    assert_eq!(
        reason(&verify_flipped(&verifier, &cose, tax_id_at + 7)),
        Some(&Reason::BadSignature)
    );
    // Signature: its last byte.
    assert_eq!(
        reason(&verify_flipped(&verifier, &cose, cose.len() - 1)),
        Some(&Reason::BadSignature)
    );
    // Envelope: the CBOR tag.
    assert!(matches!(
        reason(&verify_flipped(&verifier, &cose, 0)),
        Some(Reason::Malformed(_))
    ));
}

#[test]
fn each_bad_qr_text_has_its_own_error() {
    let authority = Authority::new(Algorithm::EdDsa);
    let qr = to_qr_text(&authority.credential(&claims(PassKind::Person)));
    let cose = authority.credential(&claims(PassKind::Person));
    assert_eq!(from_qr_text(&qr).expect("reads"), cose);
    let zlib_card = {
        use std::io::Write as _;
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&cose).expect("compress");
        format!("PP1:{}", base45::encode(encoder.finish().expect("compress")))
    };
    assert_eq!(
        from_qr_text(&zlib_card).expect("a card printed before PP2: still reads"),
        cose
    );
    assert_eq!(
        from_qr_text(&format!("{qr}\r\n")).expect("a scanner's line ending is ignored"),
        cose
    );

    assert!(matches!(
        from_qr_text(&qr.replacen("PP2:", "HC1:", 1)),
        Err(CredentialError::QrPrefix)
    ));
    assert!(matches!(
        from_qr_text(&qr.to_lowercase()),
        Err(CredentialError::QrPrefix)
    ));
    assert!(matches!(
        from_qr_text(&format!("PP2:{}", "0".repeat(5000))),
        Err(CredentialError::QrTooLong { .. })
    ));
    // A cut text is refused as base45, or, where what is left is still base45,
    // its COSE bytes are cut short and the verifier calls them malformed.
    let verifier = authority.verifier();
    for cut in 1..=4 {
        let truncated = &qr[..qr.len() - cut];
        match from_qr_text(truncated) {
            Err(error) => assert!(matches!(error, CredentialError::QrBase45), "cut {cut}: {error:?}"),
            Ok(_) => assert!(
                matches!(
                    verifier.verify_qr(truncated, NOW, None).outcome,
                    Err(Reason::Malformed(_))
                ),
                "cut {cut}: accepted"
            ),
        }
    }
    let lone_char = if (qr.len() - 4).is_multiple_of(3) {
        format!("{qr}A")
    } else {
        qr[..qr.len() - 1].to_owned()
    };
    assert!(
        matches!(from_qr_text(&lone_char), Err(CredentialError::QrBase45)),
        "dangling base45 character"
    );
    assert!(
        matches!(from_qr_text("PP1:%69 VD92EX0"), Err(CredentialError::QrZlib)),
        "base45 of \"Hello!!\""
    );

    let bomb = {
        use std::io::Write as _;
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&vec![0; 1 << 20]).expect("compress");
        format!("PP1:{}", base45::encode(encoder.finish().expect("compress")))
    };
    assert!(
        bomb.len() < 4096,
        "the bomb must pass the text cap to test the inflate cap"
    );
    assert!(matches!(
        from_qr_text(&bomb),
        Err(CredentialError::QrInflatedTooLarge { .. })
    ));
}

/// The printed QR's budget (DESIGN §3): version 13 at level Q, 69 × 69 modules.
const CARD_QR_BUDGET: i16 = 13;

/// Signs `claims` with a fresh station key of `algorithm`, checks the QR verifies,
/// prints its size and returns its QR version.
fn qr_version_for(label: &str, claims: &PassClaims, algorithm: Algorithm) -> i16 {
    let authority = Authority::new(algorithm);
    let cose = authority.credential(claims);
    let qr = to_qr_text(&cose);
    let version = qr_version(&qr).expect("fits a QR code");
    println!(
        "{label}, {algorithm:?}: {} COSE bytes, {} QR characters, QR version {version} at level Q",
        cose.len(),
        qr.len()
    );
    assert_eq!(authority.verifier().verify_qr(&qr, NOW, None).outcome, Ok(()));
    version
}

#[test]
fn a_20_character_cjk_name_and_six_ports_fit_the_qr_budget_with_both_algorithms() {
    let claims = budget_claims();
    assert_eq!(claims.holder.chars().count(), 20);
    assert_eq!(claims.ports.len(), 6);
    // ES256 signatures are r || s, 64 bytes like Ed25519's: the same size.
    for algorithm in [Algorithm::EdDsa, Algorithm::Es256] {
        let version = qr_version_for("budget case", &claims, algorithm);
        assert!(
            version <= CARD_QR_BUDGET,
            "QR version {version} exceeds the budget of {CARD_QR_BUDGET}"
        );
    }
}

#[test]
fn the_largest_serials_still_fit_a_qr_code_the_card_can_print() {
    // Version and print at u32::MAX: ten digits each, which no real pass reaches.
    let version = qr_version_for("worst case", &worst_case_claims(), Algorithm::EdDsa);
    assert!(version <= CARD_QR_BUDGET + 1, "QR version {version}");
}

#[test]
fn a_typical_credential_needs_a_smaller_qr_code() {
    let version = qr_version_for(
        "typical (3-character name, 2 ports)",
        &claims(PassKind::Person),
        Algorithm::EdDsa,
    );
    assert!(version < CARD_QR_BUDGET, "QR version {version}");
}

#[test]
fn the_issuer_is_the_office_the_signer_is_certified_for() {
    let authority = Authority::new(Algorithm::EdDsa);
    let qr = to_qr_text(&authority.credential(&claims(PassKind::Person)));
    let verdict = authority
        .verifier_trusting(vec![signer(&authority.station, "TWKHH", SignerStatus::Active)])
        .verify_qr(&qr, NOW, None);
    assert_eq!(verdict.outcome, Ok(()));
    assert_eq!(verdict.claims.map(|claims| claims.issuer).as_deref(), Some("TWKHH"));
}

#[test]
fn warnings_say_when_the_hotlist_is_missing_or_stale() {
    let authority = Authority::new(Algorithm::EdDsa);
    let qr = to_qr_text(&authority.credential(&claims(PassKind::Person)));
    let mut verifier = authority.verifier();
    assert_eq!(verifier.verify_qr(&qr, NOW, None).warnings, vec![]);

    // Fetched, but no signed delta applied: there is no hotlist to trust.
    let mut fetched_only = Hotlist::new();
    fetched_only.fetched_at = Some(NOW);
    verifier.set_hotlist(fetched_only);
    assert_eq!(verifier.verify_qr(&qr, NOW, None).warnings, vec![Warning::NoHotlist]);

    let signed_at = |age| authority.hotlist_from(&[empty_delta(0, 0, NOW - age)]);
    verifier.set_hotlist(signed_at(Duration::hours(30)));
    let verdict = verifier.verify_qr(&qr, NOW, None);
    assert_eq!(verdict.outcome, Ok(()), "a stale hotlist warns, it does not refuse");
    let stale = vec![Warning::HotlistStale {
        age: Duration::hours(30),
    }];
    assert_eq!(verdict.warnings, stale);
    assert_eq!(
        verifier.verify_qr("junk", NOW, None).warnings,
        stale,
        "warnings come with refusals too"
    );

    // The maximum age itself is still fresh.
    verifier.set_hotlist(signed_at(Verifier::DEFAULT_HOTLIST_MAX_AGE));
    assert_eq!(verifier.verify_qr(&qr, NOW, None).warnings, vec![]);
    verifier.set_hotlist(signed_at(Verifier::DEFAULT_HOTLIST_MAX_AGE + Duration::SECOND));
    assert_eq!(verifier.verify_qr(&qr, NOW, None).warnings.len(), 1);

    verifier.set_hotlist(signed_at(Duration::hours(30)));
    verifier.set_hotlist_max_age(Duration::hours(48));
    assert!(verifier.verify_qr(&qr, NOW, None).warnings.is_empty());
    assert_eq!(verifier.verify_qr("junk", NOW, None).warnings, vec![]);
}

#[test]
fn a_trust_list_is_accepted_only_from_the_pinned_root_and_never_rolled_back() {
    let authority = Authority::new(Algorithm::EdDsa);
    let entries = vec![signer(&authority.station, OFFICE, SignerStatus::Active)];
    let mut verifier = authority.verifier();

    let impostor = Authority::new(Algorithm::EdDsa);
    let foreign = impostor.signed_trust_list(9, entries.clone());
    assert!(matches!(
        verifier.load_trust_list(&foreign),
        Err(CredentialError::NotSignedByRoot { .. })
    ));

    let mut tampered = authority.signed_trust_list(5, entries.clone());
    let at = tampered.len() - 70; // inside the payload
    tampered[at] ^= 0x01;
    assert!(matches!(
        verifier.load_trust_list(&tampered),
        Err(CredentialError::BadSignature { .. })
    ));

    verifier
        .load_trust_list(&authority.signed_trust_list(5, entries.clone()))
        .expect("newer list");
    assert!(matches!(
        verifier.load_trust_list(&authority.signed_trust_list(4, entries)),
        Err(CredentialError::TrustListRollback { held: 5, offered: 4 })
    ));
    let list = verifier.trust_list().expect("held");
    assert_eq!(list.sequence, 5);
    assert_eq!(
        list.find(&authority.station.kid()).map(|entry| entry.office.as_str()),
        Some(OFFICE)
    );
}

#[test]
fn keys_round_trip_through_pkcs8_cose_key_and_jwk() {
    for algorithm in ALGORITHMS {
        let key = SigningKey::generate(algorithm).expect("key");
        let der = key.to_pkcs8_der().expect("der");
        if algorithm == Algorithm::EdDsa {
            assert_eq!(der.len(), 48, "the RFC 8410 form openssl writes and reads");
        }
        let from_der = SigningKey::from_pkcs8_der(&der).expect("read der");
        let from_pem = SigningKey::from_pkcs8_pem(&key.to_pkcs8_pem().expect("pem")).expect("read pem");
        assert_eq!(from_der.public(), key.public());
        assert_eq!(from_pem.public(), key.public());

        let public = key.public();
        let cose_key = public.to_cose_key().expect("cose key");
        assert_eq!(PublicKey::from_cose_key(&cose_key).expect("read cose key"), public);
        let jwk = public.to_jwk();
        let kty = if algorithm == Algorithm::EdDsa { "OKP" } else { "EC" };
        assert_eq!(jwk["kty"], kty);
        assert_eq!(
            jwk["kid"].as_str().map(str::len),
            Some(11),
            "8 bytes in unpadded base64url"
        );
    }
    assert!(matches!(
        SigningKey::from_pkcs8_der(b"not a key"),
        Err(CredentialError::Key(_))
    ));
}

#[test]
fn a_cose_key_whose_kid_is_not_its_own_is_refused() {
    let key = SigningKey::generate(Algorithm::EdDsa).expect("key").public();
    let mut cose_key = key.to_cose_key().expect("cose key");
    let kid_at = position(&cose_key, &key.kid().0);
    cose_key[kid_at] ^= 0x01;
    assert!(matches!(
        PublicKey::from_cose_key(&cose_key),
        Err(CredentialError::Key(_))
    ));
}

#[test]
fn no_secret_reaches_debug_output() {
    for algorithm in ALGORITHMS {
        let key = SigningKey::generate(algorithm).expect("key");
        let debug = format!("{key:?}");
        let secret = match &key {
            SigningKey::Ed25519(inner) => inner.to_bytes().to_vec(),
            SigningKey::Es256(inner) => inner.to_bytes().to_vec(),
        };
        assert!(!debug.to_lowercase().contains(&hex::encode(&secret[..4])), "{debug}");
        assert!(!debug.contains(&format!("{:?}", &secret[..4])[1..8]), "{debug}");
        assert!(debug.contains(&key.kid().to_string()));
    }
}

#[test]
fn signing_refuses_claims_the_gate_would_call_malformed() {
    let key = SigningKey::generate(Algorithm::EdDsa).expect("key");
    let no_ports = PassClaims {
        ports: vec![],
        ..claims(PassKind::Person)
    };
    let backwards = PassClaims {
        valid_to: datetime!(2025-01-01 00:00 UTC),
        ..claims(PassKind::Person)
    };
    let print_0 = PassClaims {
        print: 0,
        ..claims(PassKind::Person)
    };
    for bad in [no_ports, backwards, print_0] {
        assert!(matches!(
            pass_credential::sign(&bad, &key),
            Err(CredentialError::InvalidClaims(_))
        ));
    }
}

#[test]
fn every_reason_has_a_distinct_code_and_message_in_both_languages() {
    let mut reasons = vec![
        Reason::Specimen,
        Reason::Malformed("x".into()),
        Reason::NoTrustList,
        Reason::UnknownSigner,
        Reason::BadSignature,
        Reason::SignerRevoked,
        Reason::SignerOutOfValidity,
        Reason::NotYetValid,
        Reason::Expired,
    ];
    reasons.extend(Revocation::ALL.map(Reason::Revoked));
    reasons.extend([
        Reason::NotValidAtThisPort,
        Reason::ChipBoundToAnotherCard,
        Reason::NotHandedOver {
            state: "printed".into(),
        },
    ]);
    let codes: HashSet<&str> = reasons.iter().map(Reason::code).collect();
    assert_eq!(codes.len(), reasons.len(), "codes");
    for lang in [Lang::ZhTw, Lang::En] {
        let messages: HashSet<String> = reasons.iter().map(|r| r.message(lang)).collect();
        assert_eq!(messages.len(), reasons.len(), "{lang:?}");
    }
    assert!(Reason::Expired.message(Lang::ZhTw).contains("已過期"));
    assert!(Reason::Expired.message(Lang::En).contains("card office"));
    assert!(Reason::Specimen.message(Lang::En).contains("specimen"));
    assert!(Reason::Specimen.message(Lang::ZhTw).contains("樣張"));

    // The station's own refusal says where the card stands at the office.
    let states = [
        "approved",
        "printed",
        "print_verified",
        "encoded",
        "released",
        "superseded",
        "lost in the post",
    ];
    for lang in [Lang::ZhTw, Lang::En] {
        let messages: HashSet<String> = states
            .iter()
            .map(|state| Reason::NotHandedOver { state: (*state).into() }.message(lang))
            .collect();
        assert_eq!(messages.len(), states.len(), "{lang:?}");
    }
    let not_handed_over = Reason::NotHandedOver {
        state: "encoded".into(),
    };
    assert_eq!(not_handed_over.code(), "not_handed_over");
    assert!(not_handed_over.message(Lang::En).contains("chip written"));
}
