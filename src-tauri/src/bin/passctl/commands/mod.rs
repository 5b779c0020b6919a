//! `passctl`'s commands, one module per desk, each a thin layer over one
//! `pass_station::ops` use case: read the arguments, open the station and
//! the signed-in session ([`Context`]), call the use case, show its view
//! ([`Output`]). No rule of the station is written here.

pub mod backup;
#[cfg(feature = "demo")]
pub mod bench;
pub mod day;
pub mod desk;
pub mod devices;
pub mod gate;
pub mod gate_mode;
pub mod office;
pub mod people;
pub mod session;
pub mod supervisor;
pub mod table;

use std::path::PathBuf;

use pass_station::auth::{Duty, Session};
use pass_station::ops::devices::PrintedQr;
use pass_station::{Station, StationError, StationHome};
use serde::Serialize;

/// How a command that ran to its end came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// The credential or the print was refused (exit 8).
    Invalid,
    /// `audit verify` found the chain broken (exit 10).
    Tampered,
}

/// What every command gets: where the station lives and how to show things.
#[derive(Debug)]
pub struct Context {
    pub home: StationHome,
    pub out: Output,
}

impl Context {
    pub fn station(&self) -> Result<Station, StationError> {
        Station::open(self.home.clone())
    }

    /// The open station and the signed-in user's session, checked for `duty`.
    pub fn signed_in(&self, duty: Duty) -> Result<(Station, Session), StationError> {
        let mut station = self.station()?;
        let session = session::signed_in(&mut station, duty)?;
        Ok((station, session))
    }
}

/// A view shown to a person at a terminal; `--json` shows the view itself.
pub trait Show: Serialize {
    fn text(&self);
}

/// A list of a view's rows, shown as a table.
#[derive(Serialize)]
#[serde(transparent)]
pub struct Rows<T>(pub Vec<T>);

/// Text for people or JSON for scripts, for every command alike.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub json: bool,
}

impl Output {
    pub fn show<T: Show>(&self, view: &T) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(view).expect("views always encode as JSON")
            );
        } else {
            view.text();
        }
    }

    /// A view whose text is one line said here.
    pub fn say<T: Serialize>(&self, view: &T, line: impl FnOnce(&T) -> String) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(view).expect("views always encode as JSON")
            );
        } else {
            println!("{}", line(view));
        }
    }
}

/// Where a card's QR is read from: exactly one of these.
#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
pub struct QrInput {
    /// The text of the QR, as a scanner that types it gives it (`PP2:...`).
    #[arg(long, value_name = "TEXT")]
    qr_text: Option<String>,
    /// A photo of the card (PNG or JPEG).
    #[arg(long, value_name = "FILE")]
    image: Option<PathBuf>,
    /// The webcam with this index (0 is the first).
    #[arg(long, value_name = "INDEX", num_args = 0..=1, default_missing_value = "0")]
    camera: Option<u32>,
}

impl From<QrInput> for PrintedQr {
    fn from(input: QrInput) -> PrintedQr {
        match (input.qr_text, input.image, input.camera) {
            (Some(text), _, _) => PrintedQr::Text(text),
            (None, Some(image), _) => PrintedQr::File(image),
            (None, None, Some(index)) => PrintedQr::Camera(index),
            (None, None, None) => unreachable!("clap requires one of --qr-text, --image, --camera"),
        }
    }
}

pub fn parse_date(text: &str) -> Result<time::Date, String> {
    time::Date::parse(text, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|e| format!("{text:?} is not a date such as 2026-12-01 ({e})"))
}

/// The end of a line that names a card put on the hotlist.
pub fn hotlisted(print: Option<u32>, chip_uid: Option<&str>) -> String {
    match print {
        Some(print) => format!(
            "; print {print}{} goes on the hotlist at the next sync",
            chip_uid.map(|uid| format!(" and chip {uid}")).unwrap_or_default()
        ),
        None => String::new(),
    }
}
