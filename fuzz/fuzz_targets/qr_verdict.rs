//! QR text read at a gate → the verifier's verdict. Must never panic, and a
//! verdict that admits the holder must rest on claims signed by a station
//! the trust list holds, in their validity, of a pass and print the hotlist
//! does not revoke.
//!
//! The input is the QR text itself, unless its first byte is 0x01 or 0x02:
//! - 0x01: the rest is a claims payload, signed here by the certified station
//!   and put into QR text, so the checks behind the signature are reached;
//! - 0x02: the rest is the COSE bytes, put into QR text (compressed, base45),
//!   and also offered as a chip credential.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pass_credential::{Lang, Reason, to_qr_text};
use pass_fuzz::authority::{Authority, CARD_UID, NOW, OFFICE};

fuzz_target!(|data: &[u8]| {
    let authority = Authority::get();
    let verifier = &authority.verifier;
    let text = match data.split_first() {
        Some((0x01, payload)) => to_qr_text(&authority.station_signed(payload)),
        Some((0x02, cose)) => {
            let chip = verifier.verify_chip(cose, &CARD_UID, None, NOW, Some(OFFICE));
            check(&chip);
            to_qr_text(cose)
        }
        _ => String::from_utf8_lossy(data).into_owned(),
    };
    for port in [Some(OFFICE), None] {
        check(&verifier.verify_qr(&text, NOW, port));
    }
});

fn check(verdict: &pass_credential::Verdict) {
    for lang in [Lang::ZhTw, Lang::En] {
        if let Err(reason) = &verdict.outcome {
            let _ = (reason.code(), reason.message(lang));
        }
        for warning in &verdict.warnings {
            let _ = warning.message(lang);
        }
    }
    let authentic = match &verdict.outcome {
        Ok(()) => true,
        Err(
            Reason::Specimen
            | Reason::Malformed(_)
            | Reason::NoTrustList
            | Reason::UnknownSigner
            | Reason::BadSignature,
        ) => false,
        Err(_) => true,
    };
    assert_eq!(
        authentic,
        verdict.claims.is_some(),
        "claims are shown exactly when their signature checked out: {verdict:?}"
    );
    assert!(
        !matches!(verdict.outcome, Err(Reason::NotHandedOver { .. })),
        "only the issuing station, with its records, says a card was not handed over"
    );
    if verdict.is_valid() {
        let claims = verdict.claims.as_ref().expect("a valid verdict has claims");
        assert!(claims.valid_from <= NOW && NOW < claims.valid_to, "{claims:?}");
        assert_eq!(claims.issuer, OFFICE);
        let hotlist = pass_fuzz::authority::Authority::get().verifier.hotlist();
        assert!(hotlist.pass_revocation(&claims.pass_id, claims.version).is_none());
        assert!(
            hotlist
                .print_revocation(&claims.pass_id, claims.version, claims.print)
                .is_none()
        );
    }
}
