//! The card's side of pcscd's vpcd driver: a TCP client that sits in a virtual reader.
//!
//! vpcd (Debian `vsmartcard-vpcd`) is a pcsc-lite reader driver that waits
//! on TCP for a virtual card. Each message is a 2-byte big-endian length and
//! its bytes: a single byte is a control (0 power off, 1 power on, 2 reset,
//! 4 ask for the ATR), anything longer a command APDU to answer. A
//! connection is a card on the reader; closing it is pulling the card away.
//! The driver listens on all interfaces, so this client is for loopback.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::VcardError;
use crate::card::{Answer, VirtualCard};

/// The port of vpcd's first reader, "Virtual PCD 00 00"; the second is one above.
pub const DEFAULT_PORT: u16 = 35963;
/// How long a torn card stays off the reader: longer than pcscd's 400 ms
/// presence poll, or pcscd would not see it leave and come back.
pub const REINSERT_AFTER: Duration = Duration::from_secs(1);
/// How often a blocked read or a failed connect looks at the stop flag.
const POLL: Duration = Duration::from_millis(100);

const POWER_OFF: u8 = 0x00;
const POWER_ON: u8 = 0x01;
const RESET: u8 = 0x02;
const GET_ATR: u8 = 0x04;

/// What happened on the way, for a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VpcdEvent {
    /// On the reader.
    Inserted,
    /// Torn away by the tearing knob; it comes back after the re-insert delay.
    Torn,
    /// vpcd closed the connection (pcscd stopped); the card waits for it to come back.
    ReaderGone,
}

/// Keeps `card` on the vpcd reader at `address` until `stop` is set:
/// reconnects when pcscd restarts, and comes back `reinsert_after` a tear.
pub fn run(
    card: &mut VirtualCard,
    address: SocketAddr,
    reinsert_after: Duration,
    stop: &AtomicBool,
    on_event: &mut dyn FnMut(VpcdEvent),
) -> Result<(), VcardError> {
    let vpcd_error = |source| VcardError::Vpcd {
        address: address.to_string(),
        source,
    };
    while !stop.load(Ordering::SeqCst) {
        let stream = match TcpStream::connect_timeout(&address, POLL) {
            Ok(stream) => stream,
            Err(_) => {
                std::thread::sleep(POLL);
                continue;
            }
        };
        stream.set_read_timeout(Some(POLL)).map_err(vpcd_error)?;
        stream.set_nodelay(true).map_err(vpcd_error)?;
        card.reset();
        on_event(VpcdEvent::Inserted);
        match serve(card, stream, stop).map_err(vpcd_error)? {
            Ended::Stopped => break,
            Ended::ReaderGone => on_event(VpcdEvent::ReaderGone),
            Ended::Torn => {
                on_event(VpcdEvent::Torn);
                sleep_unless_stopped(reinsert_after, stop);
            }
        }
    }
    Ok(())
}

enum Ended {
    Stopped,
    ReaderGone,
    Torn,
}

fn serve(card: &mut VirtualCard, mut stream: TcpStream, stop: &AtomicBool) -> std::io::Result<Ended> {
    loop {
        let mut length = [0u8; 2];
        if !read_exact_or_stop(&mut stream, &mut length, stop)? {
            return Ok(if stop.load(Ordering::SeqCst) {
                Ended::Stopped
            } else {
                Ended::ReaderGone
            });
        }
        let mut message = vec![0u8; usize::from(u16::from_be_bytes(length))];
        if !read_exact_or_stop(&mut stream, &mut message, stop)? {
            return Ok(if stop.load(Ordering::SeqCst) {
                Ended::Stopped
            } else {
                Ended::ReaderGone
            });
        }
        let answer = match message.as_slice() {
            [POWER_OFF | POWER_ON | RESET] => {
                card.reset();
                continue;
            }
            [GET_ATR] => card.atr().to_vec(),
            [_] => continue,
            apdu => match card.transmit_apdu(apdu).map_err(std::io::Error::other)? {
                Answer::Response(response) => response,
                Answer::Torn => return Ok(Ended::Torn),
            },
        };
        let length = u16::try_from(answer.len()).map_err(std::io::Error::other)?;
        stream.write_all(&[&length.to_be_bytes()[..], &answer].concat())?;
    }
}

/// Fills `buffer`; `false` when the peer closed or `stop` was set first.
fn read_exact_or_stop(stream: &mut TcpStream, buffer: &mut [u8], stop: &AtomicBool) -> std::io::Result<bool> {
    let mut filled = 0;
    while filled < buffer.len() {
        if stop.load(Ordering::SeqCst) {
            return Ok(false);
        }
        acknowledge_at_once(stream)?;
        match stream.read(&mut buffer[filled..]) {
            Ok(0) => return Ok(false),
            Ok(read) => filled += read,
            Err(error)
                if matches!(
                    error.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                ) => {}
            Err(error) if matches!(error.kind(), ErrorKind::ConnectionReset | ErrorKind::BrokenPipe) => {
                return Ok(false);
            }
            Err(error) => return Err(error),
        }
    }
    Ok(true)
}

/// vpcd sends a message's length and its bytes in two writes; with Nagle's
/// algorithm on its side, the second waits for the ACK of the first, which
/// Linux would delay by 40 ms. Quick-ACK mode lapses, so it is set before every read.
#[cfg(target_os = "linux")]
fn acknowledge_at_once(stream: &TcpStream) -> std::io::Result<()> {
    socket2::SockRef::from(stream).set_tcp_quickack(true)
}

#[cfg(not(target_os = "linux"))]
fn acknowledge_at_once(_stream: &TcpStream) -> std::io::Result<()> {
    Ok(())
}

fn sleep_unless_stopped(duration: Duration, stop: &AtomicBool) {
    let deadline = std::time::Instant::now() + duration;
    while !stop.load(Ordering::SeqCst) && std::time::Instant::now() < deadline {
        std::thread::sleep(POLL.min(duration));
    }
}
