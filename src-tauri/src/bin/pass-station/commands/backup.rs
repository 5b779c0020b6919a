//! Settings' backups: the schedule an administrator sets (a folder, an
//! interval, the passphrase once), a backup now, and how the last one went.
//! Each is one `pass_station::ops::backup` call; the timer that runs the
//! scheduled backups is in `events`.

use std::path::PathBuf;

use pass_station::ops::backup::{self, BackupSettingsView};
use tauri::AppHandle;

use super::{Answer, with_session};

/// The backup schedule and the last backup's outcome.
#[tauri::command]
pub async fn backup_settings(app: AppHandle) -> Answer<BackupSettingsView> {
    with_session(app, |station, session, _| backup::backup_settings(station, session)).await
}

/// Sets the folder and interval; a passphrase, when given, replaces the kept key.
#[tauri::command]
pub async fn backup_schedule(
    app: AppHandle,
    folder: String,
    every_hours: u32,
    passphrase: Option<String>,
) -> Answer<BackupSettingsView> {
    with_session(app, move |station, session, _| {
        let passphrase = passphrase.filter(|p| !p.is_empty());
        backup::set_backup_schedule(
            station,
            session,
            &PathBuf::from(folder),
            every_hours,
            passphrase.as_deref(),
        )
    })
    .await
}

/// Backs up now into the chosen folder.
#[tauri::command]
pub async fn backup_now(app: AppHandle) -> Answer<BackupSettingsView> {
    with_session(app, |station, session, _| backup::back_up_now(station, session)).await
}
