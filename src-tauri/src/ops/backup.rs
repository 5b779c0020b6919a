//! Backing the station up and restoring a failed one: a backup now under a
//! passphrase, the schedule an administrator sets in Settings (a folder, an
//! interval, the passphrase once), the scheduled run the app makes, and the
//! restore onto a new PC.
//!
//! Who may: backing up, and setting or reading the schedule, is the
//! administer duty (a backup holds every key the station has). A scheduled
//! run is the station's own job, as an administrator set it; it needs no one
//! signed in. A restore has no station to sign in to yet: the backup's
//! passphrase is what allows it, as the one-time code allows an enrolment.
//!
//! Not here: the archive, its sealing and the audit trail across a restore
//! (see [`crate::backup`]), or the timer that calls [`run_scheduled`] (the
//! app's).

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::allowed;
use crate::auth::{Duty, Session};
use crate::backup::{self, BackupKey, BackupReport, RestoreReport, SETTINGS_FILE, STATUS_FILE};
use crate::error::ErrorView;
use crate::station::write_secret;
use crate::store::{now_rfc3339, parse_rfc3339, rfc3339};
use crate::{Station, StationError, StationHome};

/// The shortest and longest interval between scheduled backups, in hours.
pub const EVERY_HOURS: std::ops::RangeInclusive<u32> = 1..=24 * 7;

/// Where and how often the app backs the station up (`backup.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Schedule {
    folder: PathBuf,
    every_hours: u32,
}

/// How the last backup went, scheduled or not (`backup-status.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct BackupStatus {
    /// When it ran (RFC 3339).
    pub at: String,
    pub ok: bool,
    /// The file written, when it was.
    pub path: Option<String>,
    /// Why it failed, when it did.
    pub failure: Option<BackupFailure>,
}

/// A failed backup's error, kept for Settings to show in the user's language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct BackupFailure {
    /// The error's stable code (`error.code.<code>` in the catalogues).
    pub code: String,
    pub params: serde_json::Value,
    /// The English message, for logs.
    pub message: String,
}

/// What Settings shows of backups.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct BackupSettingsView {
    pub folder: Option<String>,
    pub every_hours: Option<u32>,
    /// Whether the passphrase was set (its key is kept; the passphrase never is).
    pub passphrase_set: bool,
    pub last: Option<BackupStatus>,
    /// When the next scheduled backup is due (RFC 3339), once set up.
    pub next_due: Option<String>,
}

/// Backs the station up to `to`, sealed under `passphrase`.
pub fn create_backup(
    station: &mut Station,
    session: &Session,
    to: &Path,
    passphrase: &str,
) -> Result<BackupReport, StationError> {
    allowed(station, session, Duty::Administer)?;
    let key = BackupKey::from_passphrase(passphrase)?;
    let result = backup::create(station, &key, to);
    record_status(station.home(), &result)?;
    result
}

/// Restores the backup at `from` into `home` (a new or empty folder) and
/// records the restore, for central at the next sync.
pub fn restore_backup(home: &StationHome, from: &Path, passphrase: &str) -> Result<RestoreReport, StationError> {
    backup::restore(home, from, passphrase)
}

/// The backup schedule and how the last backup went.
pub fn backup_settings(station: &mut Station, session: &Session) -> Result<BackupSettingsView, StationError> {
    allowed(station, session, Duty::Administer)?;
    settings_view(station.home())
}

/// Sets where and how often the app backs the station up; a passphrase,
/// when given, replaces the key scheduled backups are sealed with.
pub fn set_backup_schedule(
    station: &mut Station,
    session: &Session,
    folder: &Path,
    every_hours: u32,
    passphrase: Option<&str>,
) -> Result<BackupSettingsView, StationError> {
    allowed(station, session, Duty::Administer)?;
    let home = station.home();
    if !EVERY_HOURS.contains(&every_hours) {
        return Err(StationError::Usage(format!(
            "back up every {} to {} hours",
            EVERY_HOURS.start(),
            EVERY_HOURS.end()
        )));
    }
    if !folder.is_absolute() || !folder.is_dir() {
        return Err(StationError::Usage(format!(
            "{} is not a folder on this PC: give the full path of an existing folder",
            folder.display()
        )));
    }
    match passphrase {
        Some(passphrase) => BackupKey::from_passphrase(passphrase)?.save(home)?,
        None if BackupKey::load(home)?.is_none() => {
            return Err(StationError::Usage(
                "set the backup passphrase: a restore asks for it".to_owned(),
            ));
        }
        None => {}
    }
    let schedule = Schedule {
        folder: folder.to_owned(),
        every_hours,
    };
    write_json(home, SETTINGS_FILE, &schedule)?;
    settings_view(home)
}

/// Backs up now into the scheduled folder, with the kept key.
pub fn back_up_now(station: &mut Station, session: &Session) -> Result<BackupSettingsView, StationError> {
    allowed(station, session, Duty::Administer)?;
    let schedule = read_json::<Schedule>(station.home(), SETTINGS_FILE)?
        .ok_or_else(|| StationError::Usage("choose the backup folder and interval first".to_owned()))?;
    let result = scheduled_backup(station, &schedule);
    record_status(station.home(), &result)?;
    result?;
    settings_view(station.home())
}

/// The app's timer: backs up if a schedule is set and the last backup is
/// older than its interval (or failed). `None` when nothing was due.
pub fn run_scheduled(station: &mut Station) -> Result<Option<BackupStatus>, StationError> {
    let home = station.home();
    let Some(schedule) = read_json::<Schedule>(home, SETTINGS_FILE)? else {
        return Ok(None);
    };
    let last = read_json::<BackupStatus>(home, STATUS_FILE)?;
    if next_due(&schedule, last.as_ref()).is_some_and(|due| due > time::OffsetDateTime::now_utc()) {
        return Ok(None);
    }
    let result = scheduled_backup(station, &schedule);
    record_status(station.home(), &result).map(Some)
}

fn scheduled_backup(station: &Station, schedule: &Schedule) -> Result<BackupReport, StationError> {
    let key = BackupKey::load(station.home())?
        .ok_or_else(|| StationError::Usage("set the backup passphrase first".to_owned()))?;
    let stamp = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .expect("a time always formats");
    // UTC, as the Z says, so names sort in time order whatever the office's zone.
    let name = format!("pass-station-{}-{stamp}.ppbackup", station.config().station_id);
    backup::create(station, &key, &schedule.folder.join(name))
}

/// When the next scheduled backup is due: at once if none succeeded yet,
/// else a retry an hour after a failure, else an interval after the last.
fn next_due(schedule: &Schedule, last: Option<&BackupStatus>) -> Option<time::OffsetDateTime> {
    let last = last?;
    let at = parse_rfc3339(&last.at)?;
    let wait = if last.ok {
        time::Duration::hours(i64::from(schedule.every_hours))
    } else {
        time::Duration::hours(1)
    };
    Some(at + wait)
}

fn settings_view(home: &StationHome) -> Result<BackupSettingsView, StationError> {
    let schedule = read_json::<Schedule>(home, SETTINGS_FILE)?;
    let last = read_json::<BackupStatus>(home, STATUS_FILE)?;
    let next_due = schedule.as_ref().map(|schedule| {
        next_due(schedule, last.as_ref())
            .map(rfc3339)
            .unwrap_or_else(now_rfc3339)
    });
    Ok(BackupSettingsView {
        folder: schedule.as_ref().map(|s| s.folder.display().to_string()),
        every_hours: schedule.as_ref().map(|s| s.every_hours),
        passphrase_set: BackupKey::load(home)?.is_some(),
        last,
        next_due,
    })
}

/// Keeps how a backup went, for Settings.
fn record_status(
    home: &StationHome,
    result: &Result<BackupReport, StationError>,
) -> Result<BackupStatus, StationError> {
    let status = match result {
        Ok(report) => BackupStatus {
            at: report.taken_at.clone(),
            ok: true,
            path: Some(report.path.clone()),
            failure: None,
        },
        Err(e) => {
            let view = ErrorView::from(e);
            BackupStatus {
                at: now_rfc3339(),
                ok: false,
                path: None,
                failure: Some(BackupFailure {
                    code: view.code.as_str().to_owned(),
                    params: view.params,
                    message: view.message,
                }),
            }
        }
    };
    write_json(home, STATUS_FILE, &status)?;
    Ok(status)
}

fn read_json<T: for<'de> Deserialize<'de>>(home: &StationHome, name: &str) -> Result<Option<T>, StationError> {
    let path = home.dir().join(name);
    match fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| StationError::Config {
                path,
                detail: e.to_string(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(StationError::Io {
            action: "read",
            path,
            source,
        }),
    }
}

fn write_json<T: Serialize>(home: &StationHome, name: &str, value: &T) -> Result<(), StationError> {
    let json = serde_json::to_vec_pretty(value).expect("backup settings always encode");
    write_secret(&home.dir().join(name), &json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backup_is_due_at_once_then_an_interval_after_success_or_an_hour_after_failure() {
        let schedule = Schedule {
            folder: PathBuf::from("/backups"),
            every_hours: 24,
        };
        assert_eq!(next_due(&schedule, None), None, "due at once");
        let at = time::macros::datetime!(2026-12-01 08:00 UTC);
        let status = |ok| BackupStatus {
            at: rfc3339(at),
            ok,
            path: None,
            failure: None,
        };
        assert_eq!(
            next_due(&schedule, Some(&status(true))),
            Some(at + time::Duration::hours(24))
        );
        assert_eq!(
            next_due(&schedule, Some(&status(false))),
            Some(at + time::Duration::hours(1))
        );
    }
}
