//! A card on the reader whose answers come from the fuzz input.
//!
//! Two ways: the input writes every answer itself ([`FuzzCard::scripted`]), or
//! a virtual DESFire card answers and the input tampers with each answer on
//! its way back ([`FuzzCard::tampered`]): flipped bytes, cut answers, another
//! status, a card pulled before or after it acted on a command, or a card
//! that answers "more frames" (91 AF) for ever. The tampered way gets past authentication, so the secure-messaging
//! checks and the personalisation steps behind it are reached too.

use pass_reader::desfire::status;
use pass_reader::{ReaderError, Transport};
use pass_vcard::VirtualCard;

use crate::Input;

/// More APDUs than any one operation of the reader driver may take with one
/// card: a personalisation takes a few dozen, reading a 64 KiB file about
/// 1,200. Going past it means the driver would go on for as long as the card
/// keeps answering.
pub const MAX_EXCHANGES: usize = 20_000;

#[derive(Debug)]
pub struct FuzzCard<'a> {
    card: Option<VirtualCard>,
    input: Input<'a>,
    /// Once set, the answer to every APDU from then on.
    forever: Option<Vec<u8>>,
    /// Whether a status word the driver got is not the one the card gave.
    forged: bool,
    exchanges: usize,
}

impl<'a> FuzzCard<'a> {
    /// Every answer is a length byte and that many bytes of the input; at its end the card is gone.
    pub fn scripted(input: Input<'a>) -> Self {
        Self {
            card: None,
            input,
            forever: None,
            forged: false,
            exchanges: 0,
        }
    }

    /// `card` answers; the input says, answer by answer, what happens to it on the way.
    pub fn tampered(card: VirtualCard, input: Input<'a>) -> Self {
        Self {
            card: Some(card),
            input,
            forever: None,
            forged: false,
            exchanges: 0,
        }
    }

    pub fn exchanges(&self) -> usize {
        self.exchanges
    }

    pub fn into_card(self) -> Option<VirtualCard> {
        self.card
    }

    /// Whether the driver was given a status word the card did not give: then
    /// it may have believed a command succeeded that the card refused (DESFire
    /// cannot protect every status, such as that of a ChangeKey of the
    /// session's key). Pulled cards and altered data are faults the next
    /// attempt must recover from; a forged status is not.
    pub fn answers_forged(&self) -> bool {
        self.forged
    }

    fn tamper(&mut self, command: &[u8]) -> Result<Vec<u8>, ReaderError> {
        let Some(card) = self.card.as_mut() else {
            return Err(ReaderError::CardRemoved);
        };
        let op = self.input.byte();
        if op.is_some_and(|op| op % 8 == 6) {
            // Pulled before the card saw the command.
            return Err(ReaderError::CardRemoved);
        }
        let mut answer = card.transmit(command)?;
        let Some(op) = op else {
            return Ok(answer);
        };
        let given = answer.clone();
        match op % 8 {
            1 => {
                // Pulled after the card acted on the command, before its answer arrived.
                return Err(ReaderError::CardRemoved);
            }
            2 => {
                answer = self.input.chunk().unwrap_or_default().to_vec();
            }
            3 => {
                let (at, mask) = (self.input.byte().unwrap_or(0), self.input.byte().unwrap_or(1));
                if !answer.is_empty() {
                    let at = usize::from(at) % answer.len();
                    answer[at] ^= mask.max(1);
                }
            }
            4 => {
                let len = usize::from(self.input.byte().unwrap_or(0));
                answer.truncate(len % (answer.len() + 1));
            }
            5 => {
                let state = self.input.byte().unwrap_or(status::ADDITIONAL_FRAME);
                if let Some(last) = answer.last_mut() {
                    *last = state;
                }
            }
            7 => {
                // From now on the card answers "more frames", with this much data each time.
                let len = usize::from(self.input.byte().unwrap_or(0)) % 64;
                let mut more = vec![0xA5; len];
                more.extend_from_slice(&[0x91, status::ADDITIONAL_FRAME]);
                self.forever = Some(more.clone());
                answer = more;
            }
            _ => {}
        }
        self.forged |= status_word(&answer) != status_word(&given);
        Ok(answer)
    }
}

impl Transport for FuzzCard<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, ReaderError> {
        self.exchanges += 1;
        assert!(
            self.exchanges <= MAX_EXCHANGES,
            "the reader driver exchanged more than {MAX_EXCHANGES} APDUs with one card: \
             it has no bound on how long a card may keep it talking"
        );
        let answer = self.answer(command);
        if trace() {
            eprintln!("APDU {:3} > {}", self.exchanges, hex(command));
            match &answer {
                Ok(answer) => eprintln!("         < {}", hex(answer)),
                Err(error) => eprintln!("         < {error:?}"),
            }
        }
        answer
    }
}

/// Whether to print every APDU and its answer (`PASS_FUZZ_TRACE=1`, to follow a crash input).
fn trace() -> bool {
    static TRACE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *TRACE.get_or_init(|| std::env::var_os("PASS_FUZZ_TRACE").is_some())
}

/// The last two bytes of an answer, or what there is of them.
fn status_word(answer: &[u8]) -> &[u8] {
    &answer[answer.len().saturating_sub(2)..]
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02X}")).collect()
}

impl FuzzCard<'_> {
    fn answer(&mut self, command: &[u8]) -> Result<Vec<u8>, ReaderError> {
        if let Some(answer) = &self.forever {
            return Ok(answer.clone());
        }
        if self.card.is_some() {
            return self.tamper(command);
        }
        match self.input.byte() {
            // A scripted card can also keep answering "more frames".
            Some(0xFF) => {
                let answer = vec![0x91, status::ADDITIONAL_FRAME];
                self.forever = Some(answer.clone());
                Ok(answer)
            }
            Some(len) => Ok(self.input.bytes(usize::from(len)).to_vec()),
            None => Err(ReaderError::CardRemoved),
        }
    }
}
