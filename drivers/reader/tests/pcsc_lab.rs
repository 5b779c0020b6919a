//! System test through the real PC/SC stack: pcscd with the vpcd driver,
//! started by the test, and the virtual card on "Virtual PCD 00 00".
//!
//! One test function drives every scenario, as there is one pcscd.

use std::process::Command;
use std::time::Instant;

use pass_reader::pcsc_reader::{ReaderEvent, Readers};
use pass_reader::{CardKind, ChipLayout, OfficeKeys, ReaderError, classify, personalise, read_credential};
use pass_vcard::card::ATR;
use pass_vcard::{CardMemory, Cipher, VirtualCard};

mod fixtures;
use fixtures::{UID, credential_for, layout, office_keys};
use pass_vcard::lab::{Pcscd, READER, SECOND_READER, card_inserted, card_removed, present, wait_for};

#[test]
fn personalisation_through_pcscd_and_vpcd() {
    let pcscd = Pcscd::start();
    let readers = Readers::connect().expect("connect to pcscd");
    let listed = readers.list().expect("list readers");
    assert!(
        listed.iter().any(|name| name == READER) && listed.iter().any(|name| name == SECOND_READER),
        "{listed:?}"
    );
    let watcher = readers.watch().expect("watch");
    let events = watcher.events();
    wait_for(events, "the first vpcd reader", |event| {
        *event == ReaderEvent::ReaderAdded(READER.into())
    });

    issues_a_blank_card_and_reads_it_back(&readers, events);
    refuses_a_foreign_card_unchanged(&readers, events);
    completes_cards_torn_away_mid_issue(&readers, events);

    watcher.stop().expect("the watcher stops cleanly");
    drop(pcscd);
}

fn issues_a_blank_card_and_reads_it_back(readers: &Readers, events: &std::sync::mpsc::Receiver<ReaderEvent>) {
    let (keys, layout) = (office_keys(), layout());
    let presented = present(VirtualCard::new(CardMemory::blank(UID, Cipher::Aes)));
    let inserted = wait_for(events, "card insertion", card_inserted);
    assert_eq!(
        inserted,
        ReaderEvent::CardInserted {
            reader: READER.into(),
            atr: ATR.to_vec()
        }
    );

    let mut card = readers.open(READER).expect("connect to the card");
    assert_eq!(card.uid().expect("UID"), UID);
    let started = Instant::now();
    let photo = [0x5A_u8; 1200];
    let issued = personalise(&mut card, &keys, &layout, Some(&photo), &|uid, _| {
        Ok(credential_for(uid))
    })
    .expect("personalise");
    let issue_time = started.elapsed();
    assert_eq!(issued.kind_before, CardKind::Blank);
    let started = Instant::now();
    let (uid, read) = read_credential(&mut card, &keys, &layout).expect("read back");
    let read_time = started.elapsed();
    assert_eq!(
        (uid, read.credential, read.photo),
        (UID.to_vec(), credential_for(&UID), Some(photo.to_vec()))
    );
    println!(
        "over vpcd: personalised a blank card in {} APDU exchanges, {issue_time:?}; read it back in {read_time:?}",
        issued.apdu_exchanges
    );
    drop(card);

    assert_eq!(
        read_with_python_desfire(&keys, &layout),
        [hex::encode(UID), hex::encode(credential_for(&UID)), hex::encode(photo)]
    );

    let card = presented.remove();
    wait_for(events, "card removal", card_removed);
    assert_eq!(
        card.memory()
            .application(layout.aid)
            .map(|application| application.files.len()),
        Some(2),
        "the credential's file and the photo's"
    );
}

/// Reads the card with independent software (pyscard and python-desfire from
/// PyPI): the UID, the credential and the photo, in hex.
fn read_with_python_desfire(keys: &OfficeKeys, layout: &ChipLayout) -> Vec<String> {
    const PIP: &str = "pip install pyscard==2.3.1 python-desfire==0.1.5";
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/interop/read_credential.py");
    let output = Command::new("python3")
        .args([script, READER, &hex::encode(keys.read), &hex::encode(layout.aid)])
        .args([
            layout.file_no.to_string(),
            layout.file_size.to_string(),
            hex::encode(&layout.system_identifier),
            layout.photo_file_no.to_string(),
            layout.photo_file_size.to_string(),
        ])
        .output()
        .unwrap_or_else(|error| panic!("cannot run python3 ({error}): apt-get install python3, then {PIP}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "python-desfire could not read the card ({PIP} if missing):\n{stderr}"
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

fn refuses_a_foreign_card_unchanged(readers: &Readers, events: &std::sync::mpsc::Receiver<ReaderEvent>) {
    let (keys, layout) = (office_keys(), layout());
    let foreign = CardMemory::foreign(UID);
    let presented = present(VirtualCard::new(foreign.clone()));
    wait_for(events, "card insertion", card_inserted);
    let mut card = readers.open(READER).expect("connect to the card");
    assert_eq!(
        classify(&mut card, &keys, &layout).expect("classify").0,
        CardKind::Foreign
    );
    let refused = personalise(&mut card, &keys, &layout, None, &|uid, _| Ok(credential_for(uid)));
    assert!(matches!(refused, Err(ReaderError::ForeignCard)), "{refused:?}");
    drop(card);
    assert_eq!(presented.remove().memory(), &foreign, "the foreign card is unchanged");
    wait_for(events, "card removal", card_removed);
}

/// The card leaves the reader (its connection to vpcd closes) after a number
/// of APDUs; it comes back, and the next attempt finishes the issue.
fn completes_cards_torn_away_mid_issue(readers: &Readers, events: &std::sync::mpsc::Receiver<ReaderEvent>) {
    let (keys, layout) = (office_keys(), layout());
    // APDU 7 is GetFreeMemory; the card master key changes at the 8th.
    for answered in [2, 6, 7, 8, 10, 14, 16, 19, 21, 23, 27] {
        let mut virtual_card = VirtualCard::new(CardMemory::blank(UID, Cipher::Aes));
        virtual_card.tear_after(Some(answered));
        let presented = present(virtual_card);
        wait_for(events, "card insertion", card_inserted);
        let mut card = readers.open(READER).expect("connect to the card");
        let torn = personalise(&mut card, &keys, &layout, None, &|uid, _| Ok(credential_for(uid)));
        assert!(
            matches!(torn, Err(ReaderError::CardRemoved)),
            "torn after {answered} APDUs: {torn:?}"
        );
        drop(card);
        wait_for(events, "the torn card's removal", card_removed);
        wait_for(events, "the torn card's return", card_inserted);

        let mut card = readers.open(READER).expect("connect to the returned card");
        let resumed = personalise(&mut card, &keys, &layout, None, &|uid, _| Ok(credential_for(uid)))
            .unwrap_or_else(|error| panic!("torn after {answered} APDUs, the next attempt failed: {error}"));
        assert_eq!(
            resumed.kind_before,
            if answered < 8 { CardKind::Blank } else { CardKind::Ours }
        );
        assert_eq!(
            read_credential(&mut card, &keys, &layout)
                .expect("read back")
                .1
                .credential,
            credential_for(&UID)
        );
        drop(card);
        presented.remove();
        wait_for(events, "card removal", card_removed);
    }
}
