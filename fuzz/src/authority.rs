//! A fixed authority: the root key a gate pins, station keys it certified, the
//! signed trust list and a hotlist, and signing of arbitrary payloads with them.

use std::sync::OnceLock;

use coset::{CoseSign1Builder, HeaderBuilder, TaggedCborSerializable as _, iana};
use ed25519_dalek::Signer as _;
use pass_credential::{
    Hotlist, HotlistDelta, PassClaims, PassKind, PublicKey, Revocation, RevokedPass, RevokedPrint, SignerEntry,
    SignerStatus, SigningKey, TrustList, Verifier, VoidedCard,
};
use time::OffsetDateTime;
use time::macros::datetime;

/// The office the stations issue for, and the port the gate checks.
pub const OFFICE: &str = "TWKEL";
/// Inside the sample passes' validity and after their issue.
pub const NOW: OffsetDateTime = datetime!(2026-03-01 09:00 UTC);
/// The UID the sample chip credentials are bound to.
pub const CARD_UID: [u8; 7] = [0x04, 0x52, 0x8A, 0x1B, 0x3C, 0x5D, 0x80];
/// The pass version the hotlist revokes, a print it revokes (pass, version,
/// print), and a chip it voids.
pub const REVOKED_PASS: (&str, u32) = ("KEL-2026-000666", 2);
pub const REVOKED_PRINT: (&str, u32, u32) = ("KEL-2026-000001", 1, 2);
pub const VOIDED_CARD: [u8; 7] = [0x04, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66];

const ROOT_SEED: [u8; 32] = [0x52; 32];
const STATION_SEED: [u8; 32] = [0x53; 32];
const REVOKED_STATION_SEED: [u8; 32] = [0x54; 32];
const UNCERTIFIED_STATION_SEED: [u8; 32] = [0x55; 32];
/// A P-256 private scalar (below the group order).
const ES256_STATION_SCALAR: [u8; 32] = [0x45; 32];

/// PKCS#8 for an Ed25519 seed (RFC 8410, no public key), as `openssl genpkey` writes it.
fn ed25519_pkcs8(seed: &[u8; 32]) -> Vec<u8> {
    let prefix = [
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
    ];
    [&prefix[..], seed].concat()
}

/// PKCS#8 for a P-256 scalar (RFC 5915 ECPrivateKey without the optional public key).
fn p256_pkcs8(scalar: &[u8; 32]) -> Vec<u8> {
    let prefix = [
        0x30, 0x41, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08,
        0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x04, 0x27, 0x30, 0x25, 0x02, 0x01, 0x01, 0x04, 0x20,
    ];
    [&prefix[..], scalar].concat()
}

fn key(der: &[u8]) -> SigningKey {
    SigningKey::from_pkcs8_der(der).expect("a fixed test key reads")
}

/// The authority and what it has published.
#[derive(Debug)]
pub struct Authority {
    pub root: SigningKey,
    /// Certified for [`OFFICE`], Ed25519.
    pub station: SigningKey,
    /// Certified for [`OFFICE`], ES256.
    pub es256_station: SigningKey,
    /// Certified for [`OFFICE`], then revoked.
    pub revoked_station: SigningKey,
    /// A station key nobody certified (an audit head's signer in the harness).
    pub uncertified_station: SigningKey,
    /// The trust list the verifier holds, as signed.
    pub trust_list: Vec<u8>,
    /// The hotlist delta the verifier applied, as signed.
    pub hotlist_delta: Vec<u8>,
    pub verifier: Verifier,
}

impl Authority {
    /// Built once per process: signing the trust list is not part of what is fuzzed.
    pub fn get() -> &'static Authority {
        static AUTHORITY: OnceLock<Authority> = OnceLock::new();
        AUTHORITY.get_or_init(Authority::new)
    }

    fn new() -> Authority {
        let root = key(&ed25519_pkcs8(&ROOT_SEED));
        let station = key(&ed25519_pkcs8(&STATION_SEED));
        let es256_station = key(&p256_pkcs8(&ES256_STATION_SCALAR));
        let revoked_station = key(&ed25519_pkcs8(&REVOKED_STATION_SEED));
        let uncertified_station = key(&ed25519_pkcs8(&UNCERTIFIED_STATION_SEED));
        let entry = |key: &SigningKey, status| SignerEntry {
            public_key: key.public(),
            office: OFFICE.into(),
            valid_from: datetime!(2025-01-01 00:00 UTC),
            valid_to: datetime!(2030-01-01 00:00 UTC),
            status,
        };
        let trust_list = TrustList {
            sequence: 7,
            issued_at: NOW,
            signers: vec![
                entry(&station, SignerStatus::Active),
                entry(&es256_station, SignerStatus::Active),
                entry(&revoked_station, SignerStatus::Revoked),
            ],
            pickup_signers: Vec::new(),
        }
        .sign(&root)
        .expect("the trust list signs");
        let hotlist_delta = HotlistDelta {
            from_sequence: 0,
            to_sequence: 3,
            issued_at: NOW,
            revoked_passes: vec![RevokedPass {
                pass_id: REVOKED_PASS.0.into(),
                version: REVOKED_PASS.1,
                expires: datetime!(2027-01-01 00:00 UTC),
                why: Revocation::Revoked,
            }],
            voided_cards: vec![VoidedCard {
                card_uid: VOIDED_CARD.to_vec(),
                expires: datetime!(2027-01-01 00:00 UTC),
                why: Revocation::Voided,
            }],
            revoked_prints: vec![RevokedPrint {
                pass_id: REVOKED_PRINT.0.into(),
                version: REVOKED_PRINT.1,
                print: REVOKED_PRINT.2,
                expires: datetime!(2027-01-01 00:00 UTC),
                why: Revocation::Spoiled,
            }],
        }
        .sign(&root)
        .expect("the hotlist delta signs");
        let mut verifier = Verifier::new(root.public());
        verifier.load_trust_list(&trust_list).expect("the trust list verifies");
        let delta = HotlistDelta::verify(&hotlist_delta, &root.public()).expect("the delta verifies");
        let mut hotlist = Hotlist::new();
        hotlist.apply(&delta).expect("the delta applies");
        hotlist.fetched_at = Some(NOW);
        verifier.set_hotlist(hotlist);
        Authority {
            root,
            station,
            es256_station,
            revoked_station,
            uncertified_station,
            trust_list,
            hotlist_delta,
            verifier,
        }
    }

    pub fn root_public(&self) -> PublicKey {
        self.root.public()
    }

    /// Signs any bytes as a COSE_Sign1 payload under the root key, the way the
    /// authority signs a trust list or hotlist delta.
    pub fn root_signed(&self, payload: &[u8]) -> Vec<u8> {
        cose_sign1_ed25519(&ROOT_SEED, &self.root, payload, &[])
    }

    /// Signs any bytes as a credential of the certified Ed25519 station.
    pub fn station_signed(&self, payload: &[u8]) -> Vec<u8> {
        cose_sign1_ed25519(&STATION_SEED, &self.station, payload, &[])
    }

    /// Signs any bytes as an audit head of the uncertified station (bound to
    /// the audit head's external AAD, as `AuditHead::sign` does).
    pub fn audit_head_signed(&self, payload: &[u8]) -> Vec<u8> {
        cose_sign1_ed25519(
            &UNCERTIFIED_STATION_SEED,
            &self.uncertified_station,
            payload,
            AUDIT_HEAD_AAD,
        )
    }
}

/// The external AAD an audit head's signature is bound to (`pass_credential::audit_head`).
const AUDIT_HEAD_AAD: &[u8] = b"PP1 audit head";

/// A tagged COSE_Sign1 with `alg` EdDSA and the signer's `kid`, signed with the
/// key whose seed is given (the same key as `signer`).
fn cose_sign1_ed25519(seed: &[u8; 32], signer: &SigningKey, payload: &[u8], external_aad: &[u8]) -> Vec<u8> {
    let secret = ed25519_dalek::SigningKey::from_bytes(seed);
    let protected = HeaderBuilder::new()
        .algorithm(iana::Algorithm::EdDSA)
        .key_id(signer.kid().as_bytes().to_vec())
        .build();
    CoseSign1Builder::new()
        .protected(protected)
        .payload(payload.to_vec())
        .create_signature(external_aad, |to_be_signed| {
            secret.sign(to_be_signed).to_bytes().to_vec()
        })
        .build()
        .to_tagged_vec()
        .expect("COSE encoding into memory")
}

/// Sample claims: one per kind, a chip credential, and passes each verdict refuses.
pub fn sample_claims() -> Vec<(&'static str, PassClaims)> {
    let base = PassClaims {
        issuer: OFFICE.into(),
        pass_id: "KEL-2026-000001".into(),
        version: 1,
        print: 1,
        kind: PassKind::Person,
        holder: "王小明".into(),
        company_tax_id: "22099131".into(),
        ports: vec!["TWKEL".into(), "TWTPE".into()],
        valid_from: datetime!(2026-01-01 00:00 UTC),
        valid_to: datetime!(2027-01-01 00:00 UTC),
        issued_at: datetime!(2025-12-20 10:30 UTC),
        card_uid: None,
        photo_sha256: None,
    };
    vec![
        ("person", base.clone()),
        (
            "vehicle",
            PassClaims {
                kind: PassKind::Vehicle,
                holder: "ABC-1234".into(),
                ..base.clone()
            },
        ),
        (
            "temporary-person-long",
            PassClaims {
                kind: PassKind::TemporaryPerson,
                holder: "歐陽龍鳳麟鑫瀚寶麗鸞鑾齋巖灣廳鬱韻藝鐵讓".into(),
                version: u32::MAX,
                print: u32::MAX,
                ports: ["TWKEL", "TWTPE", "TWTXG", "TWKHH", "TWHUN", "TWSUO"]
                    .map(String::from)
                    .to_vec(),
                ..base.clone()
            },
        ),
        (
            "temporary-vehicle",
            PassClaims {
                kind: PassKind::TemporaryVehicle,
                holder: "KLG-0007".into(),
                pass_id: "KEL#7".into(),
                ..base.clone()
            },
        ),
        (
            "expired",
            PassClaims {
                valid_to: datetime!(2026-02-01 00:00 UTC),
                ..base.clone()
            },
        ),
        (
            "not-yet-valid",
            PassClaims {
                valid_from: datetime!(2026-06-01 00:00 UTC),
                ..base.clone()
            },
        ),
        (
            "other-port",
            PassClaims {
                ports: vec!["TWKHH".into()],
                ..base.clone()
            },
        ),
        (
            "revoked-pass",
            PassClaims {
                pass_id: REVOKED_PASS.0.into(),
                version: REVOKED_PASS.1,
                ..base.clone()
            },
        ),
        (
            "revoked-print",
            PassClaims {
                print: REVOKED_PRINT.2,
                ..base.clone()
            },
        ),
        (
            "chip",
            PassClaims {
                card_uid: Some(CARD_UID.to_vec()),
                ..base.clone()
            },
        ),
        (
            "chip-voided",
            PassClaims {
                card_uid: Some(VOIDED_CARD.to_vec()),
                ..base
            },
        ),
    ]
}
