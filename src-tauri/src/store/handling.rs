//! The steps of a card's life after the chip is written, and the ones that
//! take a card out of use, where a step carries more than a state: the
//! recipient of a hand-over, the UID of a card that must go on the hotlist,
//! the raised version of a reprint.
//!
//! Not for the state change, the audit entry and the event themselves: each
//! step here writes its own record around `card_events`, in one transaction.

use rusqlite::params;
use serde::Serialize;
use time::OffsetDateTime;

use super::card_events::advance_in;
use super::card_faces::{CardFaces, card_faces_in};
use super::db::{SqlContext, Store, StoreError, now_rfc3339};
use super::items::{set_handed_over_card, upsert_item};
use super::rows::parse_time;
use crate::model::{CardState, PassItem, Step};

/// Who took a card away. The recipient's ID number is kept masked only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Recipient {
    pub name: String,
    pub company: String,
    pub id_masked: String,
}

/// What let a recipient take one card (see [`crate::entitlement`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandOverGrounds<'a> {
    /// They showed the holder's own ID document.
    Holder,
    /// The company's delegate, with this pick-up code (kept, as a code is good once).
    PickupCode { code_id: &'a str },
    /// A supervisor approved, with a reason.
    Supervisor { approved_by: &'a str, reason: &'a str },
}

impl HandOverGrounds<'_> {
    fn name(&self) -> &'static str {
        match self {
            HandOverGrounds::Holder => "holder",
            HandOverGrounds::PickupCode { .. } => "pickup_code",
            HandOverGrounds::Supervisor { .. } => "supervisor",
        }
    }
}

/// A released card waiting to be picked up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Pickup {
    pub pass_id: String,
    /// The holder's name, or the vehicle's plate.
    pub holder: String,
    pub company_name: String,
    /// The application the pass came with: its cards are collected together.
    pub application_id: String,
    /// When the card was released: its `released` audit entry, or, lacking
    /// one, when the item last changed.
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub released_at: OffsetDateTime,
}

impl Store {
    /// Takes a step that takes the pass's card out of use (spoil, void,
    /// refused release): the audit entry and the event name both faces of the
    /// card, its print and its chip, so central puts them on the hotlist.
    /// Returns the card's faces, if one was made.
    pub fn retire_card(
        &mut self,
        pass_id: &str,
        step: &Step,
        actor: &str,
        detail: &serde_json::Value,
    ) -> Result<Result<Option<CardFaces>, CardState>, StoreError> {
        let tx = self.conn.transaction().context("taking a card out of use")?;
        let card = card_faces_in(&tx, pass_id)?;
        let moved = advance_in(&tx, pass_id, step, actor, detail)?;
        if moved.is_ok() {
            tx.commit().context("taking a card out of use")?;
        }
        Ok(moved.map(|()| card))
    }

    /// Hands a released card over to `recipient`, with its record, audit
    /// entry and event, in one transaction; `with` names the other cards the
    /// recipient took at the same time (in the entry's detail), `grounds`
    /// what let them take it. A pick-up code is kept as used in the same
    /// transaction, so it cannot serve twice.
    pub fn record_handover(
        &mut self,
        pass_id: &str,
        recipient: &Recipient,
        (actor, grounds): (&str, &HandOverGrounds),
        with: &[&String],
    ) -> Result<Result<(), CardState>, StoreError> {
        let tx = self.conn.transaction().context("recording a hand-over")?;
        let card = card_faces_in(&tx, pass_id)?;
        let mut detail = serde_json::json!({
            "recipient": recipient.name, "recipient_company": recipient.company,
            "recipient_id_masked": recipient.id_masked, "authorised_by": grounds.name(),
        });
        let (code_id, approved_by, reason) = match grounds {
            HandOverGrounds::Holder => (None, None, None),
            HandOverGrounds::PickupCode { code_id } => (Some(*code_id), None, None),
            HandOverGrounds::Supervisor { approved_by, reason } => (None, Some(*approved_by), Some(*reason)),
        };
        if let Some(code_id) = code_id {
            detail["pickup_code_id"] = serde_json::json!(code_id);
        }
        if let (Some(approved_by), Some(reason)) = (approved_by, reason) {
            detail["approved_by"] = serde_json::json!(approved_by);
            detail["approval_reason"] = serde_json::json!(reason);
        }
        if !with.is_empty() {
            detail["handed_over_with"] = serde_json::json!(with);
        }
        if let Some(card) = &card {
            detail["handed_over_card"] = card.to_json(None);
        }
        let moved = advance_in(&tx, pass_id, &Step::HAND_OVER, actor, &detail)?;
        if moved.is_err() {
            return Ok(moved);
        }
        let now = now_rfc3339();
        if let Some(card) = &card {
            set_handed_over_card(&tx, pass_id, card.print, card.card_uid.as_deref(), &now)?;
        }
        tx.execute(
            "INSERT INTO handovers (pass_id, version, recipient_name, recipient_company, recipient_id_masked,
                handed_over_at, clerk, authorised_by, pickup_code_id, approved_by, approval_reason)
             SELECT pass_id, version, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10 FROM items WHERE pass_id = ?1",
            params![
                pass_id,
                recipient.name,
                recipient.company,
                recipient.id_masked,
                now,
                actor,
                grounds.name(),
                code_id,
                approved_by,
                reason
            ],
        )
        .context("recording a hand-over")?;
        if let Some(code_id) = code_id {
            tx.execute(
                "INSERT INTO pickup_codes_used (code_id, pass_id, version, used_at, clerk)
                 SELECT ?1, pass_id, version, ?2, ?3 FROM items WHERE pass_id = ?4",
                params![code_id, now, actor, pass_id],
            )
            .context("keeping a pick-up code as used")?;
        }
        tx.commit().context("recording a hand-over")?;
        Ok(moved)
    }

    /// When a pick-up code was used here, if it was.
    pub fn pickup_code_used(&self, code_id: &str) -> Result<Option<String>, StoreError> {
        use rusqlite::OptionalExtension as _;
        self.conn
            .query_row(
                "SELECT used_at FROM pickup_codes_used WHERE code_id = ?1",
                [code_id],
                |row| row.get(0),
            )
            .optional()
            .context("looking up a pick-up code")
    }

    /// Starts a pass again at the version central raised for a reprint: the
    /// old card (both faces, if one was made) is retired in the audit entry
    /// and the event, then the new version is stored and the card goes back to
    /// `approved`.
    pub fn record_reprint(
        &mut self,
        raised: &PassItem,
        actor: &str,
        detail: &serde_json::Value,
    ) -> Result<Result<(), CardState>, StoreError> {
        let tx = self.conn.transaction().context("recording a reprint")?;
        let moved = advance_in(&tx, &raised.pass_id, &Step::REPRINT, actor, detail)?;
        if moved.is_ok() {
            upsert_item(&tx, raised, &now_rfc3339())?;
            tx.commit().context("recording a reprint")?;
        }
        Ok(moved)
    }

    /// Released cards waiting to be picked up, the longest-waiting first.
    pub fn pickups(&self) -> Result<Vec<Pickup>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT i.pass_id, coalesce(i.holder_name, i.plate, ''), i.company_name, i.application_id,
                        coalesce((SELECT max(a.at) FROM audit a WHERE a.pass_id = i.pass_id AND a.action = 'released'),
                                 i.updated_at) AS at
                 FROM items i WHERE i.state = ?1 ORDER BY at, i.pass_id",
            )
            .context("listing pick-ups")?;
        let rows = stmt
            .query_map(params![CardState::Released.as_str()], |row| {
                Ok(Pickup {
                    pass_id: row.get(0)?,
                    holder: row.get(1)?,
                    company_name: row.get(2)?,
                    application_id: row.get(3)?,
                    released_at: parse_time(row, 4)?,
                })
            })
            .context("listing pick-ups")?;
        rows.collect::<Result<_, _>>().context("listing pick-ups")
    }
}
