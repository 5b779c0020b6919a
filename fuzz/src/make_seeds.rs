//! Writes the seed inputs of every target into `fuzz/corpus/<target>/seed-*`:
//! real QR texts and COSE documents signed with the harness's fixed keys,
//! hotlist cache files, card scenarios, and feed pages as central sends them.
//!
//! `cargo +nightly run --manifest-path fuzz/Cargo.toml --example make_seeds`

use std::path::{Path, PathBuf};

use coset::{CborSerializable as _, CoseSign1, TaggedCborSerializable as _};
use pass_credential::{AuditHead, Hotlist, HotlistDelta, specimen_text, to_qr_text};
use pass_fuzz::authority::{Authority, sample_claims};
use pass_vcard::{CardMemory, Cipher, VirtualCard};
use serde_json::json;

fn main() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let authority = Authority::get();
    qr_verdict(&corpus.join("qr_verdict"), authority);
    cbor_documents(&corpus.join("cbor_documents"), authority);
    desfire_responses(&corpus.join("desfire_responses"));
    feed_page(&corpus.join("feed_page"));
}

fn writer(dir: &Path) -> impl FnMut(&str, &[u8]) {
    std::fs::create_dir_all(dir).expect("the corpus folder can be made");
    let dir: PathBuf = dir.to_owned();
    move |name, bytes| std::fs::write(dir.join(format!("seed-{name}")), bytes).expect("a seed can be written")
}

fn payload_of(cose: &[u8]) -> Vec<u8> {
    CoseSign1::from_tagged_slice(cose)
        .expect("our own COSE_Sign1")
        .payload
        .expect("attached")
}

fn qr_verdict(dir: &Path, authority: &Authority) {
    let mut write = writer(dir);
    for (name, claims) in sample_claims() {
        let signed = pass_credential::sign(&claims, &authority.station).expect("signs");
        write(name, to_qr_text(&signed).as_bytes());
        write(
            &format!("{name}-claims"),
            &[&[0x01][..], &claims.to_cwt_bytes().expect("encodes")].concat(),
        );
        write(&format!("{name}-cose"), &[&[0x02][..], &signed].concat());
    }
    let (_, person) = &sample_claims()[0];
    for (name, key) in [
        ("es256", &authority.es256_station),
        ("revoked-signer", &authority.revoked_station),
    ] {
        let signed = pass_credential::sign(person, key).expect("signs");
        write(name, to_qr_text(&signed).as_bytes());
    }
    let good = to_qr_text(&pass_credential::sign(person, &authority.station).expect("signs"));
    write("scanner-line-end", format!("{good}\r\n").as_bytes());
    write("lower-case", good.to_lowercase().as_bytes());
    write("other-prefix", good.replacen("PP1:", "HC1:", 1).as_bytes());
    write("specimen", specimen_text("KEL-2026-000001").as_bytes());
}

fn cbor_documents(dir: &Path, authority: &Authority) {
    let mut write = writer(dir);
    for (name, claims) in sample_claims().into_iter().take(4) {
        write(
            &format!("claims-{name}"),
            &[&[0][..], &claims.to_cwt_bytes().expect("encodes")].concat(),
        );
    }
    write("trust-list", &[&[1][..], &authority.trust_list].concat());
    write(
        "trust-list-payload",
        &[&[2][..], &payload_of(&authority.trust_list)].concat(),
    );
    write("hotlist-delta", &[&[3][..], &authority.hotlist_delta].concat());
    write(
        "hotlist-delta-payload",
        &[&[4][..], &payload_of(&authority.hotlist_delta)].concat(),
    );
    let empty_delta = HotlistDelta {
        from_sequence: 3,
        to_sequence: 3,
        issued_at: pass_fuzz::authority::NOW,
        revoked_passes: Vec::new(),
        voided_cards: Vec::new(),
        revoked_prints: Vec::new(),
    }
    .sign(&authority.root)
    .expect("signs");
    write(
        "hotlist-delta-empty-payload",
        &[&[4][..], &payload_of(&empty_delta)].concat(),
    );
    for (name, hotlist) in [
        ("empty", Hotlist::new()),
        ("held", authority.verifier.hotlist().clone()),
    ] {
        let cache = hotlist.to_cache_bytes();
        write(&format!("cache-{name}"), &[&[5][..], &cache].concat());
        write(
            &format!("cache-{name}-body"),
            &[&[6][..], &cache[..cache.len() - 32]].concat(),
        );
    }
    for (name, key) in [("ed25519", &authority.station), ("es256", &authority.es256_station)] {
        let cose_key = key.public().to_cose_key().expect("encodes");
        write(&format!("cose-key-{name}"), &[&[7][..], &cose_key].concat());
    }
    let head = AuditHead {
        station_id: "TWKEL-01".into(),
        seq: 42,
        hash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
    }
    .sign(&authority.uncertified_station)
    .expect("signs");
    write("audit-head", &[&[8][..], &head].concat());
    write("audit-head-payload", &[&[9][..], &payload_of(&head)].concat());
    // Untagged COSE_Sign1 bytes, for the readers given the whole input.
    let untagged = CoseSign1::from_tagged_slice(&authority.trust_list)
        .expect("ours")
        .to_vec()
        .expect("encodes");
    write("untagged-trust-list", &[&[0xFF][..], &untagged].concat());
}

fn desfire_responses(dir: &Path) {
    let mut write = writer(dir);
    let kinds = ["blank-aes", "blank-des", "ours", "foreign"];
    let operations = ["classify", "personalise", "read", "personalise-read"];
    for (k, kind) in kinds.iter().enumerate() {
        for (o, operation) in operations.iter().enumerate() {
            // Way 0: the virtual card's answers untouched.
            write(&format!("{kind}-{operation}"), &[(k << 2 | o) as u8, 40]);
        }
        // Way 2: pulled part-way through, then finished.
        for tear in [3u8, 11, 25] {
            write(&format!("{kind}-torn-{tear}"), &[(2 << 4 | k << 2 | 1) as u8, tear]);
        }
    }
    // Tampered: a flipped byte in the 6th answer, a cut 4th answer, a larger file read back.
    write("blank-aes-personalise-flip", &[0x01, 200, 0, 0, 0, 0, 0, 3, 5, 0x40]);
    write("ours-read-cut", &[0x0A, 10, 0, 0, 0, 4, 3]);
    write("ours-large-read", &[0x4A, 10]);
    // Scripted: a blank card's real answers up to its authentication challenge.
    let mut card = VirtualCard::new(CardMemory::blank([0x04, 1, 2, 3, 4, 5, 6], Cipher::Aes));
    let mut script = vec![0x10, 40];
    for apdu in [
        &[0x90, 0x5A, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00][..],
        &[0xFF, 0xCA, 0x00, 0x00, 0x00],
        &[0x90, 0x6A, 0x00, 0x00, 0x00],
        &[0x90, 0xAA, 0x00, 0x00, 0x01, 0x00, 0x00],
    ] {
        let answer = pass_reader::Transport::transmit(&mut card, apdu).expect("the card answers");
        script.push(answer.len() as u8);
        script.extend_from_slice(&answer);
    }
    write("scripted-blank-classify", &script);
}

fn feed_page(dir: &Path) {
    let mut write = writer(dir);
    let person = json!({
        "pass_id": "KEL-2026-000001", "version": 1, "status": "approved", "application_id": "A-2026-000001",
        "holder": { "type": "person", "name": "王小明", "name_latin": "WANG, HSIAO-MING", "national_id_masked": "A12****789" },
        "temporary": false, "company": { "name": "長榮海運股份有限公司", "tax_id": "22099131" },
        "ports": ["TWKEL", "TWTPE"], "valid_from": "2026-12-01", "valid_to": "2027-11-30",
        "pickup_office": "TWKEL", "photo_sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "changed_at": "2026-11-20T08:00:00Z"
    });
    let vehicle = json!({
        "pass_id": "KEL-2026-000002", "version": 3, "status": "approved", "application_id": "A-2026-000002",
        "holder": { "type": "vehicle", "plate": "KLG-0007", "vehicle_type": "曳引車" },
        "temporary": true, "company": { "name": "陽明海運", "tax_id": "12345675" },
        "ports": ["TWKEL"], "valid_from": "2026-12-01", "valid_to": "2026-12-31",
        "pickup_office": "TWKEL", "photo_sha256": null, "changed_at": "2026-11-21T08:00:00+08:00"
    });
    let mut handed_over = vehicle.clone();
    handed_over["handed_over"] =
        json!({ "version": 3, "print": 2, "card_uid": "04521A826C5D80", "at": "2026-11-25T10:00:00Z" });
    let mut handed_over_old = person.clone();
    handed_over_old["handed_over"] =
        json!({ "version": 0, "print": 1, "card_uid": null, "at": "2026-11-25T10:00:00Z" });
    let mut withdrawn = person.clone();
    withdrawn["status"] = "withdrawn".into();
    withdrawn["version"] = 2.into();
    let mut full_id = person.clone();
    full_id["pass_id"] = "KEL-2026-000003".into();
    full_id["holder"]["national_id_masked"] = "A123456789".into();
    let mut bad_tax = vehicle.clone();
    bad_tax["company"]["tax_id"] = "22099132".into();
    let mut other_office = person.clone();
    other_office["pickup_office"] = "TWKHH".into();
    let page = |items: Vec<serde_json::Value>, cursor: &str, more: bool| {
        serde_json::to_vec_pretty(&json!({ "items": items, "next_cursor": cursor, "has_more": more })).expect("encodes")
    };
    write("page-first", &page(vec![person.clone(), vehicle.clone()], "c1", true));
    write("page-last", &page(vec![withdrawn.clone(), full_id], "c2", false));
    write(
        "page-rejections",
        &page(vec![bad_tax, other_office, json!([1]), json!({})], "c3", true),
    );
    write(
        "page-repeated",
        &page(vec![person.clone(), withdrawn, person.clone()], "c4", false),
    );
    write("page-empty", &page(Vec::new(), "", false));
    write(
        "page-handed-over",
        &page(vec![handed_over, handed_over_old], "c5", true),
    );
    write("record-person", &serde_json::to_vec(&person).expect("encodes"));
    write("record-vehicle", &serde_json::to_vec(&vehicle).expect("encodes"));
}
