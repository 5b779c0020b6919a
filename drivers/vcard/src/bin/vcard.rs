//! `vcard`: one virtual DESFire EV1 card on pcscd's vpcd reader.
//!
//! Puts a card on "Virtual PCD 00 00" (port 35963; 35964 is "00 01"), keeps
//! it there across pcscd restarts, and takes it away on SIGTERM or Ctrl-C.
//! vpcd listens on every interface; this command only connects over loopback.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clap::{Parser, ValueEnum};
use pass_reader::desfire::UID_LEN;
use pass_vcard::vpcd::{self, VpcdEvent};
use pass_vcard::{CardMemory, Cipher, VcardError, VirtualCard};

#[derive(Debug, Parser)]
#[command(about = "A virtual MIFARE DESFire EV1 card on pcscd's vpcd reader (loopback only)")]
struct Options {
    /// vpcd port: 35963 for "Virtual PCD 00 00", 35964 for "00 01".
    #[arg(long, default_value_t = vpcd::DEFAULT_PORT)]
    port: u16,
    /// Where pcscd runs: a loopback address.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// The card's 7-byte UID, in hex.
    #[arg(long, value_parser = parse_uid)]
    uid: [u8; UID_LEN],
    /// What the card holds at the start, unless --memory names a saved card.
    #[arg(long, value_enum, default_value_t = StartingState::Blank)]
    state: StartingState,
    /// Saved card memory: loaded if the file exists, and kept up to date.
    #[arg(long)]
    memory: Option<PathBuf>,
    /// Answer this many APDUs, then leave the reader once (uncommitted writes are lost).
    #[arg(long)]
    tear_after: Option<u64>,
    /// Delay before each answer, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum StartingState {
    /// Factory AES card master key, no applications.
    Blank,
    /// Factory DES card master key (as cards leave the factory), no applications.
    BlankDes,
    /// Another issuer's card master key and application.
    Foreign,
}

fn parse_uid(text: &str) -> Result<[u8; UID_LEN], String> {
    let bytes = hex::decode(text).map_err(|error| format!("not hex: {error}"))?;
    bytes.try_into().map_err(|_| format!("a UID is {UID_LEN} bytes"))
}

fn main() -> ExitCode {
    let options = Options::parse();
    if !options.host.is_loopback() {
        eprintln!(
            "vcard: {} is not a loopback address; vpcd is reached over loopback only",
            options.host
        );
        return ExitCode::from(2);
    }
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("vcard: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: &Options) -> Result<(), VcardError> {
    let memory = match options.memory.as_deref().filter(|path| path.exists()) {
        Some(path) => CardMemory::load(path)?,
        None => match options.state {
            StartingState::Blank => CardMemory::blank(options.uid, Cipher::Aes),
            StartingState::BlankDes => CardMemory::blank(options.uid, Cipher::Des),
            StartingState::Foreign => CardMemory::foreign(options.uid),
        },
    };
    let mut card = VirtualCard::new(memory);
    if let Some(path) = &options.memory {
        card.memory().save(path)?;
        card = card.with_memory_file(path.clone());
    }
    card.tear_after(options.tear_after);
    card.set_latency(Duration::from_millis(options.latency_ms));

    let stop = Arc::new(AtomicBool::new(false));
    let on_signal = Arc::clone(&stop);
    if let Err(error) = ctrlc::set_handler(move || on_signal.store(true, Ordering::SeqCst)) {
        eprintln!("vcard: cannot catch SIGTERM/Ctrl-C ({error}); stop it with SIGKILL");
    }
    let address = SocketAddr::new(options.host, options.port);
    eprintln!("vcard: card {} for vpcd at {address}", hex::encode_upper(options.uid));
    vpcd::run(
        &mut card,
        address,
        vpcd::REINSERT_AFTER,
        &stop,
        &mut |event| match event {
            VpcdEvent::Inserted => eprintln!("vcard: on the reader"),
            VpcdEvent::Torn => eprintln!("vcard: torn away; back in {} ms", vpcd::REINSERT_AFTER.as_millis()),
            VpcdEvent::ReaderGone => eprintln!("vcard: vpcd closed the connection; waiting for it"),
        },
    )?;
    eprintln!("vcard: off the reader");
    Ok(())
}
