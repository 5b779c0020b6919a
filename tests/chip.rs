//! Issuing chips through the real PC/SC stack: a pcscd started by the test
//! with the vpcd driver, our virtual DESFire card on its reader, `passctl
//! encode` and `passctl read-card` as a clerk runs them, and the station's
//! verdict on cards that were copied or carry another card's credential.
//!
//! One test function drives every scenario, as there is one pcscd.

mod common;

use std::process::Output;

use common::{Lab, OFFICE, cached_pass_ids, passctl, quick_sync};
use pass_credential::Reason;
use pass_printer::{PdfFolder, PrintTarget};
use pass_reader::CardKind;
use pass_reader::pcsc_reader::ReaderEvent;
use pass_station::model::Role;
use pass_station::ops;
use pass_station::ops::desk::{PrintOptions, Printer};
use pass_station::ops::devices::PrintedQr;
use pass_vcard::lab::{
    Pcscd, SECOND_READER, SECOND_READER_PORT, card_inserted, card_removed, present, present_on, wait_for,
};
use pass_vcard::{CardMemory, Cipher, VirtualCard};

const TORN_UID: [u8; 7] = [0x04, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22];
const BLANK_UID: [u8; 7] = [0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66];
const OTHER_UID: [u8; 7] = [0x04, 0x99, 0x88, 0x77, 0x66, 0x55, 0x44];
const THIRD_UID: [u8; 7] = [0x04, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33];

fn stdout_json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}); stderr: {}", String::from_utf8_lossy(&output.stderr)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cards_are_issued_read_and_refused_through_pcscd() {
    let lab = Lab::start(4, true).await;
    let mut station = lab.station();
    station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    lab.login("lab-admin", &[Role::Admin]).await;
    let keys_made = passctl(&lab, &["chip-keys", "generate"]);
    assert!(
        keys_made.status.success(),
        "{}",
        String::from_utf8_lossy(&keys_made.stderr)
    );
    assert_eq!(
        passctl(&lab, &["chip-keys", "generate"]).status.code(),
        Some(3),
        "keys are never replaced"
    );
    let mut ids = cached_pass_ids(&station);
    // A pass with the holder's photo first: its chip carries the photo.
    let with_photo = ids
        .iter()
        .position(|id| {
            let record = station.store().item(id).expect("read").expect("held");
            record.item.photo_sha256.is_some()
        })
        .expect("a cached pass with a photo");
    ids.swap(0, with_photo);
    let pass_id = ids[0].clone();
    // Printed and checked: the steps before a chip may be written.
    lab.login("lab-clerk", &[Role::Clerk]).await;
    let clerk = lab.session(&mut station);
    let folder = lab.path("printed");
    std::fs::create_dir_all(&folder).expect("printer folder");
    let printer = Printer::new(PrintTarget::Folder(PdfFolder::new(&folder)));
    let printed = ops::desk::print_batch(
        &mut station,
        &clerk,
        &printer,
        &ids[..2],
        PrintOptions::default(),
        &mut |_| {},
    )
    .await
    .expect("print");
    assert!(printed.iter().all(|card| card.error.is_none()), "both cards print");
    for id in &ids[..2] {
        let qr = station
            .store()
            .printed_card(id)
            .expect("read")
            .expect("printed")
            .qr_text;
        assert!(
            ops::desk::check_print(&mut station, &clerk, id, PrintedQr::Text(qr.to_string()))
                .expect("check")
                .matches
        );
    }
    let unchecked = passctl(&lab, &["encode", &ids[2]]);
    assert_eq!(
        unchecked.status.code(),
        Some(9),
        "a card whose print was not checked is not encoded"
    );
    let item = station.store().item(&pass_id).expect("read").expect("held").item;
    let first_day = item.valid_from.with_hms(10, 0, 0).expect("time").assume_utc();

    let pcscd = Pcscd::start();
    let readers = pass_reader::pcsc_reader::Readers::connect().expect("pcscd answers");
    let watcher = readers.watch().expect("watch readers");

    // A blank card becomes a finished card, as a clerk issues it.
    let presented = present(VirtualCard::new(CardMemory::blank(BLANK_UID, Cipher::Aes)));
    wait_for(watcher.events(), "the blank card", card_inserted);
    let encoded = passctl(&lab, &["encode", &pass_id, "--json"]);
    assert!(encoded.status.success(), "{}", String::from_utf8_lossy(&encoded.stderr));
    let encoded = stdout_json(&encoded);
    assert_eq!(
        (encoded["card_uid"].as_str(), encoded["was_blank"].as_bool()),
        (Some("04112233445566"), Some(true))
    );
    let read = passctl(&lab, &["read-card", "--json"]);
    let read = stdout_json(&read);
    assert_eq!(
        (read["kind"].as_str(), read["verdict"]["pass_id"].as_str()),
        (Some("ours"), Some(&*pass_id))
    );
    assert_eq!(
        station
            .store()
            .encoded_card(&pass_id)
            .expect("read")
            .map(|c| c.card_uid)
            .as_deref(),
        Some("04112233445566")
    );
    let unsent = station
        .store()
        .outbox(pass_station::store::OutboxFilter::Unsent, 10)
        .expect("outbox");
    assert!(
        unsent.iter().any(|e| e.kind == "card_encoded"),
        "central will hear of the card"
    );
    let issued = presented.remove();
    wait_for(watcher.events(), "the card leaving", card_removed);

    // The verdict on a genuine card, in its validity, at its office.
    let mut genuine = VirtualCard::new(issued.memory().clone());
    let reading = station.read_card(&mut genuine, first_day, Some(OFFICE)).expect("read");
    assert_eq!(reading.verdict.map(|v| v.outcome), Some(Ok(())));
    let photo = reading.photo.expect("the chip carries the holder's photo");
    assert!(
        photo.starts_with(&[0xFF, 0xD8]) && photo.len() <= pass_station::chip_photo::LARGEST,
        "a JPEG that fits its file: {} bytes",
        photo.len()
    );

    // Another photo put in the chip's photo file: its hash is not the signed one.
    let mut altered = issued.memory().clone();
    let photo_file = altered
        .applications
        .iter_mut()
        .flat_map(|application| application.files.iter_mut())
        .find(|file| file.no == 2)
        .expect("the photo's file");
    let other_photo = [&[0xFF, 0xD8][..], &[0x42; 100]].concat();
    let len = u16::try_from(other_photo.len()).expect("short");
    photo_file.data[..2 + other_photo.len()].copy_from_slice(&[&len.to_be_bytes()[..], &other_photo].concat());
    let reading = station
        .read_card(&mut VirtualCard::new(altered), first_day, Some(OFFICE))
        .expect("read");
    assert_eq!(reading.verdict.map(|v| v.outcome), Some(Err(Reason::PhotoAltered)));

    // The data copied onto another card: the office's keys for that UID do not open it.
    let mut copy = issued.memory().clone();
    copy.uid = OTHER_UID;
    let reading = station
        .read_card(&mut VirtualCard::new(copy), first_day, Some(OFFICE))
        .expect("read");
    assert_eq!((reading.kind, reading.verdict.is_none()), (CardKind::Foreign, true));

    // A card of ours carrying another card's credential: bound to the other UID.
    let (keys, layout) = station.home().chip_keys().expect("chip keys");
    let (_, read) = pass_reader::read_credential(&mut genuine, &keys, &layout).expect("credential");
    let swapped = CardMemory::issued(OTHER_UID, &keys, &layout, &read.credential).expect("issued");
    let reading = station
        .read_card(&mut VirtualCard::new(swapped), first_day, Some(OFFICE))
        .expect("read");
    assert_eq!(
        reading.verdict.map(|v| v.outcome),
        Some(Err(Reason::ChipBoundToAnotherCard))
    );

    // The same pass on a second card is refused: one live card per pass.
    let second = present(VirtualCard::new(CardMemory::blank(THIRD_UID, Cipher::Aes)));
    wait_for(watcher.events(), "a second blank card", card_inserted);
    let doubled = passctl(&lab, &["encode", &pass_id]);
    assert_eq!(doubled.status.code(), Some(9));
    assert!(String::from_utf8_lossy(&doubled.stderr).contains("already on card 04112233445566"));
    let untouched = second.remove();
    assert_eq!(
        untouched.memory(),
        &CardMemory::blank(THIRD_UID, Cipher::Aes),
        "the second card was not written"
    );
    wait_for(watcher.events(), "the second card leaving", card_removed);

    // A foreign card is refused and left unchanged.
    let foreign = CardMemory::foreign(OTHER_UID);
    let pass_id = ids[1].clone();
    let presented = present(VirtualCard::new(foreign.clone()));
    wait_for(watcher.events(), "the foreign card", card_inserted);
    let refused = passctl(&lab, &["encode", &pass_id]);
    assert_eq!(refused.status.code(), Some(9));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("another issuer"));
    assert_eq!(presented.remove().memory(), &foreign);
    wait_for(watcher.events(), "the foreign card leaving", card_removed);

    // A "blank" card with the UID of a card this station already issued is a
    // copy or an emulator: refused and reported, never personalised.
    let clone = CardMemory::blank(BLANK_UID, Cipher::Aes);
    let presented = present(VirtualCard::new(clone.clone()));
    wait_for(watcher.events(), "the cloned card", card_inserted);
    let refused = passctl(&lab, &["encode", &pass_id]);
    assert_eq!(refused.status.code(), Some(9));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("copy or an emulator"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert_eq!(presented.remove().memory(), &clone, "nothing was written to it");
    wait_for(watcher.events(), "the cloned card leaving", card_removed);

    // A card pulled in the middle of the write and put on the other reader:
    // the clerk is told, and the next attempt there completes it.
    let mut tearing = VirtualCard::new(CardMemory::blank(TORN_UID, Cipher::Aes));
    tearing.tear_after(Some(12));
    let presented = present(tearing);
    wait_for(watcher.events(), "the card", card_inserted);
    let torn = passctl(&lab, &["encode", &pass_id]);
    assert_eq!(torn.status.code(), Some(9), "{}", String::from_utf8_lossy(&torn.stderr));
    assert!(String::from_utf8_lossy(&torn.stderr).contains("left the reader"));
    let mut half_issued = presented.remove();
    half_issued.tear_after(None);
    let presented = present_on(half_issued, SECOND_READER_PORT);
    wait_for(
        watcher.events(),
        "the card on the second reader",
        |event| matches!(event, ReaderEvent::CardInserted { reader, .. } if reader == SECOND_READER),
    );
    let completed = passctl(&lab, &["encode", &pass_id, "--reader", SECOND_READER, "--json"]);
    assert!(
        completed.status.success(),
        "{}",
        String::from_utf8_lossy(&completed.stderr)
    );
    let completed = stdout_json(&completed);
    assert_eq!(
        completed["was_blank"].as_bool(),
        Some(false),
        "the second attempt finds its own half-issued card"
    );
    let finished = presented.remove();
    let reading = station
        .read_card(&mut VirtualCard::new(finished.memory().clone()), first_day, None)
        .expect("read");
    assert_eq!(reading.verdict.map(|v| v.outcome), Some(Ok(())));

    watcher.stop().expect("the watcher stops");
    drop(pcscd);
}
