//! The station's first set-up and the office's chip keys: whether the home
//! is enrolled, its enrolment from the set-up screen (central's address, the
//! one-time code, the root key's fingerprint, the station's name), and an
//! administrator's chip keys (generated on the office's first desk, imported
//! from another desk's export, exported for another desk or a gate). Each is
//! one `pass_station::ops::office` call; this file only puts the newly
//! enrolled station in the app's hands and starts its first sync.

use std::path::PathBuf;

use pass_station::Station;
use pass_station::chip_keys::KeySet;
use pass_station::ops::office::{self, ChipKeysView, SetupStatus};
use serde::Serialize;
use tauri::AppHandle;

use super::{Answer, block_on, blocking, with_session};
use crate::lock::held;

/// Whether the home is enrolled (else the set-up screen opens) and its chip keys.
#[tauri::command]
pub async fn setup_status(app: AppHandle) -> Answer<SetupStatus> {
    blocking(app, |state| office::setup_status(&state.home)).await
}

/// Enrols the empty home with central, opens the station in the app and
/// starts its first sync.
#[tauri::command]
pub async fn setup_enroll(
    app: AppHandle,
    central_url: String,
    code: String,
    root_fingerprint: String,
    station_name: String,
) -> Answer<()> {
    let handle = app.clone();
    blocking(app, move |state| {
        block_on(office::enroll(
            &state.home,
            &central_url,
            &code,
            &station_name,
            &root_fingerprint,
        ))?;
        *held(&state.station) = Some(Station::open(state.home.clone())?);
        Ok(())
    })
    .await?;
    crate::events::first_sync(&handle);
    Ok(())
}

/// The chip keys held, and the folder an export is offered in.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct ChipKeysSettings {
    #[serde(flatten)]
    keys: ChipKeysView,
    /// The user's home folder, where the export form starts (a USB stick's folder is typed in its place).
    export_dir: String,
}

#[tauri::command]
pub async fn chip_keys_status(app: AppHandle) -> Answer<ChipKeysSettings> {
    with_session(app, |station, session, _| {
        Ok(ChipKeysSettings {
            keys: office::chip_keys(station, session)?,
            export_dir: std::env::home_dir().unwrap_or_default().display().to_string(),
        })
    })
    .await
}

/// Makes the office's chip keys, on its first desk.
#[tauri::command]
pub async fn chip_keys_generate(app: AppHandle) -> Answer<KeySet> {
    with_session(app, |station, session, _| {
        office::generate_chip_keys(station, session)?;
        Ok(KeySet::Office)
    })
    .await
}

/// Takes the keys from an export file's bytes, read by the screen.
#[tauri::command]
pub async fn chip_keys_import(app: AppHandle, export: Vec<u8>, passphrase: String) -> Answer<KeySet> {
    with_session(app, move |station, session, _| {
        office::import_chip_key_export(station, session, &export, &passphrase)
    })
    .await
}

/// Seals the keys of `set` into the file `to`, the passphrase typed twice.
#[tauri::command]
pub async fn chip_keys_export(
    app: AppHandle,
    set: KeySet,
    passphrase: String,
    again: String,
    to: String,
) -> Answer<String> {
    with_session(app, move |station, session, _| {
        let to = PathBuf::from(to.trim());
        office::export_chip_keys_confirmed(station, session, set, &passphrase, &again, &to)?;
        Ok(to.display().to_string())
    })
    .await
}
