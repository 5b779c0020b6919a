//! The one writer of what happens to a card: a step moves the card's state,
//! appends its audit entry and queues its `card_<action>` event, all inside
//! the caller's transaction, and a print given up is marked abandoned with
//! its entry and its `print_abandoned` event. Every step of the station's
//! work goes through [`advance_in`], so a card cannot change without its
//! trail and its report; the caller commits, one transaction per step.
//!
//! Not for the steps' own records (the chip written, the recipient, the new
//! version of a reprint): those are written by the step's module around this
//! writer, in the same transaction. This module depends only on the cache's
//! handle, the column decoders, the card's faces, the audit trail and the
//! queue of events.

use pass_central::StationEvent;
use pass_central::events::{CardFaces, CardStep, CardStepEvent};
use rusqlite::{Transaction, params};

use super::audit;
use super::card_faces::{PrintRecord, card_faces_in, unfinished_prints_in};
use super::db::{SqlContext, Store, StoreError, now_rfc3339};
use super::queue::{enqueue, unqueueable};
use super::rows::parse_state;
use crate::model::{CardState, Revocation, Step};

impl Store {
    /// Takes one step of a card in one transaction: the state, an audit entry
    /// and a `card_<action>` event for central. Refused, with the state the
    /// card is in, unless the step may start from it.
    pub fn advance(
        &mut self,
        pass_id: &str,
        step: &Step,
        actor: &str,
        detail: &serde_json::Value,
    ) -> Result<Result<(), CardState>, StoreError> {
        let tx = self.conn.transaction().context("starting a card step")?;
        let moved = advance_in(&tx, pass_id, step, actor, detail)?;
        if moved.is_ok() {
            tx.commit().context("committing a card step")?;
        }
        Ok(moved)
    }
}

/// A card step inside the caller's transaction (see [`Store::advance`]).
pub(super) fn advance_in(
    tx: &Transaction<'_>,
    pass_id: &str,
    step: &Step,
    actor: &str,
    detail: &serde_json::Value,
) -> Result<Result<(), CardState>, StoreError> {
    let (state, version): (CardState, u32) = tx
        .query_row(
            "SELECT state, version FROM items WHERE pass_id = ?1",
            params![pass_id],
            |row| Ok((parse_state(row, 0)?, row.get(1)?)),
        )
        .context("reading a card's state")?;
    if !step.from.contains(&state) {
        return Ok(Err(state));
    }
    let mut detail = detail.clone();
    if let Some(why) = step.retires {
        // Prints begun and never finished are revoked with the card; the
        // card's own faces are named for central's hotlist.
        for stale in unfinished_prints_in(tx, pass_id)? {
            abandon_in(tx, &stale, actor, step.action)?;
        }
        if let Some(card) = card_faces_in(tx, pass_id)? {
            detail["retired_card"] = card.to_json(Some(why));
        }
    }
    tx.execute(
        "UPDATE items SET state = ?2, updated_at = ?3 WHERE pass_id = ?1",
        params![pass_id, step.to.as_str(), now_rfc3339()],
    )
    .context("moving a card on")?;
    let action = step.action;
    record_card_event(tx, action, &format!("card_{action}"), pass_id, version, actor, &detail)?;
    Ok(Ok(()))
}

/// Writes what happened to a pass's card, inside the caller's transaction:
/// the audit entry (`action`), and the `kind` event for central carrying the
/// pass, its version, the actor, the entry's place in the trail and `detail`.
pub(super) fn record_card_event(
    tx: &Transaction<'_>,
    action: &str,
    kind: &str,
    pass_id: &str,
    version: u32,
    actor: &str,
    detail: &serde_json::Value,
) -> Result<(), StoreError> {
    let entry = audit::append(tx, actor, action, Some(pass_id), detail)?;
    const REPORTING: &str = "reporting a card step to central";
    let step = CardStep::from_kind(kind).ok_or_else(|| {
        let unknown = pass_central::events::EventError::UnknownKind { kind: kind.to_owned() };
        unqueueable(REPORTING, unknown)
    })?;
    // The card's faces are typed in the event; the rest of the detail goes as it is.
    let mut detail = detail.as_object().cloned().unwrap_or_default();
    let mut card = |field: &str| -> Result<Option<CardFaces>, StoreError> {
        let faces = detail.remove(field).map(serde_json::from_value).transpose();
        faces.map_err(|e| unqueueable(REPORTING, e))
    };
    let (retired_card, handed_over_card) = (card("retired_card")?, card("handed_over_card")?);
    let event = StationEvent::CardStep(
        step,
        CardStepEvent {
            pass_id: pass_id.to_owned(),
            version,
            actor: actor.to_owned(),
            audit_seq: entry.seq.unsigned_abs(),
            retired_card,
            handed_over_card,
            detail,
        },
    );
    enqueue(tx, &event)
}

/// Marks a print abandoned, with its audit entry and a `print_abandoned`
/// event whose `retired_card` central puts on the hotlist.
pub(super) fn abandon_in(tx: &Transaction<'_>, print: &PrintRecord, actor: &str, why: &str) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE prints SET status = 'abandoned' WHERE pass_id = ?1 AND version = ?2 AND print = ?3",
        params![print.pass_id, print.version, print.print],
    )
    .context("abandoning a print")?;
    let retired = serde_json::json!({ "print": print.print, "reason": Revocation::Spoiled.as_str() });
    let detail = serde_json::json!({ "reason": why, "retired_card": retired });
    let abandoned = "print_abandoned";
    record_card_event(tx, abandoned, abandoned, &print.pass_id, print.version, actor, &detail)
}
