//! The office's other desks as this station's cache knows them: which desk
//! holds each pass's claim, and a card another desk began, carried on here.
//!
//! Why: desks of one office coordinate through central, never a shared
//! database. Central's claims say who may print a pass (this station prints
//! only what it holds, offline too); its `card_in_work` says how far a card
//! got at another desk, so this desk can release or hand over a card encoded
//! there. Carrying a card on writes the state, the print and the chip this
//! station will check at release, and one audit entry naming the desk; no
//! event goes to central, which reported the step in the first place.
//!
//! Not for asking central for claims (see `crate::desks`), nor for the
//! card's own steps, which go through `card_events`.

use pass_central::api::{CardInWork, Claim, WorkState};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;
use time::OffsetDateTime;

use super::audit;
use super::card_faces::card_faces_in;
use super::db::{CENTRAL_ACTOR, Cached, SqlContext, Store, StoreError, now_rfc3339, rfc3339};
use super::rows::{parse_state, parse_time};
use crate::model::{CardState, PassItem};

/// The audit action of a card step taken at another desk and carried on here.
pub const CARRIED_ON: &str = "carried_on_from_desk";
/// The audit action of a supervisor moving another desk's claim to this one.
pub const CLAIM_TAKEN_OVER: &str = "claim_taken_over";

/// Another desk's claim on a pass, as the queue and the card show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DeskClaim {
    /// The desk's name, as the office knows it.
    pub desk: String,
    /// When it claimed the pass (RFC 3339).
    pub since: String,
    /// When the claim ends unless that desk carries on (RFC 3339).
    pub until: String,
}

impl DeskClaim {
    pub fn of(claim: &Claim) -> DeskClaim {
        DeskClaim {
            desk: claim.desk.clone(),
            since: rfc3339(claim.since),
            until: rfc3339(claim.expires_at),
        }
    }
}

impl Store {
    /// Keeps a claim this desk took over, with its audit entry, in one transaction.
    pub fn record_take_over(
        &mut self,
        pass_id: &str,
        claim: &Claim,
        actor: &str,
        detail: &serde_json::Value,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction().context("recording a claim taken over")?;
        keep_claim(&tx, pass_id, claim)?;
        audit::append(&tx, actor, CLAIM_TAKEN_OVER, Some(pass_id), detail)?;
        tx.commit().context("recording a claim taken over")
    }

    /// Keeps the claims central answered, each for its pass, in one transaction.
    pub fn record_claims(&mut self, claims: &[(String, Claim)]) -> Result<(), StoreError> {
        let tx = self.conn.transaction().context("recording claims")?;
        for (pass_id, claim) in claims {
            keep_claim(&tx, pass_id, claim)?;
        }
        tx.commit().context("recording claims")
    }

    /// The last claim central reported on a pass, live or not.
    pub fn claim(&self, pass_id: &str) -> Result<Option<Claim>, StoreError> {
        self.conn
            .query_row_cached(
                "SELECT version, station_id, desk, since, expires_at, first_print FROM claims WHERE pass_id = ?1",
                params![pass_id],
                |row| {
                    Ok(Claim {
                        version: row.get(0)?,
                        station_id: row.get(1)?,
                        desk: row.get(2)?,
                        since: parse_time(row, 3)?,
                        expires_at: parse_time(row, 4)?,
                        first_print: row.get(5)?,
                    })
                },
            )
            .optional()
            .context("reading a claim")
    }

    /// Who wrote the chip of the pass's latest card, at this desk or another.
    pub fn encoded_by(&self, pass_id: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row(
                "SELECT encoded_by FROM cards WHERE pass_id = ?1 ORDER BY encoded_at DESC LIMIT 1",
                params![pass_id],
                |row| row.get(0),
            )
            .optional()
            .map(Option::flatten)
            .context("reading who wrote a chip")
    }
}

fn keep_claim(conn: &Connection, pass_id: &str, claim: &Claim) -> Result<(), StoreError> {
    conn.execute_cached(
        "INSERT INTO claims (pass_id, version, station_id, desk, since, expires_at, first_print)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (pass_id) DO UPDATE SET version = excluded.version, station_id = excluded.station_id,
            desk = excluded.desk, since = excluded.since, expires_at = excluded.expires_at,
            first_print = excluded.first_print",
        params![
            pass_id,
            claim.version,
            claim.station_id,
            claim.desk,
            rfc3339(claim.since),
            rfc3339(claim.expires_at),
            claim.first_print
        ],
    )
    .context("recording a claim")?;
    Ok(())
}

/// What the feed says of the item's desks, inside the page's transaction:
/// its claim is kept, and a card another desk took further than this
/// station knows is carried on here.
pub(super) fn note_desks_in(tx: &Transaction<'_>, item: &PassItem) -> Result<(), StoreError> {
    if let Some(claim) = &item.claim {
        keep_claim(tx, &item.pass_id, claim)?;
    }
    if let Some(work) = &item.card_in_work {
        let to = match work.state {
            WorkState::Printed => CardState::Printed,
            WorkState::PrintVerified => CardState::PrintVerified,
            WorkState::Encoded => CardState::Encoded,
            WorkState::Released => CardState::Released,
        };
        carry_on_in(tx, &item.pass_id, &CarriedCard::in_work(work), to)?;
    }
    Ok(())
}

/// A card as another desk left it: the print on its QR, its chip, who wrote
/// the chip, and where and when (as far as central says).
pub(super) struct CarriedCard<'a> {
    pub version: u32,
    pub print: u32,
    pub card_uid: Option<&'a str>,
    pub encoded_by: Option<&'a str>,
    pub desk: Option<&'a str>,
    pub at: OffsetDateTime,
}

impl CarriedCard<'_> {
    fn in_work(work: &CardInWork) -> CarriedCard<'_> {
        CarriedCard {
            version: work.version,
            print: work.print,
            card_uid: work.card_uid.as_deref(),
            encoded_by: work.encoded_by.as_deref(),
            desk: Some(&work.desk),
            at: work.at,
        }
    }
}

/// Moves the pass's card here to `to`, where another desk took it, when
/// that is further on and it is the same card (or this desk made none):
/// the print and chip are recorded for the release's checks, with one audit
/// entry naming the desk. A different card of this desk is left as it is:
/// claims keep two desks from making one pass, and should both cards exist,
/// the hand-over of one voids the other. Answers whether the card moved.
pub(super) fn carry_on_in(
    tx: &Transaction<'_>,
    pass_id: &str,
    card: &CarriedCard<'_>,
    to: CardState,
) -> Result<bool, StoreError> {
    let Some((version, state)) = held_in(tx, pass_id)? else {
        return Ok(false);
    };
    let further = matches!((state.progress(), to.progress()), (Some(here), Some(there)) if there > here);
    if version != card.version || !further {
        return Ok(false);
    }
    let ours = card_faces_in(tx, pass_id)?;
    if ours.as_ref().is_some_and(|ours| ours.print != card.print) {
        return Ok(false);
    }
    let at = rfc3339(card.at);
    let chip = match card.card_uid.map(hex::decode).transpose() {
        Ok(chip) => chip,
        // A chip UID that is no hex cannot be checked against the card at release.
        Err(_) => return Ok(false),
    };
    if ours.is_none() {
        // The QR was signed at the other desk and is on the card, not here.
        tx.execute(
            "INSERT OR IGNORE INTO prints (pass_id, version, print, qr_text, signed_at, status)
             VALUES (?1, ?2, ?3, '', ?4, 'printed')",
            params![pass_id, version, card.print, at],
        )
        .context("recording another desk's print")?;
    }
    if let Some(uid) = chip {
        tx.execute(
            "INSERT INTO cards (card_uid, pass_id, version, encoded_at, print, encoded_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (card_uid) DO UPDATE SET pass_id = excluded.pass_id, version = excluded.version,
                print = excluded.print, encoded_by = coalesce(excluded.encoded_by, cards.encoded_by)",
            params![uid, pass_id, version, at, card.print, card.encoded_by],
        )
        .context("recording another desk's chip")?;
    }
    tx.execute(
        "UPDATE items SET state = ?2, updated_at = ?3 WHERE pass_id = ?1",
        params![pass_id, to.as_str(), now_rfc3339()],
    )
    .context("carrying a card on")?;
    let detail = serde_json::json!({
        "desk": card.desk, "state": to.as_str(), "print": card.print, "card_uid": card.card_uid,
        "encoded_by": card.encoded_by, "at": at,
    });
    audit::append(tx, CENTRAL_ACTOR, CARRIED_ON, Some(pass_id), &detail)?;
    Ok(true)
}

/// The version the station holds of a pass, and where its card stands.
pub(super) fn held_in(tx: &Transaction<'_>, pass_id: &str) -> Result<Option<(u32, CardState)>, StoreError> {
    tx.query_row_cached(
        "SELECT version, state FROM items WHERE pass_id = ?1",
        params![pass_id],
        |row| Ok((row.get(0)?, parse_state(row, 1)?)),
    )
    .optional()
    .context("reading a card's state")
}
