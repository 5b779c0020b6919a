//! The chip side of issuing: the office's chip keys, writing a pass's chip
//! credential and its holder's photo to a card, and reading a card back.
//!
//! Why the chip credential is signed here and not by the reader driver: it is
//! the same signed format as the printed QR, plus the card's UID, so a copy
//! of the data on another card fails verification; the driver only carries
//! bytes and knows nothing of passes.
//!
//! The office's master keys live in the station home (`chip-keys.json`,
//! readable by its owner only): every card's keys are diversified from them,
//! so a lost card gives away nothing of the others. In production the master
//! keys belong in a secure access module; the file is what this station has.

use pass_credential::PassClaims;
use pass_reader::pcsc_reader::{PcscCard, Readers};
use pass_reader::{CardKind, ChipLayout, Transport};
use serde::Serialize;
use time::OffsetDateTime;

use crate::auth::{Duty, Session};
use crate::model::{CardState, Step};
use crate::{Station, StationError, chip_photo, credentials};

/// What writing one card did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Encoded {
    pub pass_id: String,
    pub version: u32,
    /// The card's UID, upper-case hex.
    pub card_uid: String,
    /// Whether the card came blank or was one of ours (a reissue, or an interrupted write now completed).
    pub was_blank: bool,
    pub apdu_exchanges: usize,
}

/// What a card on the reader holds.
#[derive(Debug)]
pub struct CardReading {
    pub card_uid: String,
    pub kind: CardKind,
    /// The verdict on the chip credential, for a card of ours.
    pub verdict: Option<pass_credential::Verdict>,
    /// The holder's photo from the chip (JPEG), when it is the one the chip
    /// credential's signed hash names: a photo shown at the gate is one the
    /// office signed for.
    pub photo: Option<Vec<u8>>,
}

impl Station {
    /// Writes `pass_id`'s chip credential, bound to the card's UID, to the
    /// card on `card`, and records which card carries it.
    pub(crate) fn encode(
        &mut self,
        pass_id: &str,
        card: &mut impl Transport,
        session: &Session,
    ) -> Result<Encoded, StationError> {
        let actor = self.authorise(session, Duty::Issue)?;
        // First, whether this station may write chips at all (a gate may not).
        let (keys, layout) = self.home().chip_keys()?;
        let record = self.item(pass_id)?;
        // A checked print, or a card of ours back for its chip to be written again.
        let refuse = StationError::wrong_state(pass_id, "encoding", &Step::ENCODE);
        if !Step::ENCODE.from.contains(&record.state) {
            return Err(refuse(record.state));
        }
        let printed = self
            .store()
            .printed_card(pass_id)?
            .ok_or_else(|| StationError::ChipNotVerified {
                pass_id: pass_id.to_owned(),
                problem: "this station has no print of this version on record".to_owned(),
            })?;
        let signer = self.home().signing_key()?;
        let issued_at = OffsetDateTime::now_utc();
        let photo = self.chip_photo(&record.item, &layout)?;
        let photo_sha256 = photo.as_deref().map(PassClaims::photo_hash);
        // Written again, the chip must be the same card: a second live card
        // for one pass needs a reprint, approved by a supervisor.
        let on_card = self
            .store()
            .encoded_card(pass_id)?
            .filter(|_| record.state == CardState::Encoded);
        // A "blank" card whose UID this station wrote before is a copy: said
        // as such below, and never personalised.
        let clone = std::cell::Cell::new(None);
        let credential = |uid: &[u8], kind: CardKind| {
            if kind == CardKind::Blank && self.store().card_ever_issued(uid).map_err(|e| e.to_string())? {
                clone.set(Some(hex::encode_upper(uid)));
                return Err("a copy of a card this station issued".to_owned());
            }
            if let Some(card) = &on_card
                && card.card_uid != hex::encode_upper(uid)
            {
                return Err(format!(
                    "{pass_id} is already on card {}; a second card needs a reprint approved by a supervisor",
                    card.card_uid
                ));
            }
            // The chip names the same card as its face: the same print.
            let mut claims = credentials::claims_for(&record.item, &self.config().office, issued_at, printed.print);
            claims.card_uid = Some(uid.to_vec());
            claims.photo_sha256.clone_from(&photo_sha256);
            pass_credential::sign(&claims, &signer).map_err(|e| e.to_string())
        };
        let done =
            pass_reader::personalise(card, &keys, &layout, photo.as_deref(), &credential).map_err(
                |error| match clone.take() {
                    Some(card_uid) => StationError::CloneSuspected { card_uid },
                    None => error.into(),
                },
            )?;
        let item = &record.item;
        self.store_mut()
            .record_encoded_card(&done.uid, &item.pass_id, printed.print, &actor.username)?
            .map_err(&refuse)?;
        Ok(Encoded {
            pass_id: item.pass_id.clone(),
            version: item.version,
            card_uid: hex::encode_upper(&done.uid),
            was_blank: done.kind_before == CardKind::Blank,
            apdu_exchanges: done.apdu_exchanges,
        })
    }

    /// The holder's photo as the chip carries it, for a pass whose photo the
    /// cache holds (a vehicle's pass, or one without a photo, has none).
    fn chip_photo(&self, item: &crate::model::PassItem, layout: &ChipLayout) -> Result<Option<Vec<u8>>, StationError> {
        let Some(cached) = item
            .photo_sha256
            .as_deref()
            .map(|sha| self.store().photo(sha))
            .transpose()?
        else {
            return Ok(None);
        };
        let capacity = layout.photo_capacity()?.min(chip_photo::LARGEST);
        cached.map(|bytes| chip_photo::for_chip(&bytes, capacity)).transpose()
    }

    /// Reads the card on `card`: its UID, whether it is ours, and for one of
    /// ours the verdict on its chip credential (after authenticating with the
    /// card's diversified read key, which a copy of the data on another card lacks).
    pub fn read_card(
        &self,
        card: &mut impl Transport,
        now: OffsetDateTime,
        at_port: Option<&str>,
    ) -> Result<CardReading, StationError> {
        self.read_card_with(card, &self.verifier()?, now, at_port)
    }

    /// A card read as a gate reads it: [`Station::read_card_with`], then
    /// this office's own records ([`Station::office_ruling`]).
    pub fn read_card_at_gate(
        &self,
        card: &mut impl Transport,
        verifier: &pass_credential::Verifier,
        now: OffsetDateTime,
        at_port: Option<&str>,
    ) -> Result<CardReading, StationError> {
        let mut reading = self.read_card_with(card, verifier, now, at_port)?;
        if let Some(verdict) = &mut reading.verdict {
            self.office_ruling(verdict)?;
        }
        Ok(reading)
    }

    /// [`Station::read_card`] against a verifier the caller keeps, so a gate
    /// does not load the trust list and hotlist again for every tap.
    pub fn read_card_with(
        &self,
        card: &mut impl Transport,
        verifier: &pass_credential::Verifier,
        now: OffsetDateTime,
        at_port: Option<&str>,
    ) -> Result<CardReading, StationError> {
        let file = self.home().chip_key_file()?;
        let layout = file.layout();
        // An issuing desk tells blank cards from foreign ones; a gate, with
        // the read key alone, only genuine cards of ours from the rest.
        let (kind, uid, contents) = match file.office_keys() {
            Ok(keys) => match pass_reader::classify(card, &keys, &layout)? {
                (CardKind::Ours, _) => {
                    let (uid, contents) = pass_reader::read_credential(card, &keys, &layout)?;
                    (CardKind::Ours, uid, Some(contents))
                }
                (kind, uid) => (kind, uid, None),
            },
            Err(_) => {
                let keys = file.gate_keys().map_err(|detail| self.home().chip_keys_error(detail))?;
                let reading = pass_reader::read_as_gate(card, &keys, &layout)?;
                (reading.kind, reading.uid, reading.contents)
            }
        };
        let verdict = contents
            .as_ref()
            .map(|read| verifier.verify_chip(&read.credential, &uid, read.photo.as_deref(), now, at_port));
        let claims = verdict.as_ref().and_then(|v| v.claims.as_ref());
        let photo = contents
            .and_then(|read| read.photo)
            .filter(|photo| claims.is_some_and(|claims| claims.signs_photo(photo)));
        Ok(CardReading {
            card_uid: hex::encode_upper(&uid),
            kind,
            verdict,
            photo,
        })
    }
}

/// The card on the named PC/SC reader, or on the first reader that has one.
pub fn card_on_reader(name: Option<&str>) -> Result<PcscCard, StationError> {
    let readers = Readers::connect()?;
    if let Some(name) = name {
        return Ok(readers.open(name)?);
    }
    let listed = readers.list()?;
    let mut last_error = pass_reader::ReaderError::NoReader;
    for reader in &listed {
        match readers.open(reader) {
            Ok(card) => return Ok(card),
            Err(e) => last_error = e,
        }
    }
    Err(last_error.into())
}
