//! The station's own commands: enrolment, sync, the outbox, the audit
//! trail, the office's chip keys, and the demo.

use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};
use pass_station::StationError;
use pass_station::auth::Duty;
use pass_station::chip_keys::KeySet;
use pass_station::ops::office::{self, SyncView};
use pass_station::store::{AuditCheck, OutboxEntry, OutboxFilter};
use pass_station::sync::{SyncOptions, SyncProgress};

use super::{Context, Outcome, Rows, Show, parse_date, session, table};

#[derive(Debug, clap::Args)]
pub struct EnrollArgs {
    /// Central pass API address, such as https://pass.example.gov.tw
    #[arg(long, value_name = "URL")]
    central: String,
    #[arg(long)]
    code: String,
    /// A name people will recognise in central's records.
    #[arg(long, default_value = "製證站 Card station")]
    name: String,
    /// The authority's root key fingerprint (hex SHA-256), from its enrolment letter.
    #[arg(long, value_name = "HEX")]
    root_fingerprint: String,
}

pub async fn enroll(ctx: &Context, args: EnrollArgs) -> Result<Outcome, StationError> {
    let config = office::enroll(&ctx.home, &args.central, &args.code, &args.name, &args.root_fingerprint).await?;
    ctx.out.say(&config, |c| {
        format!(
            "enrolled as station {} for office {} with {}; run `passctl sync` next",
            c.station_id, c.office, c.central_url
        )
    });
    Ok(Outcome::Done)
}

#[derive(Debug, clap::Args)]
pub struct SyncArgs {
    /// Items asked for per request; smaller pages suit slow or flaky links.
    #[arg(long, default_value_t = SyncOptions::default().page_size, value_parser = clap::value_parser!(u32).range(1..=1000))]
    page_size: u32,
}

pub async fn sync(ctx: &Context, args: SyncArgs) -> Result<Outcome, StationError> {
    let (mut station, session) = ctx.signed_in(Duty::Read)?;
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
        page_size: args.page_size,
        ..SyncOptions::default()
    };
    let result = office::sync(&mut station, &session, &options, &mut progress).await;
    bar.finish_and_clear();
    match result {
        Ok(view) => {
            ctx.out.show(&view);
            Ok(Outcome::Done)
        }
        Err(e) => {
            let held = office::items_held(&station)?;
            eprintln!(
                "sync stopped; the {held} items already in the cache are kept, and the next sync resumes where this one stopped"
            );
            Err(e)
        }
    }
}

impl Show for SyncView {
    fn text(&self) {
        let report = &self.report;
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
        if !items.voided_cards.is_empty() {
            eprintln!(
                "central withdrew {} passes whose cards are made; their cards are void — take them out now:",
                items.voided_cards.len()
            );
            for pass_id in &items.voided_cards {
                eprintln!("  {pass_id}");
            }
        }
        for problem in &report.photo_problems {
            eprintln!("warning: {problem}");
        }
        for retried in &report.retried {
            eprintln!("warning: retried after: {retried}");
        }
        if !self.set_aside.is_empty() {
            eprintln!(
                "{} records from central were set aside; report them to the central office:",
                self.set_aside.len()
            );
            for item in &self.set_aside {
                let pass_id = if item.pass_id.is_empty() {
                    "(no pass number)"
                } else {
                    &item.pass_id
                };
                eprintln!("  {pass_id}: {}", item.reason);
            }
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct OutboxArgs {
    /// List events central refused for good instead.
    #[arg(long, conflicts_with = "all")]
    rejected: bool,
    /// List every event, sent or not.
    #[arg(long)]
    all: bool,
    #[arg(long, default_value_t = 100)]
    limit: usize,
}

impl Show for Rows<OutboxEntry> {
    fn text(&self) {
        table::print_outbox(&self.0);
    }
}

pub fn outbox(ctx: &Context, args: OutboxArgs) -> Result<Outcome, StationError> {
    let (mut station, session) = ctx.signed_in(Duty::Read)?;
    let filter = match (args.rejected, args.all) {
        (true, _) => OutboxFilter::Rejected,
        (_, true) => OutboxFilter::All,
        _ => OutboxFilter::Unsent,
    };
    ctx.out
        .show(&Rows(office::outbox(&mut station, &session, filter, args.limit)?));
    Ok(Outcome::Done)
}

#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Walk the whole chain and compare it with the head central acknowledged; exit 10 if it is broken.
    Verify,
    /// Write the entries of a range of office days (Taiwan time, both days included) as CSV.
    Export {
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        from: time::Date,
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        to: time::Date,
        #[arg(long, value_name = "FILE")]
        csv: PathBuf,
    },
}

pub fn audit(ctx: &Context, command: AuditCommand) -> Result<Outcome, StationError> {
    let (mut station, session) = ctx.signed_in(Duty::Audit)?;
    match command {
        AuditCommand::Verify => {
            let check = office::audit_verify(&mut station, &session)?;
            ctx.out.say(&check, |check: &AuditCheck| {
                let restored = check.restored.as_ref().map(|note| {
                    let lost = match note.entries_lost {
                        Some(n) => format!("{n} entries after it were lost with the old station"),
                        None => "the entries made after it were lost with the old station (central tells how many \
                                 at the next sync)"
                            .to_owned(),
                    };
                    format!(
                        "; restored at {} from a backup taken at {} (entries 1 to {}): {lost}",
                        note.restored_at, note.backup_taken_at, note.backup_seq
                    )
                });
                let line = match (&check.broken_at, &check.acknowledged) {
                    (Some((seq, problem)), _) => format!("audit trail BROKEN at entry {seq}: {problem}"),
                    (None, Some(head)) => format!(
                        "audit trail intact: {} entries, central acknowledged it up to entry {} at {}",
                        check.entries,
                        head.seq,
                        pass_station::store::rfc3339(head.at)
                    ),
                    (None, None) => format!("audit trail intact: {} entries", check.entries),
                };
                line + &restored.unwrap_or_default()
            });
            Ok(if check.broken_at.is_some() {
                Outcome::Tampered
            } else {
                Outcome::Done
            })
        }
        AuditCommand::Export { from, to, csv } => {
            let entries = office::audit_entries(&mut station, &session, from, to)?;
            table::write_audit_csv(&csv, &entries)?;
            println!(
                "{} audit entries from {from} to {to} written to {}",
                entries.len(),
                csv.display()
            );
            Ok(Outcome::Done)
        }
    }
}

#[derive(Debug, clap::Subcommand)]
pub enum ChipKeysAction {
    /// Make the office's chip master keys (once, on the office's first station).
    Generate,
    /// Seal the office's keys for another station of the office, under a passphrase.
    Export {
        /// The read key only, for a gate: it checks cards and cannot write them.
        #[arg(long)]
        gate: bool,
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
        /// Read the passphrase from standard input instead of the terminal.
        #[arg(long)]
        passphrase_stdin: bool,
    },
    /// Take the office's keys (or the gate's) from an export.
    Import {
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        #[arg(long)]
        passphrase_stdin: bool,
    },
}

pub fn chip_keys(ctx: &Context, action: ChipKeysAction) -> Result<Outcome, StationError> {
    let (mut station, session) = ctx.signed_in(Duty::Administer)?;
    let office = station.config().office.clone();
    match action {
        ChipKeysAction::Generate => {
            let path = office::generate_chip_keys(&mut station, &session)?;
            println!(
                "new chip master keys for {office} in {} (export them for the office safe and its other desks)",
                path.display()
            );
        }
        ChipKeysAction::Export {
            gate,
            to,
            passphrase_stdin,
        } => {
            let set = if gate { KeySet::Gate } else { KeySet::Office };
            let passphrase = session::Passwords::new(passphrase_stdin).read("passphrase for the export: ")?;
            office::export_chip_keys(&mut station, &session, set, &passphrase, &to)?;
            let what = match set {
                KeySet::Gate => "the gate's read key",
                KeySet::Office => "all of the office's chip keys",
            };
            println!("{what} sealed in {}; give the passphrase separately", to.display());
        }
        ChipKeysAction::Import { from, passphrase_stdin } => {
            let passphrase = session::Passwords::new(passphrase_stdin).read("passphrase of the export: ")?;
            let set = office::import_chip_keys(&mut station, &session, &from, &passphrase)?;
            let what = match set {
                KeySet::Gate => "the gate's read key: this station checks cards, it cannot write them",
                KeySet::Office => "the office's chip keys: this station issues cards",
            };
            println!("imported {what}");
        }
    }
    Ok(Outcome::Done)
}

#[cfg(feature = "demo")]
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Where to keep the demo's files (default: a new temporary folder, kept).
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    #[arg(long, default_value_t = 500)]
    items: u32,
}

#[cfg(feature = "demo")]
pub async fn demo(args: DemoArgs) -> Result<Outcome, StationError> {
    let dir = match args.dir {
        Some(dir) => dir,
        None => pass_station::demo::new_dir()?,
    };
    pass_station::demo::run(&dir, args.items, &mut std::io::stdout()).await?;
    Ok(Outcome::Done)
}
