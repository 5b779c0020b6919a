//! `pass-station`: the desktop app. A Tauri 2 window over the station core:
//! the web front end in `ui/` calls the thin commands in [`commands`], and the
//! devices and the sync push what they do through [`events`]. This file reads
//! the command line, opens the station (or prepares the demo's embedded
//! parts), and starts the window.

// No console window behind the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod events;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

use clap::Parser;
use pass_printer::{CupsQueue, PdfFolder, PrintTarget};
use pass_station::demo::{self, DemoSetup};
use pass_station::{Station, StationError, StationHome};

/// The command line; every option has a working default.
#[derive(Debug, Parser)]
#[command(
    name = "pass-station",
    version,
    about = "Port Pass Station: the card office's desktop app"
)]
struct Args {
    /// The station's home folder (settings, keys, cache).
    #[arg(long, env = "PASS_STATION_HOME", value_name = "DIR")]
    home: Option<PathBuf>,
    /// Start on embedded defaults: an in-process central-sim with generated
    /// passes, a virtual card reader, a folder of PDFs as the printer.
    /// `PASS_STATION_DEMO=1` does the same when the home holds no station.
    #[arg(long)]
    demo: bool,
    /// Where the demo keeps its files (default: a new temporary folder, kept).
    #[arg(long, value_name = "DIR", requires = "demo")]
    demo_dir: Option<PathBuf>,
    /// How many passes the demo's central generates.
    #[arg(long, default_value_t = 500)]
    demo_items: u32,
    /// The CUPS queue cards print to.
    #[arg(long, value_name = "QUEUE", conflicts_with = "pdf")]
    printer: Option<String>,
    /// Write printed cards as PDFs into this folder (a card printer's hot folder);
    /// the default when no --printer is given is `printed/` in the home.
    #[arg(long, value_name = "DIR")]
    pdf: Option<PathBuf>,
    /// The PC/SC reader to encode on (default: the first with a card on it).
    #[arg(long, value_name = "NAME")]
    reader: Option<String>,
}

/// Where cards are written to chips.
#[derive(Debug)]
pub enum ChipReader {
    /// A PC/SC reader through pcscd: the named one, or the first with a card.
    Pcsc(Option<String>),
    /// The demo's virtual reader: each encode gets a new blank virtual DESFire card.
    Virtual,
}

/// The demo's embedded parts, kept alive as long as the app runs.
#[derive(Debug)]
pub struct Demo {
    /// Serves the generated passes; dropping it stops the simulator.
    _sim: pass_central::sim::SimHandle,
    /// Where the demo's "camera" leaves its pictures of printed cards.
    pub camera_dir: PathBuf,
}

/// Everything the commands share.
#[derive(Debug)]
pub struct AppState {
    pub home: StationHome,
    /// The open station, for the quick steps; a sync opens its own, so the
    /// queue stays usable while it runs (SQLite WAL lets both work at once).
    pub station: Mutex<Station>,
    pub printer: PrintTarget,
    pub reader: ChipReader,
    pub demo: Option<Demo>,
    pub devices: events::Devices,
    /// When the process started, and whether the UI has shown its first queue.
    pub started: std::time::Instant,
    pub queue_shown: std::sync::atomic::AtomicBool,
}

fn main() -> ExitCode {
    let started = std::time::Instant::now();
    let args = Args::parse();
    match prepare(args, started) {
        Ok(state) => run(state),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// Opens the station, or prepares the demo, before any window exists.
fn prepare(args: Args, started: std::time::Instant) -> Result<AppState, StationError> {
    let home = StationHome::new(args.home.clone().unwrap_or_else(StationHome::default_dir));
    let demo_by_env = std::env::var("PASS_STATION_DEMO").is_ok_and(|v| v == "1") && home.config()?.is_none();
    let (home, demo) = if args.demo || demo_by_env {
        let dir = match &args.demo_dir {
            Some(dir) => dir.clone(),
            None => demo::new_dir()?,
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| StationError::RunSetup(format!("cannot start the async runtime: {e}")))?;
        let DemoSetup { sim, home } = runtime.block_on(demo::prepare(&dir, args.demo_items))?;
        let camera_dir = dir.join("camera");
        std::fs::create_dir_all(&camera_dir).map_err(|source| StationError::Io {
            action: "create the demo's camera folder",
            path: camera_dir.clone(),
            source,
        })?;
        eprintln!(
            "demo: station home {}, central-sim at {}",
            home.dir().display(),
            sim.url()
        );
        (home, Some(Demo { _sim: sim, camera_dir }))
    } else {
        (home, None)
    };
    let station = Station::open(home.clone())?;
    let printer = match (args.printer, args.pdf) {
        (Some(queue), _) => PrintTarget::Cups(CupsQueue::new(queue)),
        (None, Some(dir)) => PrintTarget::Folder(PdfFolder::new(dir)),
        (None, None) => PrintTarget::Folder(PdfFolder::new(home.dir().join("printed"))),
    };
    if let PrintTarget::Folder(folder) = &printer {
        std::fs::create_dir_all(&folder.dir).map_err(|source| StationError::Io {
            action: "create the PDF printer folder",
            path: folder.dir.to_owned(),
            source,
        })?;
    }
    let reader = if demo.is_some() {
        ChipReader::Virtual
    } else {
        ChipReader::Pcsc(args.reader)
    };
    Ok(AppState {
        home,
        station: Mutex::new(station),
        printer,
        reader,
        demo,
        devices: events::Devices::default(),
        started,
        queue_shown: std::sync::atomic::AtomicBool::new(false),
    })
}

/// Builds the window and runs until it closes.
fn run(state: AppState) -> ExitCode {
    let app = tauri::Builder::default()
        // A second start brings the running window forward instead of opening
        // another station on the same cache and reader.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            events::focus_main(app);
        }))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::station_status,
            commands::sync_now,
            commands::queue,
            commands::card_detail,
            commands::card_preview,
            commands::card_photo,
            commands::print_cards,
            commands::check_print_image,
            commands::encode_card,
            commands::resolve_scan,
            commands::queue_ready,
        ])
        .setup(|app| {
            events::start(app.handle());
            Ok(())
        })
        .run(tauri::generate_context!());
    match app {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: the window could not start: {e}; check that a display is available (DISPLAY)");
            ExitCode::from(1)
        }
    }
}
