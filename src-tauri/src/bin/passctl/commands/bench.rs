//! `passctl bench`: the station's speed and memory targets, measured against a
//! `central-sim` in its own process (so the station's memory is measured alone).
//! Build with `--release`; the numbers of a debug build mean nothing.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use pass_camera::{ImageSource, Scanner};
use pass_central::sim::AdminClient;
use pass_printer::{PdfFolder, PrintTarget};
use pass_reader::pcsc_reader::{ReaderEvent, Readers};
use pass_station::auth::Session;
use pass_station::desk_photo::needs_photo;
use pass_station::gate::{Gate, GateEvent, GateOptions, Played};
use pass_station::model::Role;
use pass_station::ops::desk::{self, PrintOptions, Printer};
use pass_station::ops::devices::{CardSource, PrintedQr};
use pass_station::ops::{office, people};
use pass_station::store::QueueQuery;
use pass_station::sync::{SyncOptions, SyncProgress};
use pass_station::{Station, StationError, StationHome};
use pass_vcard::vpcd::REINSERT_AFTER;
use pass_vcard::{CardMemory, VirtualCard};

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Items central-sim generates for the full sync.
    #[arg(long, default_value_t = 100_000)]
    items: u32,
    /// Items central changes before the incremental sync.
    #[arg(long, default_value_t = 1_000)]
    changes: u32,
    /// Queue searches to time.
    #[arg(long, default_value_t = 300)]
    searches: usize,
    /// The central-sim binary (default: the one next to passctl).
    #[arg(long, value_name = "FILE")]
    central_sim: Option<PathBuf>,
    /// Measure gate verdict latency instead: frame to verdict, and card tap to
    /// verdict on the first vpcd reader (needs `pcscd --foreground` running).
    #[arg(long)]
    gate: bool,
}

const OFFICE: &str = "TWKEL";
const CODE: &str = "BENCH-ENROLMENT";

/// A central-sim child process, killed when dropped.
struct SimProcess(Child);

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn bench_error(detail: String) -> StationError {
    StationError::RunSetup(detail)
}

/// Starts central-sim with `items` generated passes; returns it and its address.
/// Starts central-sim; returns it, its address and its root key's fingerprint.
fn start_sim(
    args: &BenchArgs,
    dir: &Path,
    items: u32,
    photos: bool,
) -> Result<(SimProcess, String, String), StationError> {
    let sim_binary = match &args.central_sim {
        Some(path) => path.clone(),
        None => std::env::current_exe()
            .map_err(|e| bench_error(format!("cannot find passctl's own path: {e}")))?
            .with_file_name(format!("central-sim{}", std::env::consts::EXE_SUFFIX)),
    };
    let mut command = Command::new(&sim_binary);
    command.args(["--listen", "127.0.0.1:0", "--office", OFFICE, "--cheap-id-hashes"]);
    if !photos {
        command.arg("--no-photos");
    }
    let mut child = command
        .args([
            "--generate",
            &items.to_string(),
            "--enrolment-code",
            &format!("{OFFICE}:{CODE}"),
        ])
        .arg("--db")
        .arg(dir.join("central.db"))
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| {
            bench_error(format!(
                "cannot start {}: {e}; build it with `cargo build --release -p pass-central`",
                sim_binary.display()
            ))
        })?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| bench_error("central-sim has no stdout".into()))?;
    let sim = SimProcess(child);
    let mut stdout = BufReader::new(stdout);
    let (mut first_line, mut second_line) = (String::new(), String::new());
    for line in [&mut first_line, &mut second_line] {
        stdout
            .read_line(line)
            .map_err(|e| bench_error(format!("reading central-sim's output: {e}")))?;
    }
    // Keep reading, so central-sim never writes into a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let url = first_line
        .strip_prefix("listening on ")
        .ok_or_else(|| bench_error(format!("central-sim said {first_line:?}, not `listening on URL`")))?
        .trim()
        .to_owned();
    let fingerprint = second_line
        .strip_prefix("root key fingerprint: ")
        .ok_or_else(|| {
            bench_error(format!(
                "central-sim said {second_line:?}, not its root key fingerprint"
            ))
        })?
        .trim()
        .to_owned();
    Ok((sim, url, fingerprint))
}

/// Rows a transaction in the floor, as in a page of the feed.
const FLOOR_PAGE: usize = 1000;

pub async fn run(args: BenchArgs) -> Result<(), StationError> {
    if args.gate {
        return gate_latency(&args).await;
    }
    let dir = tempfile::tempdir().map_err(|e| bench_error(format!("no temporary folder: {e}")))?;
    println!("starting central-sim with {} items (no photos)...", args.items);
    let (sim, url, fingerprint) = start_sim(&args, dir.path(), args.items, false)?;

    let home = StationHome::new(dir.path().join("station"));
    home.enroll(&url, CODE, "bench", &fingerprint).await?;
    let mut station = Station::open(home)?;
    let rss_before = peak_rss_mib();

    let cpu_before = (cpu_seconds("self"), cpu_seconds(&sim.0.id().to_string()));
    let started = Instant::now();
    let (mut first_page, mut last_page) = (Duration::ZERO, Duration::ZERO);
    let full = office::sync_at_start(&mut station, &SyncOptions::default(), &mut |progress| {
        if let SyncProgress::Page { .. } = progress {
            last_page = started.elapsed();
            first_page = if first_page.is_zero() { last_page } else { first_page };
        }
    })
    .await?
    .report;
    let full_time = started.elapsed();
    let station_cpu = cpu_seconds("self") - cpu_before.0;
    let sim_cpu = cpu_seconds(&sim.0.id().to_string()) - cpu_before.1;
    let peak = peak_rss_mib();
    // The floor: the same rows and index entries, bare SQLite, in the same run.
    let floor_cpu_before = cpu_seconds("self");
    let floor =
        pass_station::store::bare_insert_floor(&station.home().db_path(), &dir.path().join("floor.db"), FLOOR_PAGE)?;
    let floor_cpu = cpu_seconds("self") - floor_cpu_before;

    let admin = AdminClient::new(&url).map_err(|e| bench_error(e.to_string()))?;
    admin
        .edit_many(args.changes, OFFICE)
        .await
        .map_err(|e| bench_error(e.to_string()))?;
    let started = Instant::now();
    let incremental = office::sync_at_start(&mut station, &SyncOptions::default(), &mut |_| {})
        .await?
        .report;
    let incremental_time = started.elapsed();
    let clerk = bench_clerk(&mut station, &url).await?;
    drop(sim);

    let (searches, slowest) = search_times(&mut station, &clerk, args.searches)?;
    let (median, p95, p99, max) = (
        percentile(&searches, 50),
        percentile(&searches, 95),
        percentile(&searches, 99),
        percentile(&searches, 100),
    );
    let per_item = |cpu: f64| cpu / f64::from(full.items.added.max(1) as u32) * 1e6;

    println!("| what | measured | target |");
    println!("|---|---|---|");
    println!(
        "| full sync, {} items | {:.2} s ({} pages) | < 5 s |",
        full.items.added,
        full_time.as_secs_f64(),
        full.pages
    );
    println!(
        "| its parts | until the first page is stored {:.2} s, the pages {:.2} s, the events after them {:.2} s | |",
        first_page.as_secs_f64(),
        (last_page - first_page).as_secs_f64(),
        (full_time - last_page).as_secs_f64()
    );
    println!(
        "| bare-SQLite floor, the same rows and index entries ({FLOOR_PAGE} a transaction) | {:.2} s: the sync takes {:.1} times it | ≤ 1.5 times |",
        floor.as_secs_f64(),
        full_time.as_secs_f64() / floor.as_secs_f64().max(f64::EPSILON)
    );
    println!(
        "| CPU of the full sync | station {station_cpu:.2} s ({:.0} µs an item; floor {floor_cpu:.2} s, {:.1} times it), central-sim {sim_cpu:.2} s ({:.0} µs an item) | |",
        per_item(station_cpu),
        station_cpu / floor_cpu.max(f64::EPSILON),
        per_item(sim_cpu)
    );
    println!("| peak RSS of the station during it | {peak:.0} MiB (before: {rss_before:.0} MiB) | < 64 MB |");
    println!(
        "| incremental sync, {} changes | {:.3} s | < 0.2 s |",
        incremental.items.updated,
        incremental_time.as_secs_f64()
    );
    println!(
        "| queue search over {} items, {} queries | median {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms (slowest: {slowest:?}) | p99 < 5 ms |",
        full.items.added,
        searches.len(),
        ms(median),
        ms(p95),
        ms(p99),
        ms(max)
    );
    Ok(())
}

/// The bench's clerk, made at central and signed in, who searches and issues.
async fn bench_clerk(station: &mut Station, url: &str) -> Result<Session, StationError> {
    let password = format!("Bench-{}x9", std::process::id());
    AdminClient::new(url)
        .map_err(|e| bench_error(e.to_string()))?
        .create_user("bench-clerk", "bench clerk", &[Role::Clerk], OFFICE, &password)
        .await
        .map_err(|e| bench_error(e.to_string()))?;
    Ok(people::sign_in(station, "bench-clerk", &password).await?.0)
}

/// Rows in a page of the app's queue.
const SEARCH_PAGE: usize = 200;

/// Times queue searches of the kinds clerks type: two characters of a name,
/// one character, a whole name, part of a pass number, of a plate, of a company.
/// Each is the clerk's whole use case as the app's queue asks it: the first
/// page of 200 rows with its count, the session check included. Returns the
/// sorted times and the slowest query.
fn search_times(station: &mut Station, clerk: &Session, count: usize) -> Result<(Vec<Duration>, String), StationError> {
    let query = QueueQuery {
        limit: count.max(1),
        ..QueueQuery::default()
    };
    let sample = desk::queue(station, clerk, &query)?.rows;
    let mut queries = Vec::new();
    for (i, row) in sample.iter().enumerate() {
        let chars: Vec<char> = row.holder.chars().collect();
        let query: String = match i % 6 {
            0 => chars.iter().skip(1).take(2).collect(),
            1 => chars.iter().take(1).collect(),
            2 => row.holder.clone(),
            3 => row.pass_id.chars().skip(row.pass_id.len().saturating_sub(5)).collect(),
            4 => chars.iter().rev().take(3).rev().collect(),
            _ => row.company_name.chars().take(2).collect(),
        };
        queries.push(query);
    }
    let mut timed = Vec::with_capacity(queries.len());
    for text in queries {
        let started = Instant::now();
        let query = QueueQuery {
            text: Some(text.clone()),
            limit: SEARCH_PAGE,
            ..QueueQuery::default()
        };
        desk::queue(station, clerk, &query)?;
        timed.push((started.elapsed(), text));
    }
    timed.sort();
    let slowest = timed.last().map(|(_, text)| text.clone()).unwrap_or_default();
    Ok((timed.into_iter().map(|(time, _)| time).collect(), slowest))
}

fn percentile(sorted: &[Duration], pct: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) * pct) / 100]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The process's peak resident memory so far (Linux `VmHWM`), in MiB; 0 where unknown.
/// CPU time (user and system, all threads) a process has used so far, from
/// `/proc/PID/stat` (`self` for this one), in seconds of USER_HZ ticks (100 on
/// Linux); 0 where it cannot be read.
fn cpu_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name in parentheses, which may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(vec![], |(_, rest)| rest.split_whitespace().collect());
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

/// Frames played and cards tapped for the gate latency figures.
const GATE_SAMPLES: usize = 20;

/// Frame → verdict over printed card backs played as a camera, then card tap →
/// verdict on the first vpcd reader, each through a running [`Gate`].
async fn gate_latency(args: &BenchArgs) -> Result<(), StationError> {
    let dir = tempfile::tempdir().map_err(|e| bench_error(format!("no temporary folder: {e}")))?;
    let (sim, url, fingerprint) = start_sim(args, dir.path(), GATE_SAMPLES as u32, true)?;
    let home = StationHome::new(dir.path().join("station"));
    home.enroll(&url, CODE, "bench", &fingerprint).await?;
    let mut station = Station::open(home.clone())?;
    office::sync_at_start(&mut station, &SyncOptions::default(), &mut |_| {}).await?;
    // The bench's clerk, who issues the card the gate then checks.
    let clerk = bench_clerk(&mut station, &url).await?;
    drop(sim);

    let query = QueueQuery {
        limit: GATE_SAMPLES,
        ..QueueQuery::default()
    };
    let rows = desk::queue(&mut station, &clerk, &query)?.rows;
    let mut backs = Vec::new();
    // A person central sent no photo of has no card to show until the desk takes one.
    let rows: Vec<_> = rows
        .into_iter()
        .filter(|row| station.item(&row.pass_id).is_ok_and(|record| !needs_photo(&record)))
        .collect();
    for row in &rows {
        let back = dir.path().join(format!("{}.png", row.pass_id));
        let sides = desk::preview(&mut station, &clerk, &row.pass_id, false)?;
        std::fs::write(&back, &sides[1]).map_err(|e| bench_error(format!("writing a card back: {e}")))?;
        backs.push(back);
    }
    let played = Played::new(ImageSource::list(backs)?, Duration::from_millis(150));
    let scanner = Scanner::start(move || Ok(played), 2)?;
    let options = GateOptions::new(clerk.username.clone(), Some(OFFICE.to_owned()));
    let frames = gate_verdict_times(Gate::start(
        Station::open(home.clone())?,
        options.clone(),
        Some(scanner),
        None,
    )?)?;
    print_latency("frame → verdict (QR)", &frames);

    let readers = match Readers::connect() {
        Ok(readers) => readers,
        Err(e) => {
            println!("card tap → verdict: not measured ({e}; start `pcscd --foreground` as root)");
            return Ok(());
        }
    };
    let card = issued_card(&mut station, &rows[0].pass_id, dir.path(), &clerk).await?;
    let mut gate = Gate::start(station, options, None, Some(Readers::connect()?))?;
    let watcher = readers.watch()?;
    let mut taps = Vec::new();
    for _ in 0..GATE_SAMPLES {
        let stop = Arc::new(AtomicBool::new(false));
        let (mut tapped, stopping) = (VirtualCard::new(card.clone()), Arc::clone(&stop));
        let address = SocketAddr::from(([127, 0, 0, 1], pass_vcard::vpcd::DEFAULT_PORT));
        let serving = std::thread::spawn(move || {
            pass_vcard::vpcd::run(&mut tapped, address, REINSERT_AFTER, &stopping, &mut |_| {})
        });
        taps.push(next_verdict_time(&mut gate)?);
        stop.store(true, Ordering::SeqCst);
        serving
            .join()
            .map_err(|_| bench_error("the virtual card's thread panicked".into()))?
            .map_err(|e| bench_error(e.to_string()))?;
        // The gate must see the card go before the next tap can count as a new one.
        while !matches!(
            watcher.events().recv_timeout(Duration::from_secs(10)),
            Ok(ReaderEvent::CardRemoved { .. }) | Err(_)
        ) {}
    }
    taps.sort();
    print_latency("card tap → verdict (chip, vpcd)", &taps);
    Ok(())
}

/// A card of ours for `pass_id`, written through the station's own steps.
async fn issued_card(
    station: &mut Station,
    pass_id: &str,
    dir: &Path,
    clerk: &Session,
) -> Result<CardMemory, StationError> {
    station.home().generate_chip_keys(OFFICE)?;
    let printed = dir.join("printed");
    std::fs::create_dir_all(&printed).map_err(|e| bench_error(format!("no folder for the printed card: {e}")))?;
    let printer = Printer::new(PrintTarget::Folder(PdfFolder::new(printed)));
    let ids = [pass_id.to_owned()];
    let mut printed = desk::print_batch(station, clerk, &printer, &ids, PrintOptions::default(), &mut |_| {}).await?;
    let card = printed
        .pop()
        .ok_or_else(|| bench_error("the batch printed nothing".to_owned()))?;
    if let Some(error) = card.error {
        return Err(error);
    }
    let qr = pass_station::scan::credentials_in_printed_pdf(Path::new(&card.files[0]))?
        .into_iter()
        .next()
        .ok_or_else(|| bench_error("the printed card has no readable QR".to_owned()))?;
    desk::check_print(station, clerk, pass_id, PrintedQr::Text(qr))?;
    let tray = pass_station::demo::DemoTray::default();
    desk::encode(station, clerk, pass_id, &mut tray.card_to_encode(pass_id)?, &mut |_| {})?;
    tray.memory(pass_id)
}

/// The sorted latencies of every verdict a gate gives until its camera stops.
fn gate_verdict_times(mut gate: Gate) -> Result<Vec<Duration>, StationError> {
    let mut times = Vec::new();
    while gate.is_running() {
        if let Some(GateEvent::Verdict(verdict)) = gate.next_event(Duration::from_millis(200))? {
            times.push(verdict.elapsed);
        }
    }
    times.sort();
    Ok(times)
}

fn next_verdict_time(gate: &mut Gate) -> Result<Duration, StationError> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        match gate.next_event(Duration::from_millis(200))? {
            Some(GateEvent::Verdict(verdict)) => return Ok(verdict.elapsed),
            Some(GateEvent::CardUnreadable { detail, .. }) => return Err(bench_error(detail)),
            _ => {}
        }
    }
    Err(bench_error("no verdict within 10 s of the tap".into()))
}

fn print_latency(what: &str, sorted: &[Duration]) {
    println!(
        "| {what}, {} verdicts | median {:.1} ms, p95 {:.1} ms, max {:.1} ms | ≤ 300 ms |",
        sorted.len(),
        ms(percentile(sorted, 50)),
        ms(percentile(sorted, 95)),
        ms(percentile(sorted, 100))
    );
}
