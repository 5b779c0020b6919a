//! The PC/SC lab (feature `lab`): a real pcscd with the vpcd driver, started
//! and stopped here, and virtual cards presented to its reader from threads of
//! the calling process.
//!
//! Shared by the system tests and benchmarks of the reader driver and the
//! station. A missing part of the lab fails loudly with the command that
//! installs it; it is never skipped. It panics rather than returning errors:
//! it is test equipment, and a broken lab must stop the test at once.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::VirtualCard;
use crate::vpcd;
use pass_reader::pcsc_reader::ReaderEvent;

pub const INSTALL: &str = "apt-get install pcscd vsmartcard-vpcd libpcsclite-dev";
pub const READER: &str = "Virtual PCD 00 00";
pub const SECOND_READER: &str = "Virtual PCD 00 01";
const PCSCD: &str = "/usr/sbin/pcscd";
const VPCD_DRIVER: &str = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";
const VPCD_CONFIG: &str = "/etc/reader.conf.d/vpcd";
const SOCKET: &str = "/run/pcscd/pcscd.comm";
const PID_FILE: &str = "/run/pcscd/pcscd.pid";

/// A pcscd started by the lab, stopped by its PID when dropped.
#[derive(Debug)]
pub struct Pcscd {
    child: Child,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Pcscd {
    pub fn start() -> Self {
        for (part, path) in [
            ("pcscd", PCSCD),
            ("the vpcd driver", VPCD_DRIVER),
            ("the vpcd reader config", VPCD_CONFIG),
        ] {
            assert!(Path::new(path).exists(), "{part} is missing ({path}): {INSTALL}");
        }
        if let Some(pid) = running_pcscd() {
            panic!("another pcscd (PID {pid}) is running; stop it (kill {pid}) so that the lab can start its own");
        }
        let dir = tempfile::tempdir().expect("temporary directory");
        let log = dir.path().join("pcscd.log");
        let log_file = std::fs::File::create(&log).expect("pcscd log");
        let child = Command::new(PCSCD)
            .arg("--foreground")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("log"))
            .stderr(log_file)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {PCSCD} ({error}): {INSTALL}"));
        let pcscd = Self { child, log, _dir: dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !(Path::new(SOCKET).exists() && running_pcscd() == Some(pcscd.child.id())) {
            assert!(
                Instant::now() < deadline,
                "pcscd did not come up in 10 s; its log:\n{}",
                pcscd.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        pcscd
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Pcscd {
    fn drop(&mut self) {
        let pid = running_pcscd().unwrap_or(self.child.id());
        let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The PID in pcscd's PID file, if that process is alive.
fn running_pcscd() -> Option<u32> {
    // pcscd pads the number with NUL bytes.
    let text = std::fs::read_to_string(PID_FILE).ok()?;
    let pid: u32 = text
        .trim_matches(|c: char| c.is_whitespace() || c == '\0')
        .parse()
        .ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let zombie = status
        .lines()
        .any(|line| line.starts_with("State:") && line.contains('Z'));
    (!zombie).then_some(pid)
}

/// A virtual card on the vpcd reader, served by a thread of this process.
#[derive(Debug)]
pub struct PresentedCard {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<VirtualCard>,
}

/// The vpcd port of [`SECOND_READER`].
pub const SECOND_READER_PORT: u16 = vpcd::DEFAULT_PORT + 1;

/// Puts `card` on the first vpcd reader (loopback).
pub fn present(card: VirtualCard) -> PresentedCard {
    present_on(card, vpcd::DEFAULT_PORT)
}

/// Puts `card` on the vpcd reader listening on `port` (loopback).
pub fn present_on(mut card: VirtualCard, port: u16) -> PresentedCard {
    let stop = Arc::new(AtomicBool::new(false));
    let stop_serving = Arc::clone(&stop);
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let thread = std::thread::spawn(move || {
        vpcd::run(&mut card, address, vpcd::REINSERT_AFTER, &stop_serving, &mut |_| {}).expect("vpcd client");
        card
    });
    PresentedCard { stop, thread }
}

impl PresentedCard {
    /// Takes the card off the reader and hands it back, memory and all.
    pub fn remove(self) -> VirtualCard {
        self.stop.store(true, Ordering::SeqCst);
        self.thread.join().expect("vpcd client thread")
    }
}

/// Waits up to 10 s for an event that `wanted` accepts, passing over others.
pub fn wait_for(events: &Receiver<ReaderEvent>, what: &str, wanted: impl Fn(&ReaderEvent) -> bool) -> ReaderEvent {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match events.recv_timeout(left) {
            Ok(event) if wanted(&event) => return event,
            Ok(_) => {}
            Err(error) => panic!("no {what} within 10 s ({error})"),
        }
    }
}

pub fn card_inserted(event: &ReaderEvent) -> bool {
    matches!(event, ReaderEvent::CardInserted { reader, .. } if reader == READER)
}

pub fn card_removed(event: &ReaderEvent) -> bool {
    matches!(event, ReaderEvent::CardRemoved { reader } if reader == READER)
}
