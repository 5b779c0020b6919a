//! Credentials end to end: signing, QR and chip round trips, every refusal reason
//! built for real, tampering, the QR text's errors, the QR budget, and key formats.

mod common;

use common::{Authority, CARD_UID, NOW, OFFICE, chip_claims, claims, signer, worst_case_claims};
use coset::{CoseSign1Builder, HeaderBuilder, TaggedCborSerializable as _, iana};
use pass_credential::{
    Algorithm, CredentialError, Lang, PassClaims, PassKind, PublicKey, Reason, RevokedPass, SignerEntry, SignerStatus,
    SigningKey, Verdict, Verifier, VoidedCard, Warning, from_qr_text, qr_version, to_qr_text,
};
use time::macros::datetime;

const ALGORITHMS: [Algorithm; 2] = [Algorithm::EdDsa, Algorithm::Es256];

fn reason(verdict: &Verdict) -> Option<&Reason> {
    verdict.outcome.as_ref().err()
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
            let verdict = verifier.verify_chip(&authority.credential(&encoded), &CARD_UID, NOW, Some(OFFICE));
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
        verifier.verify_chip(&authority.credential(&person), &CARD_UID, NOW, None),
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
        "a station certified for another office",
        authority
            .verifier_trusting(vec![signer(&authority.station, "TWKHH", SignerStatus::Active)])
            .verify_qr(&qr(person.clone()), NOW, None),
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

    let mut with_hotlist = verifier.clone();
    with_hotlist.set_hotlist(authority.hotlist(
        vec![RevokedPass {
            pass_id: person.pass_id.clone(),
            version: 1,
            expires: person.valid_to,
        }],
        vec![VoidedCard {
            card_uid: CARD_UID.to_vec(),
            expires: person.valid_to,
        }],
    ));
    case(
        "revoked pass",
        with_hotlist.verify_qr(&qr(person.clone()), NOW, None),
        Reason::PassRevoked,
    );
    let reissued = PassClaims {
        version: 2,
        ..chip_claims(PassKind::Person)
    };
    case(
        "voided card",
        with_hotlist.verify_chip(&authority.credential(&reissued), &CARD_UID, NOW, None),
        Reason::CardVoided,
    );
    case(
        "chip credential on another card",
        verifier.verify_chip(
            &authority.credential(&chip_claims(PassKind::Person)),
            &[0x04, 0x11, 0x22, 0x33],
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
            Reason::Malformed(_) | Reason::NoTrustList | Reason::UnknownSigner | Reason::BadSignature
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
        vec![RevokedPass {
            pass_id: version_2.pass_id.clone(),
            version: 1,
            expires: version_2.valid_to,
        }],
        vec![],
    ));
    let verdict = verifier.verify_qr(&to_qr_text(&authority.credential(&version_2)), NOW, None);
    assert_eq!(verdict.outcome, Ok(()), "version 2 is not the revoked version 1");
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
        reason(&verifier.verify_chip(&chip, &[1, 2, 3, 4], NOW, Some("TWKHH"))),
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
    assert_eq!(
        from_qr_text(&format!("{qr}\r\n")).expect("a scanner's line ending is ignored"),
        cose
    );

    assert!(matches!(
        from_qr_text(&qr.replacen("PP1:", "HC1:", 1)),
        Err(CredentialError::QrPrefix)
    ));
    assert!(matches!(
        from_qr_text(&qr.to_lowercase()),
        Err(CredentialError::QrPrefix)
    ));
    assert!(matches!(
        from_qr_text(&format!("PP1:{}", "0".repeat(5000))),
        Err(CredentialError::QrTooLong { .. })
    ));
    for cut in 1..=2 {
        let truncated = &qr[..qr.len() - cut];
        let error = from_qr_text(truncated).expect_err("truncated text accepted");
        assert!(
            matches!(error, CredentialError::QrBase45 | CredentialError::QrZlib),
            "cut {cut}: {error:?}"
        );
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

/// The QR version the card layout reserves room for, at level Q. DESIGN §3 hoped for
/// version 10, but version 10-Q holds 221 alphanumeric characters (146 bytes), less
/// than a 64-byte signature, a 60-byte CJK name and the COSE framing need.
const CARD_QR_BUDGET: i16 = 15;

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
fn an_ed25519_credential_for_a_20_character_cjk_name_and_six_ports_fits_the_card_budget() {
    let claims = worst_case_claims();
    assert_eq!(claims.holder.chars().count(), 20);
    assert_eq!(claims.ports.len(), 6);
    let version = qr_version_for("worst case", &claims, Algorithm::EdDsa);
    assert!(
        version <= CARD_QR_BUDGET,
        "QR version {version} exceeds the card's budget of {CARD_QR_BUDGET}"
    );
}

#[test]
fn an_es256_worst_case_credential_fits_the_same_budget() {
    // ES256 signatures are r || s, 64 bytes like Ed25519's: the same size.
    let version = qr_version_for("worst case", &worst_case_claims(), Algorithm::Es256);
    assert!(
        version <= CARD_QR_BUDGET,
        "QR version {version} exceeds the card's budget of {CARD_QR_BUDGET}"
    );
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
fn warnings_say_when_the_hotlist_is_missing_or_stale() {
    let authority = Authority::new(Algorithm::EdDsa);
    let qr = to_qr_text(&authority.credential(&claims(PassKind::Person)));
    let mut verifier = authority.verifier();
    verifier.hotlist_mut().fetched_at = None;
    assert_eq!(verifier.verify_qr(&qr, NOW, None).warnings, vec![Warning::NoHotlist]);

    verifier.hotlist_mut().fetched_at = Some(NOW - time::Duration::hours(30));
    let verdict = verifier.verify_qr(&qr, NOW, None);
    assert_eq!(verdict.outcome, Ok(()), "a stale hotlist warns, it does not refuse");
    assert_eq!(
        verdict.warnings,
        vec![Warning::HotlistStale {
            age: time::Duration::hours(30)
        }]
    );

    verifier.set_hotlist_max_age(time::Duration::hours(48));
    assert!(verifier.verify_qr(&qr, NOW, None).warnings.is_empty());
    assert_eq!(
        verifier.verify_qr("junk", NOW, None).warnings,
        vec![],
        "warnings come with refusals too"
    );
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
    for bad in [no_ports, backwards] {
        assert!(matches!(
            pass_credential::sign(&bad, &key),
            Err(CredentialError::InvalidClaims(_))
        ));
    }
}

#[test]
fn every_reason_has_a_distinct_message_in_both_languages() {
    let reasons = [
        Reason::Malformed("x".into()),
        Reason::NoTrustList,
        Reason::UnknownSigner,
        Reason::BadSignature,
        Reason::SignerRevoked,
        Reason::SignerOutOfValidity,
        Reason::NotYetValid,
        Reason::Expired,
        Reason::PassRevoked,
        Reason::CardVoided,
        Reason::NotValidAtThisPort,
        Reason::ChipBoundToAnotherCard,
    ];
    for lang in [Lang::ZhTw, Lang::En] {
        let messages: std::collections::HashSet<String> = reasons.iter().map(|r| r.message(lang)).collect();
        assert_eq!(messages.len(), reasons.len(), "{lang:?}");
    }
    assert!(Reason::Expired.message(Lang::ZhTw).contains("已過期"));
    assert!(Reason::Expired.message(Lang::En).contains("card office"));
}
