//! Properties over generated input: claims survive encoding, and nothing a card or
//! a scanner can present makes the QR reader or the verifier panic.

mod common;

use std::sync::LazyLock;

use common::{Authority, CARD_UID, NOW, claims};
use pass_credential::{Algorithm, PassClaims, PassKind, Verifier, from_qr_text, to_qr_text};
use proptest::prelude::*;
use time::OffsetDateTime;

struct Fixture {
    verifier: Verifier,
    credential: Vec<u8>,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let authority = Authority::new(Algorithm::EdDsa);
    Fixture {
        verifier: authority.verifier(),
        credential: authority.credential(&claims(PassKind::Person)),
    }
});

fn any_time() -> impl Strategy<Value = OffsetDateTime> {
    // Whole seconds, years 1970–2100: what a NumericDate carries.
    (0i64..4_102_444_800).prop_map(|seconds| OffsetDateTime::from_unix_timestamp(seconds).expect("in range"))
}

prop_compose! {
    fn any_claims()(
        issuer in "[A-Z]{5}",
        // Any text, and pass numbers full of the cti's `#` separator.
        pass_id in prop_oneof!["\\PC{1,24}", "[#0-9A-Z-]{1,24}"],
        version in any::<u32>(),
        print in 1..=u32::MAX,
        kind in prop::sample::select(PassKind::ALL.to_vec()),
        holder in "\\PC{1,30}",
        company_tax_id in "[0-9]{8}",
        // UN/LOCODEs, half of them at home (written by their location).
        ports in prop::collection::vec(prop_oneof!["TW[A-Z2-9]{3}", "[A-Z]{2}[A-Z2-9]{3}"], 1..8),
        (valid_from, valid_to) in (any_time(), any_time()).prop_map(|(a, b)| (a.min(b), a.max(b))),
        issued_at in any_time(),
        card_uid in prop::option::of(prop::collection::vec(any::<u8>(), 1..11)),
        photo in prop::option::of(prop::collection::vec(any::<u8>(), 32)),
    ) -> PassClaims {
        // A photo's hash is on a chip credential only.
        let photo_sha256 = photo.filter(|_| card_uid.is_some());
        PassClaims {
            issuer, pass_id, version, print, kind, holder, company_tax_id, ports, valid_from, valid_to, issued_at, card_uid,
            photo_sha256,
        }
    }
}

proptest! {
    #[test]
    fn claims_round_trip_through_cbor(claims in any_claims()) {
        let bytes = claims.to_cwt_bytes().expect("encodes");
        prop_assert_eq!(PassClaims::from_cwt_bytes(&bytes, &claims.issuer).expect("decodes"), claims);
    }

    #[test]
    fn arbitrary_text_never_panics_the_qr_reader_or_verifier(text in any::<String>()) {
        let _ = from_qr_text(&text);
        let verdict = FIXTURE.verifier.verify_qr(&text, NOW, Some("TWKEL"));
        prop_assert!(!verdict.is_valid());
    }

    #[test]
    fn arbitrary_base45_never_panics(body in "[0-9A-Z $%*+./:-]{0,700}") {
        for prefix in ["PP2:", "PP1:"] {
            let text = format!("{prefix}{body}");
            let _ = from_qr_text(&text);
            prop_assert!(!FIXTURE.verifier.verify_qr(&text, NOW, None).is_valid());
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_verifier(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        prop_assert!(!FIXTURE.verifier.verify_chip(&bytes, &CARD_UID, None, NOW, None).is_valid());
        // Packed as a QR, the bytes reach the COSE and CBOR readers.
        prop_assert!(!FIXTURE.verifier.verify_qr(&to_qr_text(&bytes), NOW, None).is_valid());
    }

    #[test]
    fn damaged_credentials_never_panic_the_verifier(
        flips in prop::collection::vec((any::<prop::sample::Index>(), 1u8..), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut damaged = FIXTURE.credential.clone();
        for (at, mask) in flips {
            damaged[at.index(FIXTURE.credential.len())] ^= mask;
        }
        let _ = FIXTURE.verifier.verify_qr(&to_qr_text(&damaged), NOW, None);
        damaged.truncate(cut.index(damaged.len()));
        prop_assert!(!FIXTURE.verifier.verify_qr(&to_qr_text(&damaged), NOW, None).is_valid());
    }
}
