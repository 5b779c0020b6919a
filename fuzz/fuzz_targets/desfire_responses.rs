//! DESFire cards' answers → the reader driver's classify, personalise and
//! read paths. Must not panic, and must not keep talking to a card without
//! bound (a card answering "more frames" for ever included): the fuzz card
//! stops the run past `MAX_EXCHANGES` APDUs. With a virtual card behind the
//! answers, the card must be left in a state the next attempt finishes (a
//! foreign card: unchanged).
//!
//! Input: a scenario byte, a length byte, then what the card does (see
//! `pass_fuzz::card`). Scenario bits: 0–1 the operation (classify,
//! personalise, read with the office keys then as a gate with the read key
//! alone, personalise then read); 2–3 the card (blank AES, blank
//! DES, one of ours, foreign); 4–5 the way (0 and 3: a virtual card whose
//! answers the input tampers with; 1: answers wholly from the input; 2: the
//! card is pulled after as many APDUs as the length byte says, and a second
//! attempt must then finish the card); 6 a larger file.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pass_fuzz::Input;
use pass_fuzz::card::FuzzCard;
use pass_reader::{
    CardKind, ChipLayout, GateKeys, OfficeKeys, ReaderError, Transport, classify, personalise, read_as_gate,
    read_credential,
};
use pass_vcard::{CardMemory, Cipher, VirtualCard};

const UID: [u8; 7] = [0x04, 0x52, 0x1A, 0x82, 0x6C, 0x5D, 0x80];

fn office_keys() -> OfficeKeys {
    OfficeKeys {
        picc_master: [0x11; 16],
        app_master: [0x12; 16],
        read: [0x13; 16],
        write: [0x14; 16],
    }
}

fn layout(large: bool) -> ChipLayout {
    ChipLayout {
        aid: [0x50, 0x50, 0x54],
        file_no: 1,
        file_size: if large { 1024 } else { 256 },
        photo_file_no: 2,
        photo_file_size: 256,
        system_identifier: b"TW-KEL".to_vec(),
    }
}

/// One of our cards, issued once per process (and per file size).
fn issued(large: bool) -> CardMemory {
    static ISSUED: [OnceLock<CardMemory>; 2] = [OnceLock::new(), OnceLock::new()];
    ISSUED[usize::from(large)]
        .get_or_init(|| {
            CardMemory::issued(UID, &office_keys(), &layout(large), b"an earlier credential")
                .expect("a blank virtual card is issued")
        })
        .clone()
}

fn card(kind: u8, large: bool) -> VirtualCard {
    VirtualCard::new(match kind {
        0 => CardMemory::blank(UID, Cipher::Aes),
        1 => CardMemory::blank(UID, Cipher::Des),
        2 => issued(large),
        _ => CardMemory::foreign(UID),
    })
}

fn run(transport: &mut impl Transport, operation: u8, layout: &ChipLayout, credential: &[u8]) {
    let make = |_uid: &[u8], _| Ok(credential.to_vec());
    match operation {
        0 => drop(classify(transport, &office_keys(), layout)),
        1 => drop(personalise(transport, &office_keys(), layout, None, &make)),
        2 => {
            drop(read_credential(transport, &office_keys(), layout));
            let gate = GateKeys {
                read: office_keys().read,
            };
            if let Ok(reading) = read_as_gate(transport, &gate, layout) {
                assert_eq!(
                    reading.kind == CardKind::Ours,
                    reading.contents.is_some(),
                    "{reading:?}"
                );
            }
        }
        _ => {
            if personalise(transport, &office_keys(), layout, None, &make).is_ok() {
                drop(read_credential(transport, &office_keys(), layout));
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let (Some(scenario), Some(length)) = (input.byte(), input.byte()) else {
        return;
    };
    let operation = scenario & 0b11;
    let kind = (scenario >> 2) & 0b11;
    let way = (scenario >> 4) & 0b11;
    let layout = layout(scenario & 0x40 != 0);
    let credential: Vec<u8> = (0..=length).map(|i| i.wrapping_mul(31)).collect();

    match way {
        1 => run(&mut FuzzCard::scripted(input), operation, &layout, &credential),
        2 => torn_then_finished(card(kind, scenario & 0x40 != 0), kind, u64::from(length), &layout),
        _ => {
            let mut tampered = FuzzCard::tampered(card(kind, scenario & 0x40 != 0), input);
            run(&mut tampered, operation, &layout, &credential);
            let forged = tampered.answers_forged();
            let card = tampered.into_card().expect("a tampered card has a card behind it");
            finished_afterwards(card, kind, forged, &layout);
        }
    }
});

/// Whatever a card's answers did to an attempt, a foreign card is unchanged
/// (nothing is written before the card master key authenticates). Another card
/// that was pulled, before or after it acted on a command, or whose answers'
/// data was altered, is finished by the next, undisturbed attempt; one given
/// a forged status word may not be (see `FuzzCard::answers_forged`).
fn finished_afterwards(mut card: VirtualCard, kind: u8, forged: bool, layout: &ChipLayout) {
    if kind == 3 {
        assert_eq!(card.memory(), &CardMemory::foreign(UID), "a foreign card was changed");
        return;
    }
    if forged {
        return;
    }
    card.reset();
    let credential = b"the credential of the next attempt".to_vec();
    let make = |_uid: &[u8], _| Ok(credential.clone());
    if let Err(e) = personalise(&mut card, &office_keys(), layout, None, &make) {
        panic!("the next attempt did not finish the card: {e}\n{:#?}", card.memory());
    }
    card.reset();
    let (_, read) = read_credential(&mut card, &office_keys(), layout).expect("the finished card reads");
    assert_eq!(read.credential, credential);
}

/// A card pulled after `tear` APDUs of a personalisation is finished by the next attempt
/// (DESIGN §4: "a card pulled at any APDU leaves a state that the next attempt completes").
fn torn_then_finished(mut card: VirtualCard, kind: u8, tear: u64, layout: &ChipLayout) {
    let credential = b"the credential of this attempt".to_vec();
    let make = |_uid: &[u8], _| Ok(credential.clone());
    card.tear_after(Some(tear));
    let first = personalise(&mut card, &office_keys(), layout, None, &make);
    card.tear_after(None);
    card.reset();
    let second = personalise(&mut card, &office_keys(), layout, None, &make);
    if kind == 3 {
        assert!(
            matches!(second, Err(ReaderError::ForeignCard)),
            "{first:?} then {second:?}"
        );
        return;
    }
    let issued = second.unwrap_or_else(|e| panic!("torn after {tear} APDUs ({first:?}), then: {e}"));
    assert_eq!(issued.uid, UID);
    assert_ne!(issued.kind_before, CardKind::Foreign);
    card.reset();
    let (uid, read) = read_credential(&mut card, &office_keys(), layout).expect("the finished card reads");
    assert_eq!((uid.as_slice(), read.credential), (&UID[..], credential));
}
