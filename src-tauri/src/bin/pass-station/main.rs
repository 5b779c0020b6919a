//! `pass-station`: the desktop app. A Tauri 2 window over the station core:
//! the web front end in `ui/` calls the thin commands in [`commands`], and the
//! devices and the sync push what they do through [`events`]. This file reads
//! the command line, opens the station (or prepares the demo's embedded
//! parts), and starts the window.

// No console window behind the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

#[cfg(test)]
mod bindings;
mod camera;
mod commands;
mod events;
mod lock;
mod state;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

use clap::Parser;
use pass_station::auth::Session;
use pass_station::ops::desk::{PictureFolder, Printer};
use pass_station::ops::devices::{self, CardSource};
#[cfg(feature = "demo")]
use pass_station::ops::people;
use pass_station::ops::people::DemoUser;
use pass_station::station::CameraChoice;
use pass_station::{Station, StationError, StationHome};

use state::AppState;

/// The command line; every option has a working default.
#[derive(Debug, Parser)]
#[command(
    name = "pass-station",
    version,
    about = "Port Pass Station: the card office's desktop app"
)]
struct Args {
    /// The station's home folder (settings, keys, cache). With `--demo`, where
    /// the demo enrols its station (it must not hold one yet).
    #[arg(long, env = "PASS_STATION_HOME", value_name = "DIR")]
    home: Option<PathBuf>,
    /// Start on embedded defaults: an in-process central-sim with generated
    /// passes, a virtual card reader, a folder of PDFs as the printer.
    /// `PASS_STATION_DEMO=1` does the same when the home holds no station.
    #[cfg(feature = "demo")]
    #[arg(long)]
    demo: bool,
    /// Where the demo keeps its files (default: a new temporary folder, kept).
    #[cfg(feature = "demo")]
    #[arg(long, value_name = "DIR", requires = "demo")]
    demo_dir: Option<PathBuf>,
    /// How many passes the demo's central generates.
    #[cfg(feature = "demo")]
    #[arg(long, default_value_t = 500)]
    demo_items: u32,
    /// The start-up benchmark's sign-in: this user is signed in (at central,
    /// else offline at the home) before the window opens, so it opens on the
    /// user's first screen; the password comes from `PASS_STATION_BENCH_PASSWORD`.
    /// Part of the demo build only (`bench/desktop-start.sh --signed-in`).
    #[cfg(feature = "demo")]
    #[arg(long, value_name = "USER", hide = true)]
    bench_sign_in: Option<String>,
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
    /// The webcam the check-print and gate screens watch, by its index (0 is
    /// the first), instead of the one chosen in Settings.
    #[arg(long, value_name = "INDEX", conflicts_with = "frames")]
    camera: Option<u32>,
    /// Play the pictures in this folder as the camera (new ones are picked
    /// up as they appear), instead of the one chosen in Settings.
    #[arg(long, value_name = "DIR")]
    frames: Option<PathBuf>,
    /// Draw the window with GPU compositing and let the page's scripts be
    /// compiled to machine code: smoother on a PC with a graphics driver,
    /// about 120 MB more memory (`bench/desktop-start.sh`). The default draws
    /// in software, which forms and lists need no more than.
    #[arg(long)]
    gpu: bool,
}

fn main() -> ExitCode {
    let started = std::time::Instant::now();
    let args = Args::parse();
    let software_rendering = !args.gpu;
    #[cfg(target_os = "linux")]
    if software_rendering && let Some(e) = restart_with_light_web_processes() {
        eprintln!(
            "warning: the app could not start again with lighter web processes ({e}); it runs as it is, using more memory"
        );
    }
    match prepare(args, started) {
        Ok(state) => run(state, software_rendering),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// What the demo brings in place of a real station's parts.
struct Embedded {
    home: StationHome,
    cards: Box<dyn CardSource>,
    camera_dir: PathBuf,
    users: Vec<DemoUser>,
    keep_running: Box<dyn std::fmt::Debug + Send + Sync>,
}

/// The demo's parts, when `--demo` (or `PASS_STATION_DEMO=1` on an empty home) asks for them.
#[cfg(feature = "demo")]
fn embedded(args: &Args, home: &StationHome) -> Result<Option<Embedded>, StationError> {
    use pass_station::demo::{self, DemoSetup};
    let by_env = std::env::var("PASS_STATION_DEMO").is_ok_and(|v| v == "1") && home.config()?.is_none();
    if !(args.demo || by_env) {
        return Ok(None);
    }
    let dir = match &args.demo_dir {
        Some(dir) => dir.clone(),
        None => demo::new_dir()?,
    };
    // A home the user named is where the demo's station lives; else it goes in the demo's folder.
    let station_home = args.home.as_ref().map(|_| home.dir());
    let DemoSetup { sim, home, users } =
        tauri::async_runtime::block_on(demo::prepare(&dir, station_home, args.demo_items))?;
    eprintln!(
        "demo: station home {}, central-sim at {}",
        home.dir().display(),
        sim.url()
    );
    let camera_dir = dir.join("camera");
    std::fs::create_dir_all(&camera_dir).map_err(|source| StationError::Io {
        action: "create the demo's camera folder",
        path: camera_dir.clone(),
        source,
    })?;
    Ok(Some(Embedded {
        home,
        cards: Box::new(demo::DemoTray::default()),
        camera_dir,
        users,
        keep_running: Box::new(sim),
    }))
}

#[cfg(not(feature = "demo"))]
fn embedded(_args: &Args, _home: &StationHome) -> Result<Option<Embedded>, StationError> {
    Ok(None)
}

/// The session the start-up benchmark asks for (`--bench-sign-in`), opened before the window.
#[cfg(feature = "demo")]
fn bench_session(args: &Args, station: Option<&mut Station>) -> Result<Option<Session>, StationError> {
    let (Some(username), Some(station)) = (&args.bench_sign_in, station) else {
        return Ok(None);
    };
    let password = std::env::var("PASS_STATION_BENCH_PASSWORD").unwrap_or_default();
    let (session, _) = tauri::async_runtime::block_on(people::sign_in(station, username, &password))?;
    Ok(Some(session))
}

#[cfg(not(feature = "demo"))]
fn bench_session(_args: &Args, _station: Option<&mut Station>) -> Result<Option<Session>, StationError> {
    Ok(None)
}

/// Opens the station, or prepares the demo, and chooses the devices, before any window exists.
fn prepare(args: Args, started: std::time::Instant) -> Result<AppState, StationError> {
    let home = StationHome::new(args.home.clone().unwrap_or_else(StationHome::default_dir));
    let (home, cards, camera_dir, demo_users, demo) = match embedded(&args, &home)? {
        Some(parts) => (
            parts.home,
            Some(parts.cards),
            Some(parts.camera_dir),
            parts.users,
            Some(parts.keep_running),
        ),
        None => (home, None, None, Vec::new(), None),
    };
    // An empty home opens the set-up screen, which enrols it.
    let mut station = match home.config()? {
        Some(_) => Some(Station::open(home.clone())?),
        None => None,
    };
    let session = bench_session(&args, station.as_mut())?;
    let chosen = station.as_ref().map(|s| s.config().devices.clone()).unwrap_or_default();
    // The command line's devices for this run, else those chosen in Settings.
    let cards = cards.unwrap_or_else(|| Box::new(devices::chosen_pcsc_reader(&chosen, args.reader)));
    let camera = match (args.camera, &args.frames, &camera_dir) {
        (Some(index), _, _) => Some(CameraChoice::Webcam { index }),
        (None, Some(dir), _) => Some(CameraChoice::Frames {
            dir: dir.display().to_string(),
        }),
        (None, None, Some(dir)) => Some(CameraChoice::Frames {
            dir: dir.display().to_string(),
        }),
        (None, None, None) => chosen.camera.clone(),
    };
    let pdf_folder = args.pdf.clone().unwrap_or_else(|| home.dir().join("printed"));
    let mut printer = Printer::new(devices::chosen_print_target(
        &chosen,
        args.printer,
        args.pdf,
        &pdf_folder,
    ));
    if let Some(dir) = &camera_dir {
        printer.watcher = Some(Box::new(PictureFolder { dir: dir.clone() }));
    }
    std::fs::create_dir_all(&pdf_folder).map_err(|source| StationError::Io {
        action: "create the PDF printer folder",
        path: pdf_folder.clone(),
        source,
    })?;
    Ok(AppState {
        home,
        station: Mutex::new(station),
        printer: Mutex::new(printer),
        pdf_folder,
        cards,
        camera_dir,
        camera: Mutex::new(camera),
        desk_camera: Mutex::new(None),
        demo,
        demo_users,
        devices: state::Devices::default(),
        session: Mutex::new(session),
        gate: Mutex::new(None),
        started,
        first_screen_shown: std::sync::atomic::AtomicBool::new(false),
    })
}

/// What the app and the web processes it starts read from the environment as
/// they start: no GL in GTK and no DMA-BUF renderer (GPU buffers that drawing
/// in software does not use); JavaScript run by the interpreter rather than
/// compiled (the UI's scripts are small, the JIT's code and compilers cost
/// about 9 MB, and a page without writable executable memory is the safer
/// one). A value the user set is kept.
#[cfg(target_os = "linux")]
const LIGHT_WEB_PROCESSES: [(&str, &str); 3] = [
    ("GDK_GL", "disable"),
    ("WEBKIT_DISABLE_DMABUF_RENDERER", "1"),
    ("JSC_useJIT", "0"),
];

/// Starts the app again in its own place with [`LIGHT_WEB_PROCESSES`] in its
/// environment, unless they are all there already. WebKit's processes read
/// it as they start, so it must be in place before; starting again sets it
/// without changing the environment of a running process. Returns only when
/// there is nothing to do, or with the reason the app could not start again.
#[cfg(target_os = "linux")]
fn restart_with_light_web_processes() -> Option<std::io::Error> {
    use std::os::unix::process::CommandExt as _;
    let missing: Vec<_> = LIGHT_WEB_PROCESSES
        .into_iter()
        .filter(|(name, _)| std::env::var_os(name).is_none())
        .collect();
    if missing.is_empty() {
        return None;
    }
    Some(match std::env::current_exe() {
        Ok(exe) => std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .envs(missing)
            .exec(),
        Err(e) => e,
    })
}

/// Turns off the web view's GPU compositing: forms and lists gain little
/// from it, and its buffers cost some 110 MB (`bench/desktop-start.sh`).
#[cfg(target_os = "linux")]
fn render_in_software(app: &tauri::App) {
    use tauri::Manager;
    use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
    if let Some(window) = app.get_webview_window("main") {
        // Without it the window still works, only heavier.
        let _ = window.with_webview(|webview| {
            if let Some(settings) = webview.inner().settings() {
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            }
        });
    }
}

/// Builds the window and runs until it closes.
fn run(state: AppState, software_rendering: bool) -> ExitCode {
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
            commands::setup_status,
            commands::setup_enroll,
            commands::chip_keys_status,
            commands::chip_keys_generate,
            commands::chip_keys_import,
            commands::chip_keys_export,
            commands::sync_now,
            commands::queue,
            commands::applications,
            commands::card_detail,
            commands::card_preview,
            commands::card_photo,
            commands::take_photo,
            commands::print_cards,
            commands::check_print_image,
            commands::check_print_read,
            commands::camera_watch,
            commands::camera_unwatch,
            commands::encode_card,
            commands::devices_list,
            commands::devices_choose,
            commands::devices_test_print,
            commands::devices_test_read,
            commands::backup_settings,
            commands::backup_schedule,
            commands::backup_now,
            commands::spoil_card,
            commands::resolve_scan,
            commands::first_screen_drawn,
            commands::pickups,
            commands::check_recipient,
            commands::hand_over,
            commands::receive_stock,
            commands::office_day_report,
            commands::close_office_day,
            commands::recent_days,
            commands::export_office_day,
            commands::void_uncollected,
            commands::sign_in,
            commands::sign_out,
            commands::current_user,
            commands::change_password,
            commands::demo_users,
            commands::release_card,
            commands::release_card_image,
            commands::refuse_release,
            commands::void_card,
            commands::reprint_card,
            commands::take_over_claim,
            commands::delegates,
            commands::delegate,
            commands::gate_start,
            commands::gate_stop,
            commands::gate_check_image,
            commands::gate_scan,
            commands::gate_preview,
            commands::gate_tap_demo_card,
            commands::gate_checks_today,
        ])
        .setup(move |app| {
            #[cfg(target_os = "linux")]
            if software_rendering {
                render_in_software(app);
            }
            #[cfg(not(target_os = "linux"))]
            let _ = software_rendering;
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
