//! CBOR documents from a card, from central or from a station → the credential
//! crate's readers: credential claims, the trust list, hotlist deltas, the
//! hotlist cache file, COSE keys and audit heads. None may panic; what one of
//! them accepts must write back to the same document.
//!
//! The first byte picks the reader and the rest is its input; with the
//! signed forms (2, 4, 9) the harness signs the rest (with the pinned root
//! key, or a station key for an audit head), and with 6 it appends the
//! checksum, so the parsing behind those checks is reached. Any other first
//! byte gives the whole input to every reader.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pass_credential::{AuditHead, Hotlist, HotlistDelta, PassClaims, PublicKey, TrustList};
use pass_fuzz::authority::Authority;
use sha2::{Digest as _, Sha256};

fuzz_target!(|data: &[u8]| {
    let authority = Authority::get();
    let root = authority.root_public();
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode {
        0 => claims(rest),
        1 => trust_list(rest, authority),
        2 => trust_list(&authority.root_signed(rest), authority),
        3 => hotlist_delta(rest, authority),
        4 => hotlist_delta(&authority.root_signed(rest), authority),
        5 => cache(rest),
        6 => cache(&[rest, Sha256::digest(rest).as_slice()].concat()),
        7 => cose_key(rest),
        8 => audit_head(rest, authority),
        9 => audit_head(&authority.audit_head_signed(rest), authority),
        _ => {
            claims(data);
            let _ = TrustList::verify(data, &root);
            let _ = HotlistDelta::verify(data, &root);
            let _ = Hotlist::from_cache_bytes(data);
            cose_key(data);
            audit_head(data, authority);
        }
    }
});

fn claims(bytes: &[u8]) {
    if let Ok(claims) = PassClaims::from_cwt_bytes(bytes, "TWKEL") {
        let written = claims.to_cwt_bytes().expect("claims that were read can be written");
        assert_eq!(PassClaims::from_cwt_bytes(&written, "TWKEL").expect("and read again"), claims);
    }
}

fn trust_list(bytes: &[u8], authority: &Authority) {
    let root = authority.root_public();
    if let Ok(list) = TrustList::verify(bytes, &root) {
        for signer in &list.signers {
            assert!(list.find(&signer.kid()).is_some());
        }
        let signed = list.sign(&authority.root).expect("a list that was read can be signed");
        assert_eq!(TrustList::verify(&signed, &root).expect("and read again"), list);
        let mut verifier = authority.verifier.clone();
        let _ = verifier.load_trust_list(bytes);
    }
}

fn hotlist_delta(bytes: &[u8], authority: &Authority) {
    let root = authority.root_public();
    let Ok(delta) = HotlistDelta::verify(bytes, &root) else {
        return;
    };
    assert!(delta.from_sequence <= delta.to_sequence);
    let signed = delta
        .sign(&authority.root)
        .expect("a delta that was read can be signed");
    assert_eq!(HotlistDelta::verify(&signed, &root).expect("and read again"), delta);

    let mut hotlist = authority.verifier.hotlist().clone();
    let held = hotlist.sequence();
    match hotlist.apply(&delta) {
        Err(_) => assert!(delta.from_sequence > held, "only a gap is refused"),
        Ok(()) if delta.to_sequence > held => {
            assert_eq!(hotlist.sequence(), delta.to_sequence);
            for pass in &delta.revoked_passes {
                assert!(hotlist.pass_revocation(&pass.pass_id, pass.version).is_some());
            }
            for print in &delta.revoked_prints {
                assert!(
                    hotlist
                        .print_revocation(&print.pass_id, print.version, print.print)
                        .is_some()
                );
            }
            for card in &delta.voided_cards {
                assert!(hotlist.card_revocation(&card.card_uid).is_some());
            }
            assert!(hotlist.issued_at() >= Some(delta.issued_at));
        }
        Ok(()) => assert_eq!(hotlist.sequence(), held, "a delta already held changes nothing"),
    }
    let cached = hotlist.to_cache_bytes();
    assert_eq!(
        Hotlist::from_cache_bytes(&cached).expect("the cache reads back"),
        hotlist
    );
}

fn cache(bytes: &[u8]) {
    if let Ok(hotlist) = Hotlist::from_cache_bytes(bytes) {
        assert_eq!(
            hotlist.to_cache_bytes(),
            bytes,
            "a cache file reads and writes back unchanged"
        );
    }
}

fn audit_head(bytes: &[u8], authority: &Authority) {
    let key = authority.uncertified_station.public();
    if let Ok(head) = AuditHead::verify(bytes, &key) {
        let signed = head
            .sign(&authority.uncertified_station)
            .expect("a head that was read can be signed");
        assert_eq!(AuditHead::verify(&signed, &key).expect("and read again"), head);
    }
}

fn cose_key(bytes: &[u8]) {
    if let Ok(key) = PublicKey::from_cose_key(bytes) {
        let written = key.to_cose_key().expect("a key that was read can be written");
        assert_eq!(PublicKey::from_cose_key(&written).expect("and read again"), key);
        let _ = key.to_jwk();
    }
}
