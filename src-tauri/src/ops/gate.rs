//! The gate: a card checked once (its printed QR, or its chip on the
//! reader), the verdict as the officer sees it, the gate's running events,
//! and the day's verification log.
//!
//! Every verdict reaches a person through [`VerdictView`], built here once
//! from the core's [`GateVerdict`]: the screen, `passctl verify` and
//! `passctl gate` show the same words.

use std::time::Instant;

use base64::Engine as _;
use pass_credential::Lang;
use serde::Serialize;
use time::OffsetDateTime;

use super::allowed;
use pass_reader::Transport;

use super::devices::PrintedQr;
use crate::auth::{Duty, Session, office_day, office_day_bounds};
use crate::credentials::CheckSource;
use crate::gate::{GateEvent, GateOptions, GateVerdict};
use crate::model::Holder;
use crate::store::{Check, rfc3339};
use crate::{Station, StationError};

/// One verdict, with what the cache knows of the pass.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct VerdictView {
    pub valid: bool,
    /// `valid`, the reason's code, or `not_our_card`.
    pub outcome: &'static str,
    pub message_zh: String,
    pub message_en: String,
    pub source: CheckSource,
    pub at: String,
    pub card_uid: Option<String>,
    pub pass_id: Option<String>,
    pub version: Option<u32>,
    /// The holder's name, or the vehicle's plate.
    pub holder: Option<String>,
    pub holder_latin: Option<String>,
    pub id_masked: Option<String>,
    pub company: Option<String>,
    /// The holder's photo, base64 JPEG: the chip's own when a chip carries
    /// one its credential signs for, else the cached one.
    pub photo: Option<String>,
    /// Whether the photo came from the chip.
    pub photo_from_chip: bool,
    /// The pass's first valid day (office time), `YYYY-MM-DD`: a card not
    /// valid yet says from when it is.
    pub valid_from: Option<String>,
    /// The pass's last valid day (office time), `YYYY-MM-DD`.
    pub valid_to: Option<String>,
    pub warnings: Vec<WarningView>,
    pub elapsed_ms: u64,
}

/// A warning beside a verdict (an old hotlist, say), in both languages.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct WarningView {
    pub zh: String,
    pub en: String,
}

/// The office day a credential's `exp` (the first moment no longer valid) ends.
fn last_day(expires: OffsetDateTime) -> time::Date {
    office_day(expires - time::Duration::SECOND)
}

impl From<&GateVerdict> for VerdictView {
    fn from(verdict: &GateVerdict) -> VerdictView {
        let claims = verdict.verdict.as_ref().and_then(|v| v.claims.as_ref());
        let (holder, holder_latin, id_masked) = match verdict.pass.as_ref().map(|pass| &pass.holder) {
            Some(Holder::Person {
                name,
                name_latin,
                national_id_masked,
            }) => (Some(name.clone()), name_latin.clone(), Some(national_id_masked.clone())),
            Some(Holder::Vehicle { plate, .. }) => (Some(plate.clone()), None, None),
            None => (claims.map(|c| c.holder.clone()), None, None),
        };
        VerdictView {
            valid: verdict.is_valid(),
            outcome: verdict.outcome_code(),
            message_zh: verdict.message(Lang::ZhTw),
            message_en: verdict.message(Lang::En),
            source: verdict.source,
            at: rfc3339(verdict.at),
            card_uid: verdict.card_uid.clone(),
            pass_id: claims.map(|c| c.pass_id.clone()),
            version: claims.map(|c| c.version),
            holder,
            holder_latin,
            id_masked,
            company: verdict.pass.as_ref().map(|pass| pass.company_name.clone()),
            photo: (verdict.chip_photo.as_ref())
                .or_else(|| verdict.pass.as_ref().and_then(|pass| pass.photo.as_ref()))
                .map(|photo| base64::engine::general_purpose::STANDARD.encode(photo)),
            photo_from_chip: verdict.chip_photo.is_some(),
            valid_from: claims.map(|c| office_day(c.valid_from).to_string()),
            valid_to: claims.map(|c| last_day(c.valid_to).to_string()),
            warnings: verdict
                .warnings
                .iter()
                .map(|w| WarningView {
                    zh: w.message(Lang::ZhTw),
                    en: w.message(Lang::En),
                })
                .collect(),
            elapsed_ms: u64::try_from(verdict.elapsed.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

/// A running gate's event, as a person sees it.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[derive(ts_rs::TS)]
pub enum GateEventView {
    Verdict(Box<VerdictView>),
    NoTrustList,
    TrustRefreshed {
        trust: crate::credentials::TrustSummary,
        /// Checks of the log central has now (sent this time, or known already).
        checks_sent: usize,
    },
    Offline {
        since: String,
        last_refreshed: Option<String>,
        detail: String,
    },
    CardUnreadable {
        reader: String,
        detail: String,
    },
    CameraStopped {
        detail: String,
    },
    ReadersStopped {
        detail: String,
    },
    /// The station's cache could not log a check: the gate has stopped.
    Failed {
        detail: String,
    },
}

impl From<&GateEvent> for GateEventView {
    fn from(event: &GateEvent) -> GateEventView {
        match event {
            GateEvent::Verdict(verdict) => GateEventView::Verdict(Box::new(VerdictView::from(verdict.as_ref()))),
            GateEvent::NoTrustList => GateEventView::NoTrustList,
            GateEvent::TrustRefreshed(refresh) => GateEventView::TrustRefreshed {
                trust: refresh.trust,
                checks_sent: refresh.events.accepted + refresh.events.duplicates,
            },
            GateEvent::Offline {
                since,
                last_refreshed,
                detail,
            } => GateEventView::Offline {
                since: rfc3339(*since),
                last_refreshed: last_refreshed.map(rfc3339),
                detail: detail.clone(),
            },
            GateEvent::CardUnreadable { reader, detail } => GateEventView::CardUnreadable {
                reader: reader.clone(),
                detail: detail.clone(),
            },
            GateEvent::CameraStopped { detail } => GateEventView::CameraStopped { detail: detail.clone() },
            GateEvent::ReadersStopped { detail } => GateEventView::ReadersStopped { detail: detail.clone() },
        }
    }
}

/// The options of a gate the signed-in officer runs at `port`, written as
/// people type it (any case; empty or none: the station's own office).
pub fn gate_options(station: &mut Station, session: &Session, port: Option<&str>) -> Result<GateOptions, StationError> {
    allowed(station, session, Duty::Check)?;
    let port = port
        .map(|p| p.trim().to_uppercase())
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| station.config().office.clone());
    Ok(GateOptions::new(session.username.clone(), Some(port)))
}

/// Checks that the signed-in user may work a running gate (stop it, present a card to it).
pub fn on_duty(station: &mut Station, session: &Session) -> Result<(), StationError> {
    allowed(station, session, Duty::Check)
}

/// Where and when a card is checked.
#[derive(Debug, Clone, Default)]
pub struct CheckAt {
    /// The gate's port code; the pass must cover it.
    pub port: Option<String>,
    /// As of this moment instead of now (an incident report).
    pub at: Option<OffsetDateTime>,
}

/// Checks a card's printed QR offline, as a gate does, and logs the check.
pub fn verify(
    station: &mut Station,
    session: &Session,
    printed: PrintedQr,
    at: &CheckAt,
) -> Result<VerdictView, StationError> {
    allowed(station, session, Duty::Check)?;
    let started = Instant::now();
    let text = printed.read()?;
    let now = at.at.unwrap_or_else(OffsetDateTime::now_utc);
    let verdict = station.verify_qr(&station.verifier()?, &text, now, at.port.as_deref())?;
    judged(
        station,
        session,
        CheckSource::Qr,
        None,
        Some(verdict),
        None,
        now,
        at,
        started,
    )
}

/// What a card on the reader turned out to be.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct CardReadingView {
    pub card_uid: String,
    /// `ours`, `blank` or `foreign`.
    pub kind: String,
    /// The verdict on a card of ours; none for any other.
    pub verdict: Option<VerdictView>,
}

/// Reads the card on the reader as a gate does, and logs the check.
pub fn read_card(
    station: &mut Station,
    session: &Session,
    mut card: &mut dyn Transport,
    at: &CheckAt,
) -> Result<CardReadingView, StationError> {
    allowed(station, session, Duty::Check)?;
    let started = Instant::now();
    let now = at.at.unwrap_or_else(OffsetDateTime::now_utc);
    let reading = station.read_card_at_gate(&mut card, &station.verifier()?, now, at.port.as_deref())?;
    let kind = format!("{:?}", reading.kind).to_lowercase();
    let has_verdict = reading.verdict.is_some();
    let view = judged(
        station,
        session,
        CheckSource::Chip,
        Some(reading.card_uid.clone()),
        reading.verdict,
        reading.photo,
        now,
        at,
        started,
    )?;
    Ok(CardReadingView {
        card_uid: reading.card_uid,
        kind,
        verdict: has_verdict.then_some(view),
    })
}

/// Logs a one-off check and makes its view, as the gate does for each card.
#[allow(clippy::too_many_arguments)]
fn judged(
    station: &mut Station,
    session: &Session,
    source: CheckSource,
    card_uid: Option<String>,
    verdict: Option<pass_credential::Verdict>,
    chip_photo: Option<Vec<u8>>,
    now: OffsetDateTime,
    at: &CheckAt,
    started: Instant,
) -> Result<VerdictView, StationError> {
    let port = at.port.as_deref();
    station.log_check(&session.username, source, verdict.as_ref(), card_uid.as_deref(), port)?;
    let pass = match verdict.as_ref().and_then(|v| v.claims.as_ref()) {
        Some(claims) => station.cached_pass(&claims.pass_id)?,
        None => None,
    };
    let warnings = match &verdict {
        Some(verdict) => verdict.warnings.clone(),
        None => station.verifier()?.warnings(now),
    };
    Ok(VerdictView::from(&GateVerdict {
        source,
        at: now,
        card_uid,
        verdict,
        warnings,
        pass,
        chip_photo,
        elapsed: started.elapsed(),
    }))
}

/// The checks of an office day (default: today, by the station's clock), oldest first.
pub fn checks(station: &mut Station, session: &Session, day: Option<time::Date>) -> Result<Vec<Check>, StationError> {
    allowed(station, session, Duty::Check)?;
    let (since, before) = office_day_bounds(day.unwrap_or_else(|| office_day(station.now())));
    Ok(station.store().checks(&since, &before)?)
}

/// The signed-in officer's own checks of this office day, in order.
pub fn my_checks_today(station: &mut Station, session: &Session) -> Result<Vec<Check>, StationError> {
    let mut checks = checks(station, session, None)?;
    checks.retain(|check| check.actor == session.username);
    Ok(checks)
}
