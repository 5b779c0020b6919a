//! The virtual card on its own: memory files, status codes, and the vpcd framing.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use pass_reader::{ChipLayout, OfficeKeys, read_credential};
use pass_vcard::card::ATR;
use pass_vcard::vpcd;
use pass_vcard::{Answer, CardMemory, Cipher, VirtualCard};

const UID: [u8; 7] = [0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66];

fn keys() -> OfficeKeys {
    OfficeKeys {
        picc_master: [1; 16],
        app_master: [2; 16],
        read: [3; 16],
        write: [4; 16],
    }
}

fn layout() -> ChipLayout {
    ChipLayout {
        aid: [0xA1, 0xA2, 0xA3],
        file_no: 1,
        file_size: 64,
        photo_file_no: 2,
        photo_file_size: 256,
        system_identifier: b"LAB".to_vec(),
    }
}

fn answer(card: &mut VirtualCard, apdu: &[u8]) -> Vec<u8> {
    match card.transmit_apdu(apdu).expect("transmit") {
        Answer::Response(response) => response,
        Answer::Torn => panic!("torn"),
    }
}

#[test]
fn an_issued_card_survives_a_memory_file_round_trip() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("card.json");
    let issued = CardMemory::issued(UID, &keys(), &layout(), b"credential").expect("issue");
    let mut card = VirtualCard::new(issued.clone()).with_memory_file(path.clone());
    // Any change is saved: here a new application at card level.
    answer(
        &mut card,
        &[0x90, 0xCA, 0x00, 0x00, 0x05, 0x01, 0x02, 0x03, 0x0F, 0x81, 0x00],
    );
    let reloaded = CardMemory::load(&path).expect("load");
    assert_eq!(&reloaded, card.memory());
    assert_ne!(reloaded, issued);
    let mut presented_again = VirtualCard::new(reloaded);
    assert_eq!(
        read_credential(&mut presented_again, &keys(), &layout())
            .expect("read")
            .1
            .credential,
        b"credential"
    );
    assert!(
        !format!("{:?}", card.memory()).contains("value"),
        "keys stay out of Debug"
    );
}

#[test]
fn errors_answer_with_desfire_status_codes() {
    let mut card = VirtualCard::new(CardMemory::issued(UID, &keys(), &layout(), b"x").expect("issue"));
    assert_eq!(
        answer(&mut card, &[0x90, 0x6F, 0x00, 0x00, 0x00]),
        [0x91, 0x9D],
        "GetFileIDs at card level"
    );
    assert_eq!(
        answer(&mut card, &[0x90, 0x42, 0x00, 0x00, 0x00]),
        [0x91, 0x1C],
        "unknown command"
    );
    assert_eq!(
        answer(&mut card, &[0x90, 0x5A, 0x00, 0x00, 0x03, 9, 9, 9, 0x00]),
        [0x91, 0xA0],
        "no such application"
    );
    assert_eq!(
        answer(&mut card, &[0x90, 0x5A, 0x00, 0x00, 0x03, 0xA1, 0xA2, 0xA3, 0x00]),
        [0x91, 0x00]
    );
    let read = [0x90, 0xBD, 0x00, 0x00, 0x07, 0x01, 0, 0, 0, 0x10, 0, 0, 0x00];
    assert_eq!(answer(&mut card, &read), [0x91, 0xAE], "ReadData without the read key");
    assert_eq!(
        answer(&mut card, &[0x90, 0xAA, 0x00, 0x00, 0x01, 0x07, 0x00]),
        [0x91, 0x40],
        "no key 7"
    );
    assert_eq!(
        answer(&mut card, &[0x90, 0x64, 0x00, 0x00, 0x01, 0x01, 0x00]),
        [0x01, 0x91, 0x00],
        "key version"
    );
    assert_eq!(
        answer(&mut card, &[0x00, 0xB0, 0x00, 0x00, 0x00]),
        [0x6E, 0x00],
        "not a DESFire class"
    );
}

#[test]
fn a_blank_des_card_refuses_aes_authentication() {
    let mut card = VirtualCard::new(CardMemory::blank(UID, Cipher::Des));
    assert_eq!(
        answer(&mut card, &[0x90, 0xAA, 0x00, 0x00, 0x01, 0x00, 0x00]),
        [0x91, 0xAE]
    );
    let challenge = answer(&mut card, &[0x90, 0x1A, 0x00, 0x00, 0x01, 0x00, 0x00]);
    assert_eq!(
        (challenge.len(), &challenge[8..]),
        (10, &[0x91, 0xAF][..]),
        "an 8-byte DES challenge"
    );
}

/// The card takes ISO-wrapped command frames of at most 54 data bytes, the
/// DESFire specification's limit, and refuses a longer one with the length
/// error `91 7E`, whatever the host; it answers in frames of up to 59 data bytes.
#[test]
fn command_frames_over_54_data_bytes_are_a_length_error() {
    let mut card = VirtualCard::new(CardMemory::blank(UID, Cipher::Aes));
    // An application (free file creation) with a 100-byte plain file anyone may write.
    let setup: [&[u8]; 3] = [
        &[0x90, 0xCA, 0x00, 0x00, 0x05, 0xA1, 0xA2, 0xA3, 0x0F, 0x81, 0x00],
        &[0x90, 0x5A, 0x00, 0x00, 0x03, 0xA1, 0xA2, 0xA3, 0x00],
        &[
            0x90, 0xCD, 0x00, 0x00, 0x07, 0x01, 0x00, 0xEE, 0xEE, 100, 0x00, 0x00, 0x00,
        ],
    ];
    for apdu in setup {
        assert_eq!(answer(&mut card, apdu), [0x91, 0x00], "{apdu:02X?}");
    }
    let frame = |code: u8, data: &[u8]| {
        let lc = u8::try_from(data.len()).expect("short");
        [&[0x90, code, 0x00, 0x00, lc][..], data, &[0x00]].concat()
    };
    let write_header = |len: u8| vec![0x01, 0x00, 0x00, 0x00, len, 0x00, 0x00];
    let contents = (1..=100u8).collect::<Vec<_>>();

    // 7 header bytes and 47 data bytes: 54, taken.
    let fits = [write_header(47), contents[..47].to_vec()].concat();
    assert_eq!(answer(&mut card, &frame(0x3D, &fits)), [0x91, 0x00]);
    // One more byte in the same frame: 55, refused, and nothing written.
    let over = [write_header(48), vec![0xEE; 48]].concat();
    assert_eq!(answer(&mut card, &frame(0x3D, &over)), [0x91, 0x7E]);
    // The same holds for an additional frame; the write under way is dropped.
    let first = [write_header(100), vec![0xEE; 47]].concat();
    assert_eq!(answer(&mut card, &frame(0x3D, &first)), [0x91, 0xAF]);
    assert_eq!(answer(&mut card, &frame(0xAF, &[0xEE; 55])), [0x91, 0x7E]);
    assert_eq!(
        answer(&mut card, &frame(0xAF, &[0xEE; 53])),
        [0x91, 0x1C],
        "no write to continue"
    );
    let mut expected = [&contents[..47], &[0; 53][..]].concat();
    assert_eq!(read_file(&mut card), expected, "only the 54-byte frame was written");

    // Whole, in frames of 54 and 53 bytes.
    let first = [write_header(100), contents[..47].to_vec()].concat();
    assert_eq!(answer(&mut card, &frame(0x3D, &first)), [0x91, 0xAF]);
    assert_eq!(answer(&mut card, &frame(0xAF, &contents[47..])), [0x91, 0x00]);
    expected.clone_from(&contents);
    assert_eq!(read_file(&mut card), expected);
}

/// Reads the 100-byte plain file 1, checking that the answer comes in frames
/// of 59 and 41 data bytes.
fn read_file(card: &mut VirtualCard) -> Vec<u8> {
    let read = [
        0x90, 0xBD, 0x00, 0x00, 0x07, 0x01, 0x00, 0x00, 0x00, 100, 0x00, 0x00, 0x00,
    ];
    let first = answer(card, &read);
    assert_eq!((first.len(), &first[59..]), (59 + 2, &[0x91, 0xAF][..]));
    let second = answer(card, &[0x90, 0xAF, 0x00, 0x00, 0x00]);
    assert_eq!((second.len(), &second[41..]), (41 + 2, &[0x91, 0x00][..]));
    [&first[..59], &second[..41]].concat()
}

/// A stand-in for pcscd's vpcd end: the card connects to it, answers
/// controls and APDUs in vpcd's framing, and a tear closes the connection.
#[test]
fn speaks_vpcd_framing_and_leaves_on_a_tear() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("listen");
    let address = listener.local_addr().expect("address");
    let stop = Arc::new(AtomicBool::new(false));
    let card_stop = Arc::clone(&stop);
    let client = std::thread::spawn(move || {
        let mut card = VirtualCard::new(CardMemory::blank(UID, Cipher::Aes));
        card.tear_after(Some(1));
        vpcd::run(&mut card, address, Duration::from_millis(50), &card_stop, &mut |_| {}).expect("run");
    });
    let (mut vpcd_end, _) = listener.accept().expect("the card connects");
    vpcd_end
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    send(&mut vpcd_end, &[0x01]);
    send(&mut vpcd_end, &[0x04]);
    assert_eq!(receive(&mut vpcd_end), ATR);
    send(&mut vpcd_end, &[0xFF, 0xCA, 0x00, 0x00, 0x00]);
    assert_eq!(receive(&mut vpcd_end), [&UID[..], &[0x90, 0x00]].concat());
    send(&mut vpcd_end, &[0x90, 0x60, 0x00, 0x00, 0x00]);
    assert_eq!(
        vpcd_end.read(&mut [0; 2]).expect("read"),
        0,
        "torn: the connection closes unanswered"
    );

    let (mut returned, _) = listener.accept().expect("the card comes back");
    returned
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    send(&mut returned, &[0x90, 0x60, 0x00, 0x00, 0x00]);
    assert_eq!(
        receive(&mut returned),
        [0x04, 0x01, 0x01, 0x01, 0x00, 0x18, 0x05, 0x91, 0xAF]
    );
    stop.store(true, Ordering::SeqCst);
    client.join().expect("the card leaves on stop");
}

fn send(stream: &mut TcpStream, message: &[u8]) {
    let length = u16::try_from(message.len()).expect("length").to_be_bytes();
    stream.write_all(&[&length[..], message].concat()).expect("send");
}

fn receive(stream: &mut TcpStream) -> Vec<u8> {
    let mut length = [0; 2];
    stream.read_exact(&mut length).expect("length");
    let mut message = vec![0; usize::from(u16::from_be_bytes(length))];
    stream.read_exact(&mut message).expect("message");
    message
}
