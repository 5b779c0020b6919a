//! A small authority for the tests: a root key, a station key certified for
//! Keelung, sample claims, signed hotlist deltas, and a verifier that trusts
//! that station.
#![allow(dead_code)] // each test binary uses its own part of this

use pass_credential::{
    Algorithm, Hotlist, HotlistDelta, PassClaims, PassKind, RevokedPass, SignerEntry, SignerStatus, SigningKey,
    TrustList, Verifier, VoidedCard,
};
use time::OffsetDateTime;
use time::macros::datetime;

pub const OFFICE: &str = "TWKEL";
/// Inside every sample pass's validity and after its issue.
pub const NOW: OffsetDateTime = datetime!(2026-03-01 09:00 UTC);
pub const CARD_UID: [u8; 7] = [0x04, 0x52, 0x8A, 0x1B, 0x3C, 0x5D, 0x80];

pub fn claims(kind: PassKind) -> PassClaims {
    let holder = match kind {
        PassKind::Person | PassKind::TemporaryPerson => "王小明",
        PassKind::Vehicle | PassKind::TemporaryVehicle => "ABC-1234",
    };
    PassClaims {
        issuer: OFFICE.into(),
        pass_id: "KEL-2026-000001".into(),
        version: 1,
        print: 1,
        kind,
        holder: holder.into(),
        company_tax_id: "22099131".into(),
        ports: vec!["TWKEL".into(), "TWTPE".into()],
        valid_from: datetime!(2026-01-01 00:00 UTC),
        valid_to: datetime!(2027-01-01 00:00 UTC),
        issued_at: datetime!(2025-12-20 10:30 UTC),
        card_uid: None,
        photo_sha256: None,
    }
}

pub fn chip_claims(kind: PassKind) -> PassClaims {
    PassClaims {
        card_uid: Some(CARD_UID.to_vec()),
        ..claims(kind)
    }
}

/// The largest pass the QR budget must hold (DESIGN §3): a 20-character CJK
/// name and six ports, with version and print numbers of three digits.
pub fn budget_claims() -> PassClaims {
    PassClaims {
        holder: "歐陽龍鳳麟鑫瀚寶麗鸞鑾齋巖灣廳鬱韻藝鐵讓".into(),
        version: 999,
        print: 999,
        ports: ["TWKEL", "TWTPE", "TWTXG", "TWKHH", "TWHUN", "TWSUO"]
            .map(String::from)
            .to_vec(),
        ..claims(PassKind::TemporaryPerson)
    }
}

/// The budget's pass with the longest version and print numbers the format allows.
pub fn worst_case_claims() -> PassClaims {
    PassClaims {
        version: u32::MAX,
        print: u32::MAX,
        ..budget_claims()
    }
}

pub fn signer(key: &SigningKey, office: &str, status: SignerStatus) -> SignerEntry {
    SignerEntry {
        public_key: key.public(),
        office: office.into(),
        valid_from: datetime!(2025-01-01 00:00 UTC),
        valid_to: datetime!(2030-01-01 00:00 UTC),
        status,
    }
}

/// The authority and one station.
pub struct Authority {
    pub root: SigningKey,
    pub station: SigningKey,
}

impl Authority {
    pub fn new(station_algorithm: Algorithm) -> Authority {
        Authority {
            root: SigningKey::generate(Algorithm::EdDsa).expect("root key"),
            station: SigningKey::generate(station_algorithm).expect("station key"),
        }
    }

    pub fn signed_trust_list(&self, sequence: u64, signers: Vec<SignerEntry>) -> Vec<u8> {
        TrustList {
            sequence,
            issued_at: NOW,
            signers,
            pickup_signers: Vec::new(),
        }
        .sign(&self.root)
        .expect("sign trust list")
    }

    /// A verifier that trusts `signers` and holds an empty hotlist the
    /// authority signed at [`NOW`] (its "nothing new since 0"), so it is fresh.
    pub fn verifier_trusting(&self, signers: Vec<SignerEntry>) -> Verifier {
        let mut verifier = Verifier::new(self.root.public());
        verifier
            .load_trust_list(&self.signed_trust_list(1, signers))
            .expect("load trust list");
        verifier.set_hotlist(self.hotlist_from(&[empty_delta(0, 0, NOW)]));
        verifier
    }

    /// A verifier that trusts this authority's station for its office.
    pub fn verifier(&self) -> Verifier {
        self.verifier_trusting(vec![signer(&self.station, OFFICE, SignerStatus::Active)])
    }

    pub fn credential(&self, claims: &PassClaims) -> Vec<u8> {
        pass_credential::sign(claims, &self.station).expect("sign credential")
    }

    /// `delta` signed by the root key.
    pub fn sign_delta(&self, delta: &HotlistDelta) -> Vec<u8> {
        delta.sign(&self.root).expect("sign delta")
    }

    /// `delta` as a station receives it: signed by the root, then verified under the pinned root.
    pub fn through_the_wire(&self, delta: &HotlistDelta) -> HotlistDelta {
        HotlistDelta::verify(&self.sign_delta(delta), &self.root.public()).expect("verify delta")
    }

    /// A delta issued at [`NOW`] of revoked passes and voided cards, signed.
    pub fn signed_delta(&self, from: u64, to: u64, passes: Vec<RevokedPass>, cards: Vec<VoidedCard>) -> Vec<u8> {
        self.sign_delta(&HotlistDelta {
            revoked_passes: passes,
            voided_cards: cards,
            ..empty_delta(from, to, NOW)
        })
    }

    /// A hotlist built from `deltas`, each signed, verified and applied in
    /// turn, as fetched at [`NOW`].
    pub fn hotlist_from(&self, deltas: &[HotlistDelta]) -> Hotlist {
        let mut hotlist = Hotlist::new();
        for delta in deltas {
            hotlist.apply(&self.through_the_wire(delta)).expect("apply");
        }
        hotlist.fetched_at = Some(NOW);
        hotlist
    }

    /// A hotlist holding one delta `(0, 1]` issued at [`NOW`].
    pub fn hotlist(&self, passes: Vec<RevokedPass>, cards: Vec<VoidedCard>) -> Hotlist {
        self.hotlist_from(&[HotlistDelta {
            revoked_passes: passes,
            voided_cards: cards,
            ..empty_delta(0, 1, NOW)
        }])
    }
}

/// A delta `(from, to]` issued at `issued_at` with no entries: the authority's
/// "nothing new" when `from == to`; fill in entries with struct update syntax.
pub fn empty_delta(from: u64, to: u64, issued_at: OffsetDateTime) -> HotlistDelta {
    HotlistDelta {
        from_sequence: from,
        to_sequence: to,
        issued_at,
        revoked_passes: vec![],
        voided_cards: vec![],
        revoked_prints: vec![],
    }
}
