//! The station itself: enrolment, its status, sync with central, the outbox,
//! the trust list, the audit trail, and the office's chip keys.

use std::path::Path;

use serde::Serialize;

use super::allowed;
use crate::auth::{Duty, Session, office_day_bounds};
use crate::chip_keys::KeySet;
use crate::model::CardState;
use crate::store::{AuditCheck, AuditEntry, OutboxEntry, OutboxFilter, RejectedItem};
use crate::sync::{SyncOptions, SyncProgress, SyncReport};
use crate::{Station, StationConfig, StationError, StationHome};

/// Enrols `home` with central, trading the one-time `code`; central's root
/// key is pinned only if its fingerprint is `root_fingerprint`.
pub async fn enroll(
    home: &StationHome,
    central_url: &str,
    code: &str,
    station_name: &str,
    root_fingerprint: &str,
) -> Result<StationConfig, StationError> {
    home.enroll(central_url, code, station_name, root_fingerprint).await
}

/// Where a station stands in its first set-up, shown before anyone signs in:
/// nothing secret, nothing personal.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SetupStatus {
    /// Whether the home holds an enrolled station; without one, the app opens its set-up screen.
    pub enrolled: bool,
    /// The chip keys the station holds, if any.
    pub chip_keys: Option<KeySet>,
}

/// Whether `home` is enrolled and which chip keys it holds.
pub fn setup_status(home: &StationHome) -> Result<SetupStatus, StationError> {
    let enrolled = home.config()?.is_some();
    Ok(SetupStatus {
        enrolled,
        chip_keys: if enrolled { home.chip_keys_held()? } else { None },
    })
}

/// What a status bar or a settings screen shows of the station. Nothing
/// personal: it is shown before anyone signs in.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct StationStatus {
    pub station_id: String,
    pub station_name: String,
    pub office: String,
    pub office_zh: String,
    pub office_en: String,
    pub central_url: String,
    pub enrolled_at: String,
    /// When the feed was last read to its end (RFC 3339).
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(type = "string | null")]
    pub last_sync: Option<time::OffsetDateTime>,
    pub outbox: u64,
    /// When central issued the hotlist the station holds (RFC 3339); verdicts
    /// warn once it is older than `hotlist_max_age_hours`.
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(type = "string | null")]
    pub hotlist_issued_at: Option<time::OffsetDateTime>,
    pub hotlist_max_age_hours: u32,
    pub counts: Vec<(CardState, u64)>,
    /// The states the queue shows unless asked for others.
    pub open_states: Vec<CardState>,
    pub home: String,
}

pub fn status(station: &Station) -> Result<StationStatus, StationError> {
    let config = station.config();
    let port = pass_central::model::port(&config.office);
    Ok(StationStatus {
        station_id: config.station_id.clone(),
        station_name: config.station_name.clone(),
        office: config.office.clone(),
        office_zh: port.map_or(config.office.as_str(), |p| p.name_zh).to_owned(),
        office_en: port.map_or(config.office.as_str(), |p| p.name_en).to_owned(),
        central_url: config.central_url.clone(),
        enrolled_at: config.enrolled_at.clone(),
        last_sync: station.store().last_synced_at()?,
        outbox: station.store().unsent_count()?,
        hotlist_issued_at: crate::credentials::cached_hotlist_issued_at(station.store())?,
        hotlist_max_age_hours: config.hotlist_max_age_hours,
        counts: station.store().state_counts()?,
        open_states: super::desk::open_states(),
        home: station.home().dir().display().to_string(),
    })
}

/// What a sync did, with the records central sent that the station set aside.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SyncView {
    #[serde(flatten)]
    pub report: SyncReport,
    /// Every record set aside so far, for the central office to look at.
    pub set_aside: Vec<RejectedItem>,
}

/// Syncs with central: new and changed items, photos, the outbox, the trust
/// list and hotlist. Refuses to start while another sync of this home runs.
pub async fn sync(
    station: &mut Station,
    session: &Session,
    options: &SyncOptions,
    progress: &mut dyn FnMut(SyncProgress),
) -> Result<SyncView, StationError> {
    allowed(station, session, Duty::Read)?;
    sync_cache(station, options, progress).await
}

/// The sync a station runs by itself when it starts, before anyone signs
/// in, so the first person finds the cache fresh; it shows nothing.
pub async fn sync_at_start(
    station: &mut Station,
    options: &SyncOptions,
    progress: &mut dyn FnMut(SyncProgress),
) -> Result<SyncView, StationError> {
    sync_cache(station, options, progress).await
}

async fn sync_cache(
    station: &mut Station,
    options: &SyncOptions,
    progress: &mut dyn FnMut(SyncProgress),
) -> Result<SyncView, StationError> {
    let report = station.sync(options, progress).await?;
    Ok(SyncView {
        report,
        set_aside: station.store().rejected_items()?,
    })
}

/// How many items the cache holds, for a message after a sync stopped.
pub fn items_held(station: &Station) -> Result<u64, StationError> {
    Ok(station.store().state_counts()?.iter().map(|(_, n)| n).sum())
}

/// Events waiting to be sent to central, those it refused, or all.
pub fn outbox(
    station: &mut Station,
    session: &Session,
    filter: OutboxFilter,
    limit: usize,
) -> Result<Vec<OutboxEntry>, StationError> {
    allowed(station, session, Duty::Read)?;
    Ok(station.store().outbox(filter, limit)?)
}

/// The cached trust list, each signer's key as a JWK.
pub fn trust_list(station: &mut Station, session: &Session) -> Result<serde_json::Value, StationError> {
    allowed(station, session, Duty::Read)?;
    let verifier = station.verifier()?;
    let trust_list = verifier.trust_list().ok_or(StationError::NoTrustList)?;
    Ok(crate::credentials::trust_list_json(trust_list))
}

/// Walks the audit trail's hash chain and compares it with the head central acknowledged.
pub fn audit_verify(station: &mut Station, session: &Session) -> Result<AuditCheck, StationError> {
    allowed(station, session, Duty::Audit)?;
    Ok(station.store().check_audit()?)
}

/// The audit entries of office days `from` to `to`, both included.
pub fn audit_entries(
    station: &mut Station,
    session: &Session,
    from: time::Date,
    to: time::Date,
) -> Result<Vec<AuditEntry>, StationError> {
    allowed(station, session, Duty::Audit)?;
    let (since, _) = office_day_bounds(from);
    let (_, before) = office_day_bounds(to);
    Ok(station.store().audit(None, Some(&since), Some(&before))?)
}

/// Makes the office's chip master keys (once, on the office's first station).
pub fn generate_chip_keys(station: &mut Station, session: &Session) -> Result<std::path::PathBuf, StationError> {
    allowed(station, session, Duty::Administer)?;
    station.home().generate_chip_keys(&station.config().office)
}

/// Seals the keys of `set` under `passphrase` into `to`, for another station of the office.
pub fn export_chip_keys(
    station: &mut Station,
    session: &Session,
    set: KeySet,
    passphrase: &str,
    to: &Path,
) -> Result<(), StationError> {
    allowed(station, session, Duty::Administer)?;
    station.home().export_chip_keys(set, passphrase, to)
}

/// An export as a screen asks for it, with the passphrase typed twice: the
/// two must match before anything is sealed, since a passphrase mistyped
/// once would lock the keys away for good.
pub fn export_chip_keys_confirmed(
    station: &mut Station,
    session: &Session,
    set: KeySet,
    passphrase: &str,
    again: &str,
    to: &Path,
) -> Result<(), StationError> {
    if passphrase != again {
        return Err(StationError::PassphrasesDiffer);
    }
    if to.as_os_str().is_empty() {
        return Err(StationError::Usage("name the file to write the keys to".to_owned()));
    }
    export_chip_keys(station, session, set, passphrase, to)
}

/// The chip keys the station holds, for an administrator's settings.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ChipKeysView {
    pub office: String,
    /// `None`: no keys yet (generate them on the office's first desk, else import).
    pub held: Option<KeySet>,
}

pub fn chip_keys(station: &mut Station, session: &Session) -> Result<ChipKeysView, StationError> {
    allowed(station, session, Duty::Administer)?;
    Ok(ChipKeysView {
        office: station.config().office.clone(),
        held: station.home().chip_keys_held()?,
    })
}

/// Takes the office's chip keys (or the gate's) from an export's bytes, as read by a screen.
pub fn import_chip_key_export(
    station: &mut Station,
    session: &Session,
    export: &[u8],
    passphrase: &str,
) -> Result<KeySet, StationError> {
    allowed(station, session, Duty::Administer)?;
    station
        .home()
        .import_chip_key_export(export, &station.config().office, passphrase)
}

/// Takes the office's chip keys (or the gate's) from an export.
pub fn import_chip_keys(
    station: &mut Station,
    session: &Session,
    from: &Path,
    passphrase: &str,
) -> Result<KeySet, StationError> {
    allowed(station, session, Duty::Administer)?;
    station
        .home()
        .import_chip_keys(from, &station.config().office, passphrase)
}
