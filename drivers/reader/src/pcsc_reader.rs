//! PC/SC: the readers on this machine, their card events, and a connection to a card.
//!
//! The station talks to contactless readers through the system's PC/SC
//! service (pcsc-lite's `pcscd` on Linux). This module lists readers, runs a
//! watcher thread that turns `SCardGetStatusChange` into events on a channel,
//! and opens a card as a [`Transport`].

use std::ffi::CString;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;
use std::time::Duration;

use pcsc::{Context, Protocols, ReaderState, Scope, ShareMode, State};

use crate::transport::reader_uid;
use crate::{ReaderError, Transport};

/// How long one wait for a change lasts before the watcher looks at its stop flag again.
const WATCH_SLICE: Duration = Duration::from_millis(500);

/// A connection to the PC/SC service.
pub struct Readers {
    context: Context,
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Readers")
    }
}

impl Readers {
    /// Connects to the PC/SC service (pcscd must be running).
    pub fn connect() -> Result<Self, ReaderError> {
        let context =
            Context::establish(Scope::User).map_err(|error| ReaderError::from_pcsc("reach the service", error))?;
        Ok(Self { context })
    }

    /// The names of the readers attached now.
    pub fn list(&self) -> Result<Vec<String>, ReaderError> {
        reader_names(&self.context)
    }

    /// Connects to the card in `reader`.
    pub fn open(&self, reader: &str) -> Result<PcscCard, ReaderError> {
        let name = reader_name(reader)?;
        let card = self
            .context
            .connect(&name, ShareMode::Shared, Protocols::ANY)
            .map_err(|error| match error {
                pcsc::Error::NoSmartcard | pcsc::Error::RemovedCard => ReaderError::NoCard {
                    reader: reader.to_owned(),
                },
                pcsc::Error::UnknownReader | pcsc::Error::ReaderUnavailable => ReaderError::ReaderGone {
                    reader: reader.to_owned(),
                },
                other => ReaderError::from_pcsc("connect to the card", other),
            })?;
        Ok(PcscCard {
            card,
            reader: reader.to_owned(),
        })
    }

    /// Starts a thread that reports readers and cards coming and going. Cards
    /// already on a reader are reported as inserted first.
    pub fn watch(&self) -> Result<Watcher, ReaderError> {
        let context =
            Context::establish(Scope::User).map_err(|error| ReaderError::from_pcsc("reach the service", error))?;
        let (sender, events) = channel();
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let context = context.clone();
            let stop = Arc::clone(&stop);
            std::thread::Builder::new()
                .name("pcsc-watcher".into())
                .spawn(move || watch_loop(&context, &sender, &stop))
                .map_err(|error| ReaderError::Pcsc {
                    operation: "start the watcher",
                    detail: error.to_string(),
                })?
        };
        Ok(Watcher {
            events,
            context,
            stop,
            thread: Some(thread),
        })
    }
}

/// Something that happened at the readers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderEvent {
    ReaderAdded(String),
    ReaderRemoved(String),
    CardInserted { reader: String, atr: Vec<u8> },
    CardRemoved { reader: String },
}

/// The watcher thread and its events. Stopped on [`Watcher::stop`] or drop.
pub struct Watcher {
    events: Receiver<ReaderEvent>,
    context: Context,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Result<(), ReaderError>>>,
}

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watcher")
            .field("running", &self.thread.is_some())
            .finish_non_exhaustive()
    }
}

impl Watcher {
    pub fn events(&self) -> &Receiver<ReaderEvent> {
        &self.events
    }

    /// Stops the thread and reports how it ended (an error if PC/SC failed it earlier).
    pub fn stop(mut self) -> Result<(), ReaderError> {
        self.halt()
    }

    fn halt(&mut self) -> Result<(), ReaderError> {
        self.stop.store(true, Ordering::SeqCst);
        // Interrupts a wait in progress; one that starts just after sees the flag within WATCH_SLICE.
        let _ = self.context.cancel();
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(ReaderError::Pcsc {
                operation: "watch the readers",
                detail: "thread panicked".into(),
            }),
            None => Ok(()),
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.halt();
    }
}

fn watch_loop(context: &Context, events: &Sender<ReaderEvent>, stop: &AtomicBool) -> Result<(), ReaderError> {
    let mut states = vec![ReaderState::new(pcsc::PNP_NOTIFICATION(), State::UNAWARE)];
    let mut card_present: Vec<bool> = vec![false];
    while !stop.load(Ordering::SeqCst) {
        let readers = reader_names(context)?;
        let mut index = 1;
        while index < states.len() {
            let name = states[index].name().to_string_lossy().into_owned();
            if readers.contains(&name) {
                index += 1;
                continue;
            }
            if card_present[index] {
                send(events, ReaderEvent::CardRemoved { reader: name.clone() });
            }
            send(events, ReaderEvent::ReaderRemoved(name));
            states.remove(index);
            card_present.remove(index);
        }
        for reader in readers {
            if !states.iter().any(|state| state.name().to_string_lossy() == reader) {
                states.push(ReaderState::new(reader_name(&reader)?, State::UNAWARE));
                card_present.push(false);
                send(events, ReaderEvent::ReaderAdded(reader));
            }
        }
        for state in &mut states {
            state.sync_current_state();
        }
        match context.get_status_change(WATCH_SLICE, &mut states) {
            Ok(()) => {}
            Err(pcsc::Error::Timeout | pcsc::Error::Cancelled) => continue,
            Err(error) => return Err(ReaderError::from_pcsc("watch the readers", error)),
        }
        for (state, was_present) in states.iter().zip(card_present.iter_mut()).skip(1) {
            let present = state.event_state().contains(State::PRESENT);
            let reader = state.name().to_string_lossy().into_owned();
            if present && !*was_present {
                send(
                    events,
                    ReaderEvent::CardInserted {
                        reader,
                        atr: state.atr().to_vec(),
                    },
                );
            } else if !present && *was_present {
                send(events, ReaderEvent::CardRemoved { reader });
            }
            *was_present = present;
        }
    }
    Ok(())
}

/// Sends an event; a receiver that went away just means nobody listens any more.
fn send(events: &Sender<ReaderEvent>, event: ReaderEvent) {
    let _ = events.send(event);
}

fn reader_names(context: &Context) -> Result<Vec<String>, ReaderError> {
    match context.list_readers_owned() {
        Ok(names) => Ok(names.iter().map(|name| name.to_string_lossy().into_owned()).collect()),
        Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(error) => Err(ReaderError::from_pcsc("list the readers", error)),
    }
}

fn reader_name(reader: &str) -> Result<CString, ReaderError> {
    CString::new(reader).map_err(|_| ReaderError::ReaderGone {
        reader: reader.to_owned(),
    })
}

/// A card in a reader, connected.
pub struct PcscCard {
    card: pcsc::Card,
    reader: String,
}

impl std::fmt::Debug for PcscCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcscCard")
            .field("reader", &self.reader)
            .finish_non_exhaustive()
    }
}

impl PcscCard {
    pub fn reader(&self) -> &str {
        &self.reader
    }

    /// The card's UID as the reader reads it (`FF CA 00 00 00`).
    pub fn uid(&mut self) -> Result<Vec<u8>, ReaderError> {
        reader_uid(self)
    }
}

impl Transport for PcscCard {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, ReaderError> {
        let mut buffer = [0; pcsc::MAX_BUFFER_SIZE];
        let answer = self
            .card
            .transmit(command, &mut buffer)
            .map_err(|error| ReaderError::from_pcsc("exchange data", error))?;
        // Every answer has at least a status word: none at all is a card that
        // left mid-command (vpcd, and some readers, report it so).
        if answer.is_empty() {
            return Err(ReaderError::CardRemoved);
        }
        Ok(answer.to_vec())
    }
}
