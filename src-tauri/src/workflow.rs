//! The card's life after its chip is written, and the ways out of it:
//! release by a supervisor, hand-over to the company, cards not collected,
//! and spoil, void and reprint.
//!
//! Why these rules: the office answers for every card. A supervisor
//! releases a card only after its seal check: the printed QR and the chip
//! name the same pass, version and print, on the chip this station wrote;
//! and never a card they wrote themselves (two people see every card). A
//! card taken out of use by any way but hand-over names both its faces, its
//! print and its chip's UID, which go to central for the hotlist, so a lost
//! or misprinted card fails at every gate. A reprint raises the pass version
//! at central, so the old credential fails too.

use pass_central::api::ReprintRequest;
use pass_central::identity::IdDocument;
use pass_reader::{CardKind, Transport};
use serde::{Deserialize, Serialize};
use time::Duration;

use crate::auth::{AuthError, Duty, Session};
use crate::entitlement::{CardEntitlement, Entitlement};
use crate::model::{Step, check_wire_item};
use crate::store::{CardFaces, HandOverGrounds, ItemRecord, Pickup, Recipient, rfc3339};
use crate::{Station, StationError};

/// What a release checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Released {
    pub pass_id: String,
    pub card_uid: String,
    pub released_by: String,
    pub delegated_by: Option<String>,
}

/// A hand-over: the cards of one application and who took them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct HandedOver {
    #[serde(flatten)]
    pub recipient: Recipient,
    pub application_id: String,
    /// The cards handed over, in the order given.
    pub pass_ids: Vec<String>,
    /// What let the recipient take each card; `None` where the supervisor approved.
    pub cards: Vec<CardEntitlement>,
    /// The supervisor who approved the cards the recipient had no right to.
    pub approved_by: Option<String>,
}

/// Who takes released cards of one application, as their ID document shows
/// them, with the pick-up codes they bring and, for cards they have no right
/// to, a supervisor's approval.
#[derive(Clone, Deserialize, ts_rs::TS)]
pub struct HandOver {
    /// Released cards of one application.
    pub pass_ids: Vec<String>,
    pub name: String,
    pub company: String,
    /// As shown; only a masked form is kept.
    pub document: IdDocument,
    /// Pick-up codes (`PK1:`…) the company's delegate brought, scanned or typed.
    #[serde(default)]
    pub pickup_codes: Vec<String>,
    #[serde(default)]
    pub approval: Option<SupervisorApproval>,
}

impl std::fmt::Debug for HandOver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandOver")
            .field("pass_ids", &self.pass_ids)
            .field("document", &self.document.masked())
            .field("pickup_codes", &self.pickup_codes.len())
            .field("approval", &self.approval)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for SupervisorApproval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SupervisorApproval")
            .field("supervisor", &self.supervisor)
            .field("reason", &self.reason)
            .finish_non_exhaustive()
    }
}

/// A supervisor's approval, given at the desk with their password.
#[derive(Clone, Deserialize, ts_rs::TS)]
pub struct SupervisorApproval {
    pub supervisor: String,
    /// Checked against the hash kept from their last sign-in; never kept.
    pub password: String,
    /// Why the card may go to someone the pass system does not name; audited.
    pub reason: String,
}

/// What a reprint did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Reprinted {
    pub pass_id: String,
    pub old_version: u32,
    pub new_version: u32,
    /// The old card (its print and chip), now on the hotlist, if one was made.
    pub old_card: Option<CardFaces>,
}

/// A pick-up waiting, with how long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Waiting {
    #[serde(flatten)]
    pub pickup: Pickup,
    pub days_waiting: i64,
}

impl Station {
    /// Releases an encoded card for hand-over after its seal check: the card
    /// must be on the reader, its chip must verify as this pass's current
    /// version bound to the card this station wrote, and `printed_qr` (the QR
    /// read off the same card) must name the same pass, version and print as
    /// the chip. The releaser must not be its encoder.
    pub(crate) fn release(
        &mut self,
        pass_id: &str,
        printed_qr: &str,
        card: &mut impl Transport,
        session: &Session,
    ) -> Result<Released, StationError> {
        let actor = self.authorise(session, Duty::Approve)?;
        // Releasing is an issuing desk's step: a station with the gate's keys only may not.
        drop(self.home().chip_keys()?);
        let record = self.item(pass_id)?;
        let refuse = StationError::wrong_state(pass_id, "release", &Step::RELEASE);
        if !Step::RELEASE.from.contains(&record.state) {
            return Err(refuse(record.state));
        }
        if self.store().encoded_by(pass_id)?.as_deref() == Some(&actor.username) {
            return Err(AuthError::TwoPerson {
                username: actor.username,
                pass_id: pass_id.to_owned(),
            }
            .into());
        }
        let not_verified = |problem: String| StationError::ChipNotVerified {
            pass_id: pass_id.to_owned(),
            problem,
        };
        let written = self
            .store()
            .encoded_card(pass_id)?
            .ok_or_else(|| not_verified("this station has no record of writing its chip".to_owned()))?;
        let reading = self.read_card(card, self.now(), None)?;
        if reading.card_uid != written.card_uid {
            return Err(not_verified(format!(
                "the card on the reader is {}, but the pass was written to {}",
                reading.card_uid, written.card_uid
            )));
        }
        let verdict = match (reading.kind, reading.verdict) {
            (CardKind::Ours, Some(verdict)) => verdict,
            (kind, _) => return Err(not_verified(format!("the chip reads as {kind:?}, not as one of ours"))),
        };
        // A pass whose validity starts later is still released ahead of its first day.
        let standing = match &verdict.outcome {
            Ok(()) | Err(pass_credential::Reason::NotYetValid) => None,
            Err(reason) => Some(reason.message(pass_credential::Lang::En)),
        };
        if let Some(problem) = standing {
            return Err(not_verified(problem));
        }
        let chip = match verdict.claims {
            Some(claims) if claims.pass_id == pass_id && claims.version == record.item.version => claims,
            _ => {
                return Err(not_verified(
                    "the chip holds another pass or an older version".to_owned(),
                ));
            }
        };
        self.check_seal(pass_id, printed_qr, &chip)?;
        let detail = actor.detail(serde_json::json!({ "card_uid": reading.card_uid, "print": chip.print }));
        self.store_mut()
            .advance(pass_id, &Step::RELEASE, &actor.username, &detail)?
            .map_err(refuse)?;
        Ok(Released {
            pass_id: pass_id.to_owned(),
            card_uid: reading.card_uid,
            released_by: actor.username,
            delegated_by: actor.delegated_by,
        })
    }

    /// The seal check: the QR printed on the card names the same pass,
    /// version and print as its chip, and that print is the one this station
    /// printed and checked. A card body swapped between print check and
    /// encoding fails here.
    fn check_seal(
        &self,
        pass_id: &str,
        printed_qr: &str,
        chip: &pass_credential::PassClaims,
    ) -> Result<(), StationError> {
        let broken = |problem: String| StationError::SealBroken {
            pass_id: pass_id.to_owned(),
            problem,
        };
        let verdict = self.verifier()?.verify_qr(printed_qr.trim(), self.now(), None);
        let printed = match (verdict.outcome, verdict.claims) {
            (Ok(()) | Err(pass_credential::Reason::NotYetValid), Some(claims)) => claims,
            (Err(reason), _) => {
                return Err(broken(format!("the printed QR does not verify ({})", reason.code())));
            }
            (Ok(()), None) => return Err(broken("the printed QR carries no pass".to_owned())),
        };
        let names = |c: &pass_credential::PassClaims| format!("{} version {} print {}", c.pass_id, c.version, c.print);
        if (&printed.pass_id, printed.version, printed.print) != (&chip.pass_id, chip.version, chip.print) {
            return Err(broken(format!(
                "the printed QR names {}, the chip {}",
                names(&printed),
                names(chip)
            )));
        }
        let recorded = self.store().printed_card(pass_id)?.map(|p| p.print);
        if recorded != Some(chip.print) {
            return Err(broken(format!(
                "the card is print {}, but this station's print of record is {}",
                chip.print,
                recorded.map_or("none".to_owned(), |p| p.to_string())
            )));
        }
        Ok(())
    }

    /// Refuses to release an encoded card (its seal check failed, or it is
    /// not fit to go out): the card is spoiled and both its faces go to the
    /// hotlist. A supervisor's decision, with a reason.
    pub(crate) fn refuse_release(
        &mut self,
        pass_id: &str,
        reason: &str,
        session: &Session,
    ) -> Result<Option<CardFaces>, StationError> {
        let actor = self.authorise(session, Duty::Approve)?;
        self.retire(pass_id, reason, &Step::REFUSE_RELEASE, "refusing the release", &actor)
    }

    /// Hands released cards of one application to one recipient, as one
    /// hand-over. Their ID document is checked for its format and masked
    /// before it is kept, as it is shown, not copied.
    ///
    /// Each card must be the recipient's to take (see
    /// [`crate::entitlement`]): they are its holder, or the delegate of its
    /// pick-up code; for the other cards a supervisor approves with a
    /// reason, or nothing is done. Checked as a whole, moved card by card:
    /// the list is refused, with nothing done, when any card in it is
    /// unknown, named twice, not released, or of another application, or a
    /// pick-up code shown is not good. Then each card takes its own
    /// hand-over step (its own transaction, audit entry and event for
    /// central, as one card alone would), whose detail names the other cards
    /// handed over with it and the grounds. Should a step still fail after
    /// the check (another desk moved the card in between, the disk failed),
    /// the cards before it stay handed over, each a whole step, and the
    /// error names the card that was not; what still waits shows in the
    /// pick-ups.
    pub(crate) fn hand_over(&mut self, to: &HandOver, session: &Session) -> Result<HandedOver, StationError> {
        let actor = self.authorise(session, Duty::Issue)?;
        let (name, company) = (to.name.trim(), to.company.trim());
        if name.is_empty() || company.is_empty() {
            return Err(StationError::RecipientMissing);
        }
        let document = to.document.checked()?;
        let (application_id, records) = self.hand_over_records(&to.pass_ids)?;
        // Codes before states: a code shown twice is refused as used, which says more than "handed over".
        let cards = self.entitlements(&records, name, Some(&document), &to.pickup_codes)?;
        refuse_unreleased(&records)?;
        let unentitled: Vec<String> = cards
            .iter()
            .filter(|card| card.entitlement.is_none())
            .map(|card| card.pass_id.clone())
            .collect();
        let approval = match (&to.approval, unentitled.is_empty()) {
            (_, true) => None,
            (None, false) => return Err(StationError::NeedsApproval { pass_ids: unentitled }),
            (Some(approval), false) => {
                let reason = required_reason(&approval.reason)?.to_owned();
                let approver = self.confirm_approver(&approval.supervisor, &approval.password)?;
                Some((approver.username, reason))
            }
        };
        let recipient = Recipient {
            name: name.to_owned(),
            company: company.to_owned(),
            id_masked: document.masked(),
        };
        for card in &cards {
            let pass_id = &card.pass_id;
            let grounds = match (&card.entitlement, &approval) {
                (Some(Entitlement::Holder), _) => HandOverGrounds::Holder,
                (Some(Entitlement::PickupCode { code_id, .. }), _) => HandOverGrounds::PickupCode { code_id },
                (None, Some((approved_by, reason))) => HandOverGrounds::Supervisor { approved_by, reason },
                (None, None) => return Err(StationError::NeedsApproval { pass_ids: unentitled }),
            };
            let others: Vec<&String> = to.pass_ids.iter().filter(|other| *other != pass_id).collect();
            self.store_mut()
                .record_handover(pass_id, &recipient, (&actor.username, &grounds), &others)?
                .map_err(StationError::wrong_state(pass_id, "hand-over", &Step::HAND_OVER))?;
        }
        Ok(HandedOver {
            recipient,
            application_id,
            pass_ids: to.pass_ids.clone(),
            cards,
            approved_by: approval.map(|(approved_by, _)| approved_by),
        })
    }

    /// Whether a recipient may take each of the cards, before the hand-over:
    /// the same check, without an approval and without recording anything.
    pub(crate) fn check_recipient(
        &mut self,
        pass_ids: &[String],
        name: &str,
        document: Option<&IdDocument>,
        pickup_codes: &[String],
        session: &Session,
    ) -> Result<Vec<CardEntitlement>, StationError> {
        self.authorise(session, Duty::Issue)?;
        let document = document.map(IdDocument::checked).transpose()?;
        let (_, records) = self.hand_over_records(pass_ids)?;
        let cards = self.entitlements(&records, name.trim(), document.as_ref(), pickup_codes)?;
        refuse_unreleased(&records)?;
        Ok(cards)
    }

    /// The application of the cards of a hand-over, and their records, once
    /// each is known, named once and of that one application.
    fn hand_over_records(&self, pass_ids: &[String]) -> Result<(String, Vec<ItemRecord>), StationError> {
        crate::printing::refuse_repeats(pass_ids)?;
        let mut application: Option<String> = None;
        let mut records = Vec::with_capacity(pass_ids.len());
        for pass_id in pass_ids {
            let record = self.item(pass_id)?;
            let of = &record.item.application_id;
            match &application {
                Some(first) if first != of => {
                    return Err(StationError::OtherApplication {
                        pass_id: pass_id.clone(),
                        application_id: of.clone(),
                        expected: first.clone(),
                    });
                }
                Some(_) => {}
                None => application = Some(of.clone()),
            }
            records.push(record);
        }
        let application = application.ok_or(StationError::NothingToHandOver)?;
        Ok((application, records))
    }

    /// Marks a made card spoiled (misprint, dead chip, damage): it is never
    /// used, and both its faces (print and chip) go on the hotlist. Returns them.
    pub(crate) fn spoil(
        &mut self,
        pass_id: &str,
        reason: &str,
        session: &Session,
    ) -> Result<Option<CardFaces>, StationError> {
        let actor = self.authorise(session, Duty::Issue)?;
        self.retire(pass_id, reason, &Step::SPOIL, "spoiling", &actor)
    }

    /// Voids a pass's card on a supervisor's decision, handed over or not;
    /// both its faces, if one was made, go on the hotlist. Returns them.
    pub(crate) fn void(
        &mut self,
        pass_id: &str,
        reason: &str,
        session: &Session,
    ) -> Result<Option<CardFaces>, StationError> {
        let actor = self.authorise(session, Duty::Approve)?;
        self.retire(pass_id, reason, &Step::VOID, "voiding", &actor)
    }

    fn retire(
        &mut self,
        pass_id: &str,
        reason: &str,
        step: &Step,
        name: &'static str,
        actor: &crate::auth::Actor,
    ) -> Result<Option<CardFaces>, StationError> {
        let reason = required_reason(reason)?;
        self.item(pass_id)?;
        let detail = actor.detail(serde_json::json!({ "reason": reason }));
        self.store_mut()
            .retire_card(pass_id, step, &actor.username, &detail)?
            .map_err(StationError::wrong_state(pass_id, name, step))
    }

    /// Approves a new card for a pass whose card was made: central raises the
    /// pass version (the old credential and the old chip then fail at every
    /// gate) and the pass starts again at `approved`. Needs the network.
    pub(crate) async fn reprint(
        &mut self,
        pass_id: &str,
        reason: &str,
        session: &Session,
    ) -> Result<Reprinted, StationError> {
        let actor = self.authorise(session, Duty::Approve)?;
        let reason = required_reason(reason)?;
        let record = self.item(pass_id)?;
        if !Step::REPRINT.from.contains(&record.state) {
            return Err(StationError::wrong_state(pass_id, "a reprint", &Step::REPRINT)(
                record.state,
            ));
        }
        let old_card = self.store().card_faces(pass_id)?;
        let request = ReprintRequest {
            reason: reason.to_owned(),
            approved_by: actor.username.clone(),
            card_uid: old_card.as_ref().and_then(|c| c.card_uid.clone()),
        };
        let central = |source| StationError::Central {
            stage: "asking central to raise the pass version for a reprint".to_owned(),
            source,
        };
        let raised = self.client()?.reprint(pass_id, &request).await.map_err(central)?;
        let raw = serde_json::to_value(&raised).map_err(|e| StationError::Corrupt(e.to_string()))?;
        let item = check_wire_item(&raw, &self.config().office).map_err(|(_, rejection)| StationError::Untrusted {
            what: "reprinted pass",
            detail: rejection.0,
        })?;
        let detail = actor.detail(serde_json::json!({
            "reason": reason, "old_version": record.item.version, "new_version": item.version,
        }));
        self.store_mut()
            .record_reprint(&item, &actor.username, &detail)?
            .map_err(StationError::wrong_state(pass_id, "a reprint", &Step::REPRINT))?;
        Ok(Reprinted {
            pass_id: pass_id.to_owned(),
            old_version: record.item.version,
            new_version: item.version,
            old_card,
        })
    }

    /// Released cards waiting for pick-up, oldest first. Those past the
    /// office's pick-up window are marked `uncollected` on the way (the
    /// station itself takes that step) and left out.
    pub(crate) fn pickups(&mut self, session: &Session) -> Result<Vec<Waiting>, StationError> {
        self.authorise(session, Duty::Issue)?;
        let now = self.now();
        let window = Duration::days(i64::from(self.config().pickup_window_days));
        let station = self.actor();
        let mut waiting = Vec::new();
        for pickup in self.store().pickups()? {
            if pickup.released_at < now - window {
                let detail = serde_json::json!({
                    "released_at": rfc3339(pickup.released_at), "window_days": window.whole_days(),
                });
                if self
                    .store_mut()
                    .advance(&pickup.pass_id, &Step::UNCOLLECTED, &station, &detail)?
                    .is_ok()
                {
                    continue;
                }
            }
            let days_waiting = (now - pickup.released_at).whole_days();
            waiting.push(Waiting { pickup, days_waiting });
        }
        self.remind_of_waiting_cards()?;
        Ok(waiting)
    }
}

/// Refuses a hand-over of a card that is not released (yet, or any more).
fn refuse_unreleased(records: &[ItemRecord]) -> Result<(), StationError> {
    match records
        .iter()
        .find(|record| !Step::HAND_OVER.from.contains(&record.state))
    {
        Some(record) => Err(StationError::wrong_state(
            &record.item.pass_id,
            "hand-over",
            &Step::HAND_OVER,
        )(record.state)),
        None => Ok(()),
    }
}

pub(crate) fn required_reason(reason: &str) -> Result<&str, StationError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(StationError::ReasonMissing);
    }
    Ok(reason)
}
