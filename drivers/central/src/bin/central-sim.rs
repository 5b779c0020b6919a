//! `central-sim`: runs the central pass API's reference server until Ctrl-C
//! or SIGTERM, so a station can be developed, tested and shown without the
//! real central system. Serve it on loopback only: its admin endpoints take
//! no credentials.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use pass_central::sim::{SimConfig, SimHandle};

#[derive(Debug, Parser)]
#[command(
    version,
    about = "The central pass API's reference server (loopback only: its admin endpoints take no credentials)"
)]
struct Args {
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// The simulator's SQLite file; an existing one keeps its data.
    #[arg(long)]
    db: PathBuf,
    /// Approved pass items to generate at start (added to what the file holds).
    #[arg(long, default_value_t = 0)]
    generate: u32,
    /// The card office generated items are picked up at.
    #[arg(long, default_value = "TWKEL")]
    office: String,
    /// Generate people without portrait photos.
    #[arg(long)]
    no_photos: bool,
    /// Seed of the generated data.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// A one-time enrolment code to accept, as OFFICE:CODE (repeatable).
    #[arg(long = "enrolment-code", value_name = "OFFICE:CODE", value_parser = office_and_code)]
    enrolment_codes: Vec<(String, String)>,
    /// Delay added to every station API answer, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Hash holders' ID documents at a cost stations refuse to compare
    /// against, so 100,000 generate in seconds (for benchmarks).
    #[arg(long)]
    cheap_id_hashes: bool,
}

fn office_and_code(text: &str) -> Result<(String, String), String> {
    match text.split_once(':') {
        Some((office, code)) if !office.is_empty() && !code.is_empty() => Ok((office.to_owned(), code.to_owned())),
        _ => Err(format!("{text:?} is not OFFICE:CODE, such as TWKEL:7KQ4-M2XA")),
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    if !args.listen.ip().is_loopback() {
        eprintln!(
            "central-sim: warning: listening on {}, which is not a loopback address; \
             anyone who can reach it can use the admin endpoints",
            args.listen
        );
    }
    let config = SimConfig {
        generate: args.generate,
        office: args.office,
        photos: !args.no_photos,
        seed: args.seed,
        enrolment_codes: args.enrolment_codes,
        latency: Duration::from_millis(args.latency_ms),
        cheap_id_hashes: args.cheap_id_hashes,
        ..SimConfig::new(args.db)
    };
    let sim = match SimHandle::spawn_on(config, args.listen) {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("central-sim: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = announce(&sim) {
        eprintln!("central-sim: {e}");
        return ExitCode::FAILURE;
    }
    if let Err(e) = wait_for_stop_signal() {
        eprintln!("central-sim: cannot wait for Ctrl-C or SIGTERM ({e}); stopping");
    }
    sim.stop();
    ExitCode::SUCCESS
}

/// Prints the address, then each unused enrolment code, and flushes: a
/// script reads the first line to find the server.
fn announce(sim: &SimHandle) -> Result<(), Box<dyn std::error::Error>> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on {}", sim.url())?;
    writeln!(out, "root key fingerprint: {}", sim.root_fingerprint())?;
    for (office, code) in sim.enrolment_codes()? {
        writeln!(out, "enrolment code for {office}: {code}")?;
    }
    out.flush()?;
    Ok(())
}

fn wait_for_stop_signal() -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        #[cfg(unix)]
        {
            let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
            tokio::select! {
                interrupted = tokio::signal::ctrl_c() => interrupted,
                _ = terminate.recv() => Ok(()),
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c().await
        }
    })
}
