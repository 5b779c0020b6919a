//! Personalisation against the virtual card in the same process, through the `Transport` trait.

use pass_reader::desfire::crypto::{BlockKey, KeyKind};
use pass_reader::desfire::{Desfire, PICC_AID};
use pass_reader::{CardKind, ChipContents, ReaderError, Transport, classify, personalise, read_credential};
use pass_vcard::{CardMemory, Cipher, VirtualCard};

mod fixtures;
use fixtures::{UID, credential_for, layout, office_keys, other_office_keys};

fn blank_card() -> VirtualCard {
    VirtualCard::new(CardMemory::blank(UID, Cipher::Aes))
}

#[test]
fn blank_card_is_issued_and_reads_back() {
    let (keys, layout) = (office_keys(), layout());
    let mut card = blank_card();
    assert_eq!(
        classify(&mut card, &keys, &layout).expect("classify"),
        (CardKind::Blank, UID.to_vec())
    );

    let issued = personalise(&mut card, &keys, &layout, None, &|uid, _| Ok(credential_for(uid))).expect("personalise");
    assert_eq!(issued.kind_before, CardKind::Blank);
    assert_eq!(issued.uid, UID);
    println!("blank card personalised in {} APDU exchanges", issued.apdu_exchanges);

    card.reset();
    assert_eq!(
        read_credential(&mut card, &keys, &layout).expect("read"),
        (
            UID.to_vec(),
            ChipContents {
                credential: credential_for(&UID),
                photo: None
            }
        )
    );
    assert_eq!(classify(&mut card, &keys, &layout).expect("classify").0, CardKind::Ours);
    let keys_on_card = &card.memory().application(layout.aid).expect("application").keys;
    assert!(
        keys_on_card
            .iter()
            .all(|key| key.cipher == Cipher::Aes && key.version == 1 && key.value != [0; 16])
    );
    assert_ne!(card.memory().card_master.value, [0; 16], "the card master key is ours");
}

#[test]
fn factory_des_card_is_issued() {
    let (keys, layout) = (office_keys(), layout());
    let mut card = VirtualCard::new(CardMemory::blank(UID, Cipher::Des));
    let issued = personalise(&mut card, &keys, &layout, None, &|uid, _| Ok(credential_for(uid))).expect("personalise");
    assert_eq!(issued.kind_before, CardKind::Blank);
    assert_eq!(
        card.memory().card_master.cipher,
        Cipher::Aes,
        "the DES factory key became our AES key"
    );
    card.reset();
    assert_eq!(
        read_credential(&mut card, &keys, &layout).expect("read").1.credential,
        credential_for(&UID)
    );
}

/// The virtual card, with the code and data length of every command frame it was sent.
struct FrameLog {
    card: VirtualCard,
    frames: Vec<(u8, usize)>,
}

impl Transport for FrameLog {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, ReaderError> {
        match command {
            [0x90, code, 0x00, 0x00, lc, _, ..] => self.frames.push((*code, usize::from(*lc))),
            [0x90, code, ..] => self.frames.push((*code, 0)),
            _ => {}
        }
        self.card.transmit(command)
    }
}

#[test]
fn an_issue_sends_no_command_frame_over_54_data_bytes() {
    let (keys, layout) = (office_keys(), layout());
    let mut card = FrameLog {
        card: blank_card(),
        frames: Vec::new(),
    };
    personalise(&mut card, &keys, &layout, None, &|uid, _| Ok(credential_for(uid))).expect("personalise");
    let longest = card.frames.iter().map(|(_, len)| *len).max();
    assert_eq!(longest, Some(54), "{:?}", card.frames);
    // WriteData of the 200-byte credential and its 2-byte length: 7 header
    // bytes and 208 enciphered (with CRC32 and padding), in 4 frames.
    let write = card
        .frames
        .iter()
        .position(|(code, _)| *code == 0x3D)
        .expect("a WriteData");
    let write_frames: Vec<usize> = card.frames[write..]
        .iter()
        .take_while(|(code, len)| *code == 0x3D || (*code == 0xAF && *len > 0))
        .map(|(_, len)| *len)
        .collect();
    assert_eq!(write_frames, [54, 54, 54, 53]);
}

#[test]
fn reissue_rewrites_the_credential() {
    let (keys, layout) = (office_keys(), layout());
    let mut card = blank_card();
    personalise(&mut card, &keys, &layout, None, &|uid, _| Ok(credential_for(uid))).expect("first issue");
    card.reset();
    let reissued = personalise(&mut card, &keys, &layout, None, &|_, _| {
        Ok(b"reissued, shorter".to_vec())
    })
    .expect("reissue");
    assert_eq!(reissued.kind_before, CardKind::Ours);
    println!("reissue in {} APDU exchanges", reissued.apdu_exchanges);
    card.reset();
    assert_eq!(
        read_credential(&mut card, &keys, &layout).expect("read").1.credential,
        b"reissued, shorter"
    );
}

#[test]
fn foreign_card_is_refused_unchanged() {
    let (keys, layout) = (office_keys(), layout());
    let mut card = VirtualCard::new(CardMemory::foreign(UID));
    let before = card.memory().clone();
    assert_eq!(
        classify(&mut card, &keys, &layout).expect("classify").0,
        CardKind::Foreign
    );
    let refused = personalise(&mut card, &keys, &layout, None, &|uid, _| Ok(credential_for(uid)));
    assert!(matches!(refused, Err(ReaderError::ForeignCard)), "{refused:?}");
    assert_eq!(card.memory(), &before);
}

#[test]
fn another_office_keys_neither_read_nor_change_our_card() {
    let (keys, layout) = (office_keys(), layout());
    let mut card = blank_card();
    personalise(&mut card, &keys, &layout, None, &|uid, _| Ok(credential_for(uid))).expect("personalise");
    let issued = card.memory().clone();

    card.reset();
    let read = read_credential(&mut card, &other_office_keys(), &layout);
    assert!(
        matches!(read, Err(ReaderError::AuthenticationFailed { .. })),
        "{read:?}"
    );
    card.reset();
    let refused = personalise(&mut card, &other_office_keys(), &layout, None, &|uid, _| {
        Ok(credential_for(uid))
    });
    assert!(matches!(refused, Err(ReaderError::ForeignCard)), "{refused:?}");
    assert_eq!(card.memory(), &issued);
    let message = read.expect_err("refused").to_string();
    assert!(
        message.contains("set it aside"),
        "the message says what to do: {message}"
    );
}

#[test]
fn a_credential_too_large_is_refused_before_any_change() {
    let (keys, layout) = (office_keys(), layout());
    let mut card = blank_card();
    let before = card.memory().clone();
    let refused = personalise(&mut card, &keys, &layout, None, &|_, _| Ok(vec![0; 255]));
    assert!(
        matches!(
            refused,
            Err(ReaderError::CredentialTooLarge {
                len: 255,
                capacity: 254
            })
        ),
        "{refused:?}"
    );
    assert_eq!(card.memory(), &before);
}

#[test]
fn reading_a_blank_card_says_it_was_never_issued() {
    let mut card = blank_card();
    let read = read_credential(&mut card, &office_keys(), &layout());
    assert!(matches!(read, Err(ReaderError::NoSuchApplication { .. })), "{read:?}");
}

/// A photo of the size the chip's photo file takes, as bytes go (not a real JPEG: the crate does not look).
const PHOTO: [u8; 1200] = [0x5A; 1200];

/// Pulls the card after every APDU of a first issue in turn, with and
/// without a photo; each time a second attempt must finish it, and the
/// credential and photo must read back together.
#[test]
fn a_card_pulled_at_any_apdu_is_completed_by_the_next_attempt() {
    let (keys, layout) = (office_keys(), layout());
    for photo in [None, Some(&PHOTO[..])] {
        let total = personalise(&mut blank_card(), &keys, &layout, photo, &|uid, _| {
            Ok(credential_for(uid))
        })
        .expect("untorn")
        .apdu_exchanges;
        for answered in 0..total {
            let mut card = blank_card();
            card.tear_after(Some(u64::try_from(answered).expect("count")));
            let torn = personalise(&mut card, &keys, &layout, photo, &|uid, _| Ok(credential_for(uid)));
            assert!(
                matches!(torn, Err(ReaderError::CardRemoved)),
                "torn after {answered}: {torn:?}"
            );
            let resumed = personalise(&mut card, &keys, &layout, photo, &|uid, _| Ok(credential_for(uid)))
                .unwrap_or_else(|error| panic!("torn after {answered} APDUs, the next attempt failed: {error}"));
            card.reset();
            assert_eq!(
                read_credential(&mut card, &keys, &layout).expect("read").1,
                ChipContents {
                    credential: credential_for(&UID),
                    photo: photo.map(<[u8]>::to_vec),
                },
                "torn after {answered}"
            );
            assert!(resumed.apdu_exchanges > 0);
        }
    }
}

#[test]
fn a_card_too_small_for_the_photo_is_refused_before_anything_is_written() {
    let (keys, layout) = (office_keys(), layout());
    let two_kb = CardMemory::blank(UID, Cipher::Aes).with_capacity(2048);
    let mut card = VirtualCard::new(two_kb.clone());
    let refused = personalise(&mut card, &keys, &layout, Some(&PHOTO), &|uid, _| {
        Ok(credential_for(uid))
    });
    match refused {
        Err(ReaderError::CardTooSmall { free, needed, suffices }) => {
            assert_eq!((free, needed, suffices), (2048, 512 + 2560, "4 KB"));
        }
        other => panic!("a 2 KB card took a photo: {other:?}"),
    }
    assert_eq!(card.memory(), &two_kb, "nothing was written");
    // Without a photo, as cards were issued before, the same card takes the credential.
    personalise(&mut card, &keys, &layout, None, &|uid, _| Ok(credential_for(uid))).expect("no photo");
}

#[test]
fn a_card_issued_without_a_photo_takes_one_when_issued_again() {
    let (keys, layout) = (office_keys(), layout());
    let mut card = blank_card();
    personalise(&mut card, &keys, &layout, None, &|uid, _| Ok(credential_for(uid))).expect("without");
    card.reset();
    assert_eq!(read_credential(&mut card, &keys, &layout).expect("read").1.photo, None);
    card.reset();
    personalise(&mut card, &keys, &layout, Some(&PHOTO), &|uid, _| {
        Ok(credential_for(uid))
    })
    .expect("with");
    card.reset();
    assert_eq!(
        read_credential(&mut card, &keys, &layout)
            .expect("read")
            .1
            .photo
            .as_deref(),
        Some(&PHOTO[..])
    );
}

/// A second pull during the recovering attempt is recovered from as well.
#[test]
fn a_card_pulled_twice_is_still_completed() {
    let (keys, layout) = (office_keys(), layout());
    let total = personalise(&mut blank_card(), &keys, &layout, None, &|uid, _| {
        Ok(credential_for(uid))
    })
    .expect("untorn")
    .apdu_exchanges;
    for first in (0..total).step_by(3) {
        for second in (0..total).step_by(4) {
            let mut card = blank_card();
            card.tear_after(Some(u64::try_from(first).expect("count")));
            let _ = personalise(&mut card, &keys, &layout, None, &|uid, _| Ok(credential_for(uid)));
            card.tear_after(Some(u64::try_from(second).expect("count")));
            let _ = personalise(&mut card, &keys, &layout, None, &|uid, _| Ok(credential_for(uid)));
            card.tear_after(None);
            personalise(&mut card, &keys, &layout, None, &|uid, _| Ok(credential_for(uid)))
                .unwrap_or_else(|error| panic!("torn after {first} then {second}: {error}"));
            card.reset();
            assert_eq!(
                read_credential(&mut card, &keys, &layout).expect("read").1.credential,
                credential_for(&UID)
            );
        }
    }
}

#[test]
fn uncommitted_writes_are_lost_and_committed_ones_kept() {
    let (keys, layout) = (office_keys(), layout());
    let mut card = blank_card();
    personalise(&mut card, &keys, &layout, None, &|_, _| Ok(b"first".to_vec())).expect("personalise");
    card.reset();
    // Pull the card just as CommitTransaction goes out: the write before it must not count.
    let reissue_exchanges = {
        let mut copy = VirtualCard::new(card.memory().clone());
        personalise(&mut copy, &keys, &layout, None, &|_, _| Ok(b"second".to_vec()))
            .expect("count")
            .apdu_exchanges
    };
    // A reissue ends with CommitTransaction, the read key's authentication (2), the ReadData of the
    // length (1) and of the credential (4 frames)
    // and the ReadData of the photo's file, which a card issued without a photo answers "no such file".
    let before_commit = reissue_exchanges - 1 - 2 - 5 - 1;
    card.tear_after(Some(u64::try_from(before_commit).expect("count")));
    assert!(matches!(
        personalise(&mut card, &keys, &layout, None, &|_, _| Ok(b"second".to_vec())),
        Err(ReaderError::CardRemoved)
    ));
    assert_eq!(
        read_credential(&mut card, &keys, &layout).expect("read").1.credential,
        b"first",
        "the write was rolled back"
    );
}

#[test]
fn get_version_and_card_uid_answer_as_an_ev1() {
    let mut card = blank_card();
    let mut desfire = Desfire::new(&mut card);
    let version = desfire.get_version().expect("version");
    assert_eq!(version.hardware[0], 0x04, "vendor NXP");
    assert_eq!((version.hardware[3], version.software[3]), (1, 1), "EV1");
    assert_eq!(version.production[..7], UID);
    desfire.select_application(PICC_AID).expect("select");
    desfire
        .authenticate(0, &BlockKey::zero(KeyKind::Aes128))
        .expect("authenticate");
    let version = desfire.get_version().expect("version under a session, with its CMAC");
    assert_eq!(version.production[..7], UID);
    assert_eq!(desfire.get_card_uid().expect("card UID"), UID);
    assert_eq!(desfire.get_application_ids().expect("aids"), Vec::<[u8; 3]>::new());
}

/// The virtual card behind a reader that reports another card number (a
/// misread, or a card with random IDs).
struct MisreportedUid(VirtualCard);

impl Transport for MisreportedUid {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, ReaderError> {
        let mut answer = self.0.transmit(command)?;
        if command.starts_with(&[0xFF, 0xCA]) {
            answer[0] ^= 0x01;
        }
        Ok(answer)
    }
}

/// Keys diversified from a wrong UID would lock the office out of the card
/// for good: the card's own UID is checked before anything is written.
#[test]
fn a_card_whose_reported_uid_is_not_its_own_is_refused_unchanged() {
    let (keys, layout) = (office_keys(), layout());
    for cipher in [Cipher::Aes, Cipher::Des] {
        let blank = CardMemory::blank(UID, cipher);
        let mut card = MisreportedUid(VirtualCard::new(blank.clone()));
        let refused = personalise(&mut card, &keys, &layout, None, &|uid, _| Ok(credential_for(uid)));
        assert!(matches!(refused, Err(ReaderError::UidMismatch)), "{refused:?}");
        assert_eq!(card.0.memory(), &blank, "nothing was written");
        card.0.reset();
        personalise(&mut card.0, &keys, &layout, None, &|uid, _| Ok(credential_for(uid)))
            .expect("issued when read right");
    }
}
