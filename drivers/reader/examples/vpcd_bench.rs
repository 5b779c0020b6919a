//! Benchmark through the real PC/SC stack: APDU exchanges and wall time to
//! personalise a blank virtual card on pcscd's vpcd reader, with and without
//! the holder's photo, and to read it as a gate does; on a card that answers
//! at once and on one taking 5 ms an exchange, like a real card. Starts and
//! stops its own pcscd, like the system test.
//!
//! `cargo run --release -p pass-reader --example vpcd_bench` (as root, no other pcscd running).

use std::time::{Duration, Instant};

use pass_reader::pcsc_reader::{PcscCard, Readers};
use pass_reader::{CardKind, ChipLayout, GateKeys, ReaderError, Transport, personalise, read_as_gate};
use pass_vcard::{CardMemory, Cipher, VirtualCard};

#[path = "../tests/fixtures/mod.rs"]
mod fixtures;
use fixtures::{UID, office_keys};

const ROUNDS: usize = 20;

/// Counts the APDUs that go through.
struct Counting<'a> {
    card: &'a mut PcscCard,
    exchanges: usize,
}

impl Transport for Counting<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, ReaderError> {
        self.exchanges += 1;
        self.card.transmit(command)
    }
}

/// The station's layout: a 512-byte credential file and a 1,280-byte photo file.
fn station_layout() -> ChipLayout {
    ChipLayout {
        file_size: 512,
        photo_file_size: 1280,
        ..fixtures::layout()
    }
}

fn main() {
    let _pcscd = pass_vcard::lab::Pcscd::start();
    let readers = Readers::connect().expect("connect to pcscd");
    let watcher = readers.watch().expect("watch");
    let layout = station_layout();
    // A chip credential's size (about 260 bytes with the photo's hash) and a chip photo's.
    let credential = |uid: &[u8], _| Ok([uid, &vec![0xC3; 260 - uid.len()]].concat());
    // A chip photo as a face gives it (about 800 bytes) and one filling its file.
    let (photo, full_photo) = (vec![0x5A; 800], vec![0x5A; 1200]);
    let gate_keys = GateKeys {
        read: office_keys().read,
    };
    for latency_ms in [0, 5] {
        let rounds = if latency_ms == 0 { ROUNDS } else { ROUNDS / 4 };
        for photo in [None, Some(photo.as_slice()), Some(full_photo.as_slice())] {
            let (mut issue_times, mut read_times) = (Vec::new(), Vec::new());
            let (mut issue_exchanges, mut read_exchanges) = (0, 0);
            for _ in 0..rounds {
                let mut blank = VirtualCard::new(CardMemory::blank(UID, Cipher::Aes));
                blank.set_latency(Duration::from_millis(latency_ms));
                let presented = pass_vcard::lab::present(blank);
                pass_vcard::lab::wait_for(watcher.events(), "card insertion", pass_vcard::lab::card_inserted);
                let mut card = readers.open(pass_vcard::lab::READER).expect("connect to the card");
                let started = Instant::now();
                let issued = personalise(&mut card, &office_keys(), &layout, photo, &credential).expect("personalise");
                issue_times.push(started.elapsed());
                issue_exchanges = issued.apdu_exchanges;
                let mut counting = Counting {
                    card: &mut card,
                    exchanges: 0,
                };
                // As a gate reads it, with the read key alone.
                let started = Instant::now();
                let read = read_as_gate(&mut counting, &gate_keys, &layout).expect("read");
                read_times.push(started.elapsed());
                let contents = read.contents.expect("ours");
                assert_eq!(
                    Ok(contents.credential),
                    credential(&read.uid, CardKind::Ours),
                    "verified"
                );
                assert_eq!(contents.photo.as_deref(), photo);
                read_exchanges = counting.exchanges;
                drop(card);
                presented.remove();
                pass_vcard::lab::wait_for(watcher.events(), "card removal", pass_vcard::lab::card_removed);
            }
            let with = photo.map_or("without a photo".to_owned(), |photo| {
                format!("with a {}-byte photo", photo.len())
            });
            println!(
                "{latency_ms} ms a card exchange, {with}: personalise a blank card {issue_exchanges} APDUs, {}; \
                 read at a gate {read_exchanges} APDUs, {}",
                summary(&mut issue_times),
                summary(&mut read_times)
            );
        }
    }
    watcher.stop().expect("watcher");
}

fn summary(times: &mut [Duration]) -> String {
    times.sort();
    let median = times[times.len() / 2];
    format!(
        "median {median:.2?} (min {:.2?}, max {:.2?}, {} rounds)",
        times[0],
        times[times.len() - 1],
        times.len()
    )
}
