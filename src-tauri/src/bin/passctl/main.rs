//! `passctl`: the station core as a command-line tool, for headless stations,
//! scripts and tests. Each subcommand is a thin layer over `pass_station`.

mod bench;
mod table;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use pass_station::model::CardState;
use pass_station::store::{OutboxFilter, QueueQuery};
use pass_station::sync::{SyncOptions, SyncProgress};
use pass_station::{Station, StationError, StationHome};

const EXIT_CODES: &str = "\
Exit codes:
  0  done
  1  unexpected failure (disk, damaged cache); the message says which file
  2  wrong command-line usage
  3  station not set up: not enrolled yet, already enrolled, or damaged settings
  4  central pass API unreachable; the cache is intact, try again when online
  5  central pass API refused the request or sent data that breaks the contract
  6  no such item in the cache
  7  another sync of this station is running";

#[derive(Debug, Parser)]
#[command(name = "passctl", version, about = "Port Pass Station: the card office from the command line", after_help = EXIT_CODES)]
struct Cli {
    /// The station's home folder (settings, key, cache).
    #[arg(long, global = true, env = "PASS_STATION_HOME", value_name = "DIR")]
    home: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Enrol this station with central using a one-time code from the central office.
    Enroll {
        /// Central pass API address, such as https://pass.example.gov.tw
        #[arg(long, value_name = "URL")]
        central: String,
        #[arg(long)]
        code: String,
        /// A name people will recognise in central's records.
        #[arg(long, default_value = "製證站 Card station")]
        name: String,
    },
    /// Fetch new and changed items, photos, and send the outbox.
    Sync {
        /// Items asked for per request; smaller pages suit slow or flaky links.
        #[arg(long, default_value_t = SyncOptions::default().page_size, value_parser = clap::value_parser!(u32).range(1..=1000))]
        page_size: u32,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List items waiting at this office, optionally searched.
    Queue {
        /// Any part of a name, company, pass number or plate (Chinese works).
        #[arg(long, short)]
        search: Option<String>,
        /// Only items in this state (repeatable); default: every open state.
        #[arg(long, value_parser = parse_state)]
        state: Vec<CardState>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Show one item by pass number.
    Show {
        item: String,
        #[arg(long)]
        json: bool,
    },
    /// List events waiting to be sent to central (or those it refused).
    Outbox {
        /// List events central refused for good instead.
        #[arg(long, conflicts_with = "all")]
        rejected: bool,
        /// List every event, sent or not.
        #[arg(long)]
        all: bool,
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Run the station's main job on embedded defaults: an in-process
    /// central-sim, enrolment, sync, search, and the queue offline.
    Demo {
        /// Where to keep the demo's files (default: a new temporary folder, kept).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        #[arg(long, default_value_t = 500)]
        items: u32,
    },
    /// Measure sync and search speed against a central-sim process (build with --release).
    Bench(bench::BenchArgs),
}

fn parse_state(text: &str) -> Result<CardState, String> {
    CardState::parse(text).ok_or_else(|| {
        let names: Vec<&str> = CardState::ALL.iter().map(|s| s.as_str()).collect();
        format!("unknown state {text:?}; one of: {}", names.join(", "))
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

async fn run(cli: Cli) -> Result<(), StationError> {
    let home = StationHome::new(cli.home.unwrap_or_else(StationHome::default_dir));
    match cli.command {
        Command::Enroll { central, code, name } => {
            let config = home.enroll(&central, &code, &name).await?;
            println!(
                "enrolled as station {} for office {} with {}; run `passctl sync` next",
                config.station_id, config.office, config.central_url
            );
            Ok(())
        }
        Command::Sync { page_size, json } => sync(home, page_size, json).await,
        Command::Queue {
            search,
            state,
            limit,
            json,
        } => {
            let station = Station::open(home)?;
            let rows = station.store().queue(&QueueQuery {
                text: search,
                states: state,
                limit,
            })?;
            if json {
                print_json(&rows);
            } else {
                table::print_queue(&rows);
            }
            Ok(())
        }
        Command::Show { item, json } => {
            let station = Station::open(home)?;
            let record = station.store().item(&item)?.ok_or(StationError::ItemNotFound(item))?;
            if json {
                print_json(&record);
            } else {
                table::print_item(&record);
            }
            Ok(())
        }
        Command::Outbox {
            rejected,
            all,
            limit,
            json,
        } => {
            let station = Station::open(home)?;
            let filter = match (rejected, all) {
                (true, _) => OutboxFilter::Rejected,
                (_, true) => OutboxFilter::All,
                _ => OutboxFilter::Unsent,
            };
            let entries = station.store().outbox(filter, limit)?;
            if json {
                print_json(&entries);
            } else {
                println!("{} events wait to be sent", station.store().unsent_count()?);
                table::print_outbox(&entries);
            }
            Ok(())
        }
        Command::Demo { dir, items } => {
            let dir = match dir {
                Some(dir) => dir,
                None => tempfile_dir()?,
            };
            pass_station::demo::run(&dir, items, &mut std::io::stdout()).await
        }
        Command::Bench(args) => bench::run(args).await,
    }
}

async fn sync(home: StationHome, page_size: u32, json: bool) -> Result<(), StationError> {
    let mut station = Station::open(home)?;
    // indicatif draws nothing when stderr is not a terminal, so scripts see no bar.
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let mut progress = |step: SyncProgress| {
        bar.set_message(match step {
            SyncProgress::Page { items, .. } => format!("reading items: {items} new or changed"),
            SyncProgress::Photos { done, total } => format!("fetching photos: {done}/{total}"),
            SyncProgress::Events { sent } => format!("sending events: {sent}"),
        });
        bar.tick();
    };
    let options = SyncOptions {
        page_size,
        ..SyncOptions::default()
    };
    let result = station.sync(&options, &mut progress).await;
    bar.finish_and_clear();
    let report = match result {
        Ok(report) => report,
        Err(e) => {
            let held: u64 = station.store().state_counts()?.iter().map(|(_, n)| n).sum();
            eprintln!(
                "sync stopped; the {held} items already in the cache are kept, and the next sync resumes where this one stopped"
            );
            return Err(e);
        }
    };
    if json {
        print_json(&report);
        return Ok(());
    }
    let items = &report.items;
    if report.full_resync {
        println!("central no longer knew this station's sync position, so the whole feed was read again");
    }
    println!(
        "items: {} new, {} updated ({} withdrawn), {} unchanged, {} set aside",
        items.added, items.updated, items.withdrawn, items.unchanged, items.rejected
    );
    println!(
        "photos: {} fetched; events: {} sent, {} already known to central, {} refused",
        report.photos_fetched, report.events.accepted, report.events.duplicates, report.events.rejected
    );
    for problem in &report.photo_problems {
        eprintln!("warning: {problem}");
    }
    for retried in &report.retried {
        eprintln!("warning: retried after: {retried}");
    }
    let rejected = station.store().rejected_items()?;
    if !rejected.is_empty() {
        eprintln!(
            "{} records from central were set aside; report them to the central office:",
            rejected.len()
        );
        for item in rejected {
            eprintln!(
                "  {}: {}",
                if item.pass_id.is_empty() {
                    "(no pass number)"
                } else {
                    &item.pass_id
                },
                item.reason
            );
        }
    }
    Ok(())
}

fn print_json<T: serde::Serialize>(value: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).expect("report types always encode as JSON")
    );
}

/// A new folder for the demo that outlives the process, so its station can be looked at afterwards.
fn tempfile_dir() -> Result<PathBuf, StationError> {
    tempfile::Builder::new()
        .prefix("pass-station-demo-")
        .tempdir()
        .map(tempfile::TempDir::keep)
        .map_err(|e| StationError::RunSetup(format!("cannot create a temporary folder: {e}")))
}
