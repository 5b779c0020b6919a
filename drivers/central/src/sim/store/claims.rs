//! Which desk of an office holds a pass's card work (its claim, a lease),
//! and how far that card got: what lets several desks share one office
//! without a shared database.
//!
//! Both live on the item's record, so the feed carries them to the office's
//! other desks: `claim` says who may print the pass, `card_in_work` what a
//! desk needs to carry on a card another desk began (release it, hand it
//! over). A claim is granted or extended on request, extended by every step
//! its holder reports, and ends at hand-over, spoil or expiry; a supervisor
//! may take one over, with a reason kept here. An ended claim stays on the
//! record (expired), so the next holder's print serials start past its own.
//!
//! What it is not for: the hotlist entries a step causes (see
//! [`super::hotlist`]) or recording the events themselves (see
//! [`super::events`]).

use rusqlite::{Connection, OptionalExtension, params};
use time::{Duration, OffsetDateTime};

use super::db::{Store, rfc3339};
use super::feed::{ItemRow, change_item, load_item, open_at_version, station_may_change};
use super::stations::Station;
use crate::api::{CardInWork, Claim, ClaimOutcome, ClaimResult, TakeOverRequest, WorkState};
use crate::events::{CardStep, CardStepEvent};
use crate::sim::error::SimError;

/// How long a claim binds unless extended: a working day and then some, so
/// a card begun in the morning is still the desk's at closing time.
pub(crate) const CLAIM_LEASE: Duration = Duration::hours(10);
/// How far apart the print serials of successive holders of one version
/// start: a desk never prints a thousand cards of one pass version.
const PRINTS_PER_CLAIM: u32 = 1000;

impl Store {
    /// Claims each pass for `station`, or extends its claim, in one
    /// transaction; a pass another desk holds, or one that cannot be
    /// claimed, is a result of its own.
    pub(crate) fn claim(&mut self, station: &Station, pass_ids: &[String]) -> Result<Vec<ClaimResult>, SimError> {
        self.write("claiming passes", |tx| {
            let desk = desk_name(tx, &station.id)?;
            let now = OffsetDateTime::now_utc();
            pass_ids
                .iter()
                .map(|pass_id| claim_one(tx, station, &desk, pass_id, now))
                .collect()
        })
    }

    /// Ends `station`'s claim on a pass; nothing to do when it holds none.
    /// Another desk's claim is refused: that takes a supervisor's take-over.
    pub(crate) fn release_claim(&mut self, station: &Station, pass_id: &str) -> Result<(), SimError> {
        self.write("releasing a claim", |tx| {
            let row = load_item(tx, pass_id)?;
            station_may_change(station, pass_id, &row, "released")?;
            let now = OffsetDateTime::now_utc();
            match &row.item.claim {
                Some(claim) if claim.live_at(now) && claim.station_id != station.id => {
                    Err(SimError::Conflict(format!(
                        "{pass_id} is claimed by {}; a supervisor there releases it, or one here takes it over",
                        claim.desk
                    )))
                }
                Some(claim) if claim.live_at(now) => end_claim(tx, pass_id, now),
                _ => Ok(()),
            }
        })
    }

    /// Moves a pass's claim to `station`, whoever held it, and keeps the
    /// reason and the supervisor; answers the new claim.
    pub(crate) fn take_over_claim(
        &mut self,
        station: &Station,
        pass_id: &str,
        request: &TakeOverRequest,
    ) -> Result<Claim, SimError> {
        self.write("taking over a claim", |tx| {
            let row = load_item(tx, pass_id)?;
            station_may_change(station, pass_id, &row, "taken over")?;
            let desk = desk_name(tx, &station.id)?;
            let now = OffsetDateTime::now_utc();
            let previous = row.item.claim.as_ref().filter(|claim| claim.live_at(now));
            tx.execute(
                "INSERT INTO claim_takeovers (pass_id, version, from_station, to_station, reason, approved_by, taken_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    pass_id,
                    row.item.version,
                    previous.map(|claim| claim.station_id.as_str()),
                    station.id,
                    request.reason.trim(),
                    request.approved_by.trim(),
                    rfc3339(now)
                ],
            )?;
            let claim = new_claim(&row, station, &desk, now);
            change_item(tx, pass_id, |row| {
                row.item.claim = Some(claim.clone());
                Ok(())
            })?;
            Ok(claim)
        })
    }
}

fn claim_one(
    tx: &Connection,
    station: &Station,
    desk: &str,
    pass_id: &str,
    now: OffsetDateTime,
) -> Result<ClaimResult, SimError> {
    let result = |outcome, claim, reason| ClaimResult {
        pass_id: pass_id.to_owned(),
        outcome,
        claim,
        reason,
    };
    let row = match load_item(tx, pass_id) {
        Ok(row) => row,
        Err(SimError::NotFound(why)) => return Ok(result(ClaimOutcome::NotClaimable, None, Some(why))),
        Err(e) => return Err(e),
    };
    if let Err(refused) = station_may_change(station, pass_id, &row, "claimed") {
        return Ok(result(ClaimOutcome::NotClaimable, None, Some(refused.to_string())));
    }
    if row
        .item
        .handed_over
        .as_ref()
        .is_some_and(|card| card.version == row.item.version)
    {
        let why = format!("{pass_id} version {} is handed over already", row.item.version);
        return Ok(result(ClaimOutcome::NotClaimable, None, Some(why)));
    }
    let claim = match &row.item.claim {
        Some(held) if held.live_at(now) && held.version == row.item.version && held.station_id != station.id => {
            return Ok(result(ClaimOutcome::HeldElsewhere, Some(held.clone()), None));
        }
        Some(own) if own.live_at(now) && own.version == row.item.version => Claim {
            expires_at: now + CLAIM_LEASE,
            desk: desk.to_owned(),
            ..own.clone()
        },
        _ => new_claim(&row, station, desk, now),
    };
    change_item(tx, pass_id, |row| {
        row.item.claim = Some(claim.clone());
        Ok(())
    })?;
    Ok(result(ClaimOutcome::Granted, Some(claim), None))
}

/// A fresh claim for `station` on the item's version; its prints start past
/// those of the version's previous holder.
fn new_claim(row: &ItemRow, station: &Station, desk: &str, now: OffsetDateTime) -> Claim {
    let version = row.item.version;
    let first_print = match &row.item.claim {
        Some(previous) if previous.version == version && previous.station_id == station.id => previous.first_print,
        Some(previous) if previous.version == version => previous.first_print + PRINTS_PER_CLAIM,
        _ => 1,
    };
    Claim {
        version,
        station_id: station.id.clone(),
        desk: desk.to_owned(),
        since: now,
        expires_at: now + CLAIM_LEASE,
        first_print,
    }
}

/// Ends the item's claim now; it stays on the record for the next holder's numbering.
fn end_claim(conn: &Connection, pass_id: &str, now: OffsetDateTime) -> Result<(), SimError> {
    change_item(conn, pass_id, |row| {
        if let Some(claim) = &mut row.item.claim {
            claim.expires_at = now;
        }
        Ok(())
    })?;
    Ok(())
}

/// The station's name, as its office knows the desk; its ID if it has none on record.
fn desk_name(conn: &Connection, station_id: &str) -> Result<String, SimError> {
    let name = conn
        .query_row("SELECT name FROM stations WHERE id = ?1", [station_id], |r| r.get(0))
        .optional()?;
    Ok(name.unwrap_or_else(|| station_id.to_owned()))
}

/// Follows a card step a desk reported: the card in work moves on (or,
/// handed over or retired, leaves the work), the holder's claim is extended
/// by its own steps, and a hand-over, spoil or void at any desk ends it. A step for another version, or for a
/// pass central does not know or took back, changes nothing.
pub(super) fn follow_card_step(
    conn: &Connection,
    station_id: &str,
    step: CardStep,
    event: &CardStepEvent,
    at: OffsetDateTime,
) -> Result<(), SimError> {
    if !open_at_version(conn, &event.pass_id, event.version)? {
        return Ok(());
    }
    let desk = desk_name(conn, station_id)?;
    let print = event.detail.get("print").and_then(serde_json::Value::as_u64);
    let card_uid = event.detail.get("card_uid").and_then(serde_json::Value::as_str);
    let now = OffsetDateTime::now_utc();
    change_item(conn, &event.pass_id, |row| {
        let work = &mut row.item.card_in_work;
        let same_card = |work: &Option<CardInWork>, print: Option<u64>| {
            work.as_ref()
                .is_some_and(|card| card.version == event.version && Some(u64::from(card.print)) == print)
        };
        let next = match step {
            CardStep::Printed => Some(WorkState::Printed),
            CardStep::PrintVerified => Some(WorkState::PrintVerified),
            CardStep::Encoded => Some(WorkState::Encoded),
            CardStep::Released => Some(WorkState::Released),
            _ => None,
        };
        match (next, print) {
            (Some(state), Some(print)) => {
                let keep = |field: &dyn Fn(&CardInWork) -> Option<String>| {
                    work.as_ref().filter(|_| same_card(work, Some(print))).and_then(field)
                };
                let card_uid = card_uid
                    .map(str::to_owned)
                    .or_else(|| keep(&|card| card.card_uid.clone()));
                let encoded_by = match step {
                    CardStep::Encoded => Some(event.actor.clone()),
                    _ => keep(&|card| card.encoded_by.clone()),
                };
                *work = Some(CardInWork {
                    version: event.version,
                    print: u32::try_from(print).unwrap_or(u32::MAX),
                    state,
                    card_uid,
                    encoded_by,
                    desk: desk.clone(),
                    at,
                });
            }
            _ => {
                let retired = event.retired_card.as_ref().map(|card| u64::from(card.print));
                let handed = event.handed_over_card.as_ref().map(|card| u64::from(card.print));
                if same_card(work, retired.or(handed)) {
                    *work = None;
                }
            }
        }
        // The card left the office, or the work: whichever desk reports it, the claim ends.
        let ends = matches!(
            step,
            CardStep::HandedOver | CardStep::Spoiled | CardStep::ReleaseRefused | CardStep::Voided
        );
        if let Some(claim) = &mut row.item.claim
            && claim.live_at(now)
        {
            if ends {
                claim.expires_at = now;
            } else if claim.station_id == station_id {
                claim.expires_at = now + CLAIM_LEASE;
            }
        }
        Ok(())
    })?;
    Ok(())
}
