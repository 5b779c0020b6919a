//! Benchmark through the real PC/SC stack: APDU exchanges and wall time to
//! personalise a blank virtual card on pcscd's vpcd reader, and to read and
//! verify it. Starts and stops its own pcscd, like the system test.
//!
//! `cargo run --release -p pass-reader --example vpcd_bench` (as root, no other pcscd running).

use std::time::{Duration, Instant};

use pass_reader::pcsc_reader::{PcscCard, Readers};
use pass_reader::{CardKind, ChipLayout, ReaderError, Transport, personalise, read_credential};
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

fn main() {
    let _pcscd = pass_vcard::lab::Pcscd::start();
    let readers = Readers::connect().expect("connect to pcscd");
    let watcher = readers.watch().expect("watch");
    for (credential_len, file_size) in [(32, 64), (200, 256)] {
        let layout = ChipLayout {
            file_size,
            ..fixtures::layout()
        };
        let credential = |uid: &[u8], _| Ok([uid, &vec![0xC3; credential_len - uid.len()]].concat());
        let (mut issue_times, mut read_times) = (Vec::new(), Vec::new());
        let (mut issue_exchanges, mut read_exchanges) = (0, 0);
        for _ in 0..ROUNDS {
            let presented = pass_vcard::lab::present(VirtualCard::new(CardMemory::blank(UID, Cipher::Aes)));
            pass_vcard::lab::wait_for(watcher.events(), "card insertion", pass_vcard::lab::card_inserted);
            let mut card = readers.open(pass_vcard::lab::READER).expect("connect to the card");
            let started = Instant::now();
            let issued = personalise(&mut card, &office_keys(), &layout, &credential).expect("personalise");
            issue_times.push(started.elapsed());
            issue_exchanges = issued.apdu_exchanges;
            let mut counting = Counting {
                card: &mut card,
                exchanges: 0,
            };
            let started = Instant::now();
            let (uid, read) = read_credential(&mut counting, &office_keys(), &layout).expect("read");
            assert_eq!(Ok(read), credential(&uid, CardKind::Ours), "verified");
            read_times.push(started.elapsed());
            read_exchanges = counting.exchanges;
            drop(card);
            presented.remove();
            pass_vcard::lab::wait_for(watcher.events(), "card removal", pass_vcard::lab::card_removed);
        }
        println!(
            "{credential_len}-byte credential, {file_size}-byte file: personalise blank {issue_exchanges} APDUs, {}; \
             read + verify {read_exchanges} APDUs, {}",
            summary(&mut issue_times),
            summary(&mut read_times)
        );
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
