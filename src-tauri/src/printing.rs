//! Printing cards: what goes on a card, printing a batch, checking what came
//! out, and the steps they record.
//!
//! Why the step comes only after the printer says done: a card is `printed`
//! when CUPS reports the job completed (or the files are whole in the folder).
//! A stopped queue, a held or failed job, or a missing printer is an error,
//! and the cards stay `approved`, so nothing claims a card that never came out.

use pass_printer::{CardData, CardFont, CardPort, CardRenderer, CardTemplate, Holder as CardHolder, Orientation};
use pass_printer::{PrintFormat, PrintTarget, Printed};
use serde::Serialize;

use crate::auth::{Duty, Session};
use crate::model::{Holder, Step};
use crate::store::{ItemRecord, PrintRecord};
use crate::{Station, StationError};

/// What a print did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrintReport {
    pub pass_ids: Vec<String>,
    /// The print serial of each card, in the order of `pass_ids`.
    pub prints: Vec<u32>,
    /// The CUPS job number, when printed through CUPS.
    pub job: Option<u32>,
    /// The files written, when printed to a folder.
    pub files: Vec<String>,
}

/// What checking a print found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct PrintCheck {
    pub pass_id: String,
    /// The print carries this pass's credential: the card moved to `print_verified`.
    pub matches: bool,
    /// Why not, when it does not, in English (the audit's words).
    pub problem: Option<String>,
    /// What the printed code is instead, for a screen to say in its language.
    pub mismatch: Option<Mismatch>,
    /// Whether a print that does not match was marked `spoiled`; when not,
    /// the card stays printed and the clerk decides (spoil it, or show the
    /// right card again).
    pub spoiled: bool,
}

/// What a printed code is, when it is not the credential of the pass checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Mismatch {
    /// Another card's credential.
    OtherCard { pass_id: String, version: u32 },
    /// Another print of this pass.
    OtherPrint { version: u32, print: u32 },
    /// Not a credential this office signed (a misprint or a forgery).
    NotOurs,
    /// This station has no print of this version on record.
    NoPrint,
}

impl Mismatch {
    /// In words for the clerk and the audit (English).
    fn describe(&self, pass_id: &str) -> String {
        match self {
            Mismatch::OtherCard {
                pass_id: other,
                version,
            } => {
                format!("the printed code is {other} version {version}, not {pass_id}: another card's print")
            }
            Mismatch::OtherPrint { version, print } => {
                format!("the printed code is another print of this pass (version {version}, print {print})")
            }
            Mismatch::NotOurs => {
                "the printed code is not a credential this office signed (misprint or forgery)".to_owned()
            }
            Mismatch::NoPrint => "this station has no print of this version on record".to_owned(),
        }
    }
}

/// The card template the office uses.
pub fn template(portrait: bool) -> CardTemplate {
    let orientation = if portrait {
        Orientation::Portrait
    } else {
        Orientation::Landscape
    };
    CardTemplate { orientation }
}

impl Station {
    /// Everything printed on a pass's card, with `qr_text` as its QR: a
    /// print's signed credential, or for a preview a specimen.
    fn card_data(&self, record: ItemRecord, qr_text: String, specimen: bool) -> Result<CardData, StationError> {
        let item = record.item;
        let pass_id = item.pass_id.as_str();
        let photo = match &item.photo_sha256 {
            Some(sha) => self.store().photo(sha)?,
            None => None,
        };
        let holder = match item.holder {
            Holder::Person { name, name_latin, .. } => CardHolder::Person {
                name,
                latin_name: name_latin,
                photo: photo.ok_or_else(|| StationError::PhotoMissing {
                    pass_id: pass_id.to_owned(),
                })?,
            },
            Holder::Vehicle { plate, vehicle_type } => CardHolder::Vehicle {
                plate,
                vehicle_type,
                photo,
            },
        };
        let ports = item
            .ports
            .iter()
            .map(|code| {
                let port = pass_central::model::port(code);
                CardPort {
                    code: code.clone(),
                    name_zh: port.map_or(code.as_str(), |p| p.name_zh).to_owned(),
                    name_en: port.map_or(code.as_str(), |p| p.name_en).to_owned(),
                }
            })
            .collect();
        let pickup_office = pass_central::model::port(&item.pickup_office)
            .map_or(item.pickup_office.clone(), |p| format!("{} {}", p.name_zh, p.name_en));
        Ok(CardData {
            qr_text,
            specimen,
            pass_id: item.pass_id,
            version: item.version,
            temporary: item.temporary,
            holder,
            company_name: item.company_name,
            company_tax_id: item.company_tax_id,
            ports,
            valid_from: item.valid_from,
            valid_to: item.valid_to,
            pickup_office,
        })
    }

    /// Prints the cards of `pass_ids` as one job and, once the printer has
    /// them, moves each from `approved` to `printed`. Every card is checked
    /// (state, photo, characters the font lacks) before anything is sent.
    ///
    /// Each card's credential is signed here, with a print serial of its own,
    /// and recorded before the job goes out; a job the printer fails
    /// abandons its prints, which go to central to be revoked (part of a card
    /// may have come out).
    pub(crate) fn print_cards(
        &mut self,
        pass_ids: &[String],
        target: &PrintTarget,
        template: CardTemplate,
        format: PrintFormat,
        session: &Session,
    ) -> Result<PrintReport, StationError> {
        let actor = self.authorise(session, Duty::Issue)?;
        refuse_repeats(pass_ids)?;
        let mut cards = Vec::with_capacity(pass_ids.len());
        let mut prints = Vec::with_capacity(pass_ids.len());
        for pass_id in pass_ids {
            let record = self.item(pass_id)?;
            if !Step::PRINT.from.contains(&record.state) {
                return Err(StationError::wrong_state(pass_id, "printing", &Step::PRINT)(
                    record.state,
                ));
            }
            let version = record.item.version;
            let print = self
                .store()
                .next_print_serial(pass_id, version, self.first_print(pass_id, version)?)?;
            let qr_text = self.sign_print(&record.item, print)?;
            cards.push(self.card_data(record, qr_text.clone(), false)?);
            prints.push(PrintRecord {
                pass_id: pass_id.clone(),
                version,
                print,
                qr_text,
            });
        }
        let renderer = CardRenderer::new(CardFont::bundled()?, template);
        let document = renderer.render_batch(&cards)?;
        if let PrintTarget::Folder(folder) = target {
            // Printed cards carry names, photos and valid credentials.
            crate::station::create_private_dir(&folder.dir, "make the printer's folder private")?;
        }
        self.store_mut().begin_prints(&prints, &actor.username)?;
        let printed = match target.print(&document, format) {
            Ok(printed) => printed,
            Err(error) => {
                let why = format!("the printer failed: {error}");
                self.store_mut().abandon_prints(&prints, &actor.username, &why)?;
                return Err(error.into());
            }
        };
        let (job, files) = match printed {
            Printed::Job(job) => (Some(job), Vec::new()),
            Printed::Files(files) => (None, files.iter().map(|f| f.display().to_string()).collect()),
        };
        for print in &prints {
            let detail = actor.detail(serde_json::json!({ "job": job, "files": files, "print": print.print }));
            self.store_mut()
                .finish_print(print, &actor.username, &detail)?
                .map_err(StationError::wrong_state(&print.pass_id, "printing", &Step::PRINT))?;
        }
        Ok(PrintReport {
            pass_ids: pass_ids.to_vec(),
            prints: prints.iter().map(|p| p.print).collect(),
            job,
            files,
        })
    }

    /// Checks the QR read off a printed card against the pass it was printed
    /// for: the credential signed for the print that came out. A match moves
    /// the card to `print_verified`; anything else (a misprint, another card,
    /// a forged or unreadable code) marks it `spoiled`, so it is never
    /// encoded, and its print goes to central to be revoked.
    pub(crate) fn check_print(
        &mut self,
        pass_id: &str,
        read: &str,
        session: &Session,
    ) -> Result<PrintCheck, StationError> {
        self.check_print_then(pass_id, read, session, true)
    }

    /// [`Station::check_print`], marking a mismatch `spoiled` only when
    /// `spoil_on_mismatch`; otherwise the card stays `printed` and the check
    /// only says what is wrong (a live camera may have caught another card).
    pub(crate) fn check_print_then(
        &mut self,
        pass_id: &str,
        read: &str,
        session: &Session,
        spoil_on_mismatch: bool,
    ) -> Result<PrintCheck, StationError> {
        let actor = self.authorise(session, Duty::Issue)?;
        let record = self.item(pass_id)?;
        let refuse = StationError::wrong_state(pass_id, "checking the print", &Step::CHECK_PRINT);
        if !Step::CHECK_PRINT.from.contains(&record.state) {
            return Err(refuse(record.state));
        }
        let expected = self.store().printed_card(pass_id)?;
        let read = read.trim();
        let mismatch = match expected {
            Some(expected) if expected.qr_text == read => None,
            Some(_) => Some(self.mismatch(pass_id, read)),
            None => Some(Mismatch::NoPrint),
        };
        let problem = mismatch.as_ref().map(|m| m.describe(pass_id));
        let (step, detail) = match &problem {
            None => (Step::CHECK_PRINT, serde_json::json!({})),
            Some(problem) => (Step::MISPRINT, serde_json::json!({ "reason": problem })),
        };
        let spoiled = problem.is_some() && spoil_on_mismatch;
        if problem.is_none() || spoiled {
            self.store_mut()
                .advance(pass_id, &step, &actor.username, &actor.detail(detail))?
                .map_err(refuse)?;
        }
        Ok(PrintCheck {
            pass_id: pass_id.to_owned(),
            matches: problem.is_none(),
            problem,
            mismatch,
            spoiled,
        })
    }

    /// What a read QR is, when it is not the pass's credential.
    fn mismatch(&self, pass_id: &str, read: &str) -> Mismatch {
        let verdict = self
            .verifier()
            .map(|v| v.verify_qr(read, time::OffsetDateTime::now_utc(), None));
        match verdict.ok().and_then(|v| v.claims) {
            Some(claims) if claims.pass_id != pass_id => Mismatch::OtherCard {
                pass_id: claims.pass_id,
                version: claims.version,
            },
            Some(claims) => Mismatch::OtherPrint {
                version: claims.version,
                print: claims.print,
            },
            None => Mismatch::NotOurs,
        }
    }

    /// The card as a PNG per side, rendered from the same PDF that prints,
    /// marked SPECIMEN and with a specimen QR that no verifier accepts.
    pub(crate) fn preview(
        &self,
        pass_id: &str,
        template: CardTemplate,
        dpi: u32,
    ) -> Result<Vec<Vec<u8>>, StationError> {
        let card = self.card_data(self.item(pass_id)?, pass_credential::specimen_text(pass_id), true)?;
        let document = CardRenderer::new(CardFont::bundled()?, template).render(&card)?;
        Ok(document.preview(dpi)?)
    }
}

/// The pass number a test card carries: no pass has it (pass numbers are
/// `OFFICE-YEAR-NNNNNN`), and its QR is a specimen's, which no verifier accepts.
pub const TEST_CARD_PASS_ID: &str = "TEST-CARD";

/// A specimen card to try a printer with: a vehicle card (no photo needed)
/// marked SPECIMEN on both sides, with a specimen QR and no credential, so a
/// test print can never be used as a pass.
pub(crate) fn test_card_document(
    office: &str,
    template: CardTemplate,
) -> Result<pass_printer::CardDocument, StationError> {
    let today = time::OffsetDateTime::now_utc().date();
    let port = pass_central::model::port(office);
    let (name_zh, name_en) = port.map_or((office, office), |p| (p.name_zh, p.name_en));
    let card = CardData {
        qr_text: pass_credential::specimen_text(TEST_CARD_PASS_ID),
        specimen: true,
        pass_id: TEST_CARD_PASS_ID.to_owned(),
        version: 1,
        temporary: false,
        holder: CardHolder::Vehicle {
            plate: "TEST-0000".to_owned(),
            vehicle_type: "測試卡 Test card".to_owned(),
            photo: None,
        },
        company_name: "印表機測試 Printer test".to_owned(),
        company_tax_id: "00000000".to_owned(),
        ports: vec![CardPort {
            code: office.to_owned(),
            name_zh: name_zh.to_owned(),
            name_en: name_en.to_owned(),
        }],
        valid_from: today,
        valid_to: today,
        pickup_office: format!("{name_zh} {name_en}"),
    };
    Ok(CardRenderer::new(CardFont::bundled()?, template).render(&card)?)
}

/// Refuses a batch that names a pass twice: a pass gets one card.
pub(crate) fn refuse_repeats(pass_ids: &[String]) -> Result<(), StationError> {
    match pass_ids
        .iter()
        .enumerate()
        .find(|(at, id)| pass_ids[..*at].contains(id))
    {
        Some((_, twice)) => Err(StationError::TwiceInBatch { pass_id: twice.clone() }),
        None => Ok(()),
    }
}
