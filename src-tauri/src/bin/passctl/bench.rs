//! `passctl bench`: the station's speed and memory targets, measured against a
//! `central-sim` in its own process (so the station's memory is measured alone).
//! Build with `--release`; the numbers of a debug build mean nothing.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use pass_central::sim::AdminClient;
use pass_station::store::QueueQuery;
use pass_station::sync::SyncOptions;
use pass_station::{Station, StationError, StationHome};

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

pub async fn run(args: BenchArgs) -> Result<(), StationError> {
    let dir = tempfile::tempdir().map_err(|e| bench_error(format!("no temporary folder: {e}")))?;
    let sim_binary = match args.central_sim {
        Some(path) => path,
        None => std::env::current_exe()
            .map_err(|e| bench_error(format!("cannot find passctl's own path: {e}")))?
            .with_file_name(format!("central-sim{}", std::env::consts::EXE_SUFFIX)),
    };
    println!("starting central-sim with {} items (no photos)...", args.items);
    let mut child = Command::new(&sim_binary)
        .args(["--listen", "127.0.0.1:0", "--no-photos", "--office", OFFICE])
        .args([
            "--generate",
            &args.items.to_string(),
            "--enrolment-code",
            &format!("{OFFICE}:{CODE}"),
        ])
        .arg("--db")
        .arg(dir.path().join("central.db"))
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
    let mut first_line = String::new();
    stdout
        .read_line(&mut first_line)
        .map_err(|e| bench_error(format!("reading central-sim's output: {e}")))?;
    // Keep reading, so central-sim never writes into a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let url = first_line
        .strip_prefix("listening on ")
        .ok_or_else(|| bench_error(format!("central-sim said {first_line:?}, not `listening on URL`")))?
        .trim()
        .to_owned();

    let home = StationHome::new(dir.path().join("station"));
    home.enroll(&url, CODE, "bench").await?;
    let mut station = Station::open(home)?;
    let rss_before = peak_rss_mib();

    let started = Instant::now();
    let full = station.sync(&SyncOptions::default(), &mut |_| {}).await?;
    let full_time = started.elapsed();
    let peak = peak_rss_mib();

    let admin = AdminClient::new(&url).map_err(|e| bench_error(e.to_string()))?;
    admin
        .edit_many(args.changes, OFFICE)
        .await
        .map_err(|e| bench_error(e.to_string()))?;
    let started = Instant::now();
    let incremental = station.sync(&SyncOptions::default(), &mut |_| {}).await?;
    let incremental_time = started.elapsed();
    drop(sim);

    let (searches, slowest) = search_times(&station, args.searches)?;
    let (median, p95, max) = (
        percentile(&searches, 50),
        percentile(&searches, 95),
        percentile(&searches, 100),
    );

    println!("| what | measured | target |");
    println!("|---|---|---|");
    println!(
        "| full sync, {} items | {:.2} s ({} pages) | ≤ 10 s |",
        full.items.added,
        full_time.as_secs_f64(),
        full.pages
    );
    println!("| peak RSS of the station during it | {peak:.0} MiB (before: {rss_before:.0} MiB) | ≤ 200 MB |");
    println!(
        "| incremental sync, {} changes | {:.3} s | ≤ 1 s |",
        incremental.items.updated,
        incremental_time.as_secs_f64()
    );
    println!(
        "| queue search over {} items, {} queries | median {:.2} ms, p95 {:.2} ms, max {:.2} ms (slowest: {slowest:?}) | ≤ 20 ms |",
        full.items.added,
        searches.len(),
        ms(median),
        ms(p95),
        ms(max)
    );
    Ok(())
}

/// Times queue searches of the kinds clerks type: two characters of a name,
/// one character, a whole name, part of a pass number, of a plate, of a company.
/// Returns the sorted times and the slowest query.
fn search_times(station: &Station, count: usize) -> Result<(Vec<Duration>, String), StationError> {
    let sample = station.store().queue(&QueueQuery {
        limit: count.max(1),
        ..QueueQuery::default()
    })?;
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
            limit: 50,
            ..QueueQuery::default()
        };
        station.store().queue(&query)?;
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
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}
