//! Settings' devices: the printers, readers and cameras there are; an
//! administrator's choice of them, which takes effect at once in this app
//! and is kept in `station.json`; a test card printed and a card read. Each
//! is one `pass_station::ops::devices` call; this file only swaps the app's
//! devices to match the choice.

use pass_printer::{CupsQueue, PdfFolder, PrintTarget};
use pass_station::ops::devices::{self, DevicesView, TestPrintView, TestReadView};
use pass_station::station::DeviceChoices;
use tauri::AppHandle;

use super::{Answer, with_session};
use crate::lock::held;

/// The devices there are and those chosen.
#[tauri::command]
pub async fn devices_list(app: AppHandle) -> Answer<DevicesView> {
    with_session(app, |station, session, state| {
        devices::list(station, session, state.camera_dir.as_deref())
    })
    .await
}

/// Keeps the administrator's choice and uses it from now on: the printer
/// (no queue: the PDF folder), the reader and the camera.
#[tauri::command]
pub async fn devices_choose(app: AppHandle, choices: DeviceChoices) -> Answer<DeviceChoices> {
    with_session(app, move |station, session, state| {
        let chosen = devices::choose(station, session, &choices)?;
        held(&state.printer).target = match &chosen.printer {
            Some(queue) => PrintTarget::Cups(CupsQueue::new(queue.as_str())),
            None => PrintTarget::Folder(PdfFolder::new(&state.pdf_folder)),
        };
        state.cards.choose_reader(chosen.reader.clone());
        *held(&state.camera) = chosen.camera.clone();
        Ok(chosen)
    })
    .await
}

/// Prints a specimen card on the printer in use.
#[tauri::command]
pub async fn devices_test_print(app: AppHandle) -> Answer<TestPrintView> {
    with_session(app, |station, session, state| {
        let target = held(&state.printer).target.clone();
        devices::print_test_card(station, session, &target)
    })
    .await
}

/// Reads the card on the reader in use and says what it is.
#[tauri::command]
pub async fn devices_test_read(app: AppHandle) -> Answer<TestReadView> {
    with_session(app, |station, session, state| {
        let mut card = state.cards.any_card()?;
        devices::read_test_card(station, session, &mut card)
    })
    .await
}
