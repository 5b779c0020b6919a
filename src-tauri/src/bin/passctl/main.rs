//! `passctl`: the station core as a command-line tool, for headless stations,
//! scripts and tests. Each subcommand is a thin layer over `pass_station`.

mod bench;
mod gate;
mod session;
mod table;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use pass_credential::{Lang, Reason, Verdict};
use pass_printer::{CupsQueue, PdfFolder, PrintFormat, PrintTarget};
use pass_station::auth::Duty;
use pass_station::chip_keys::KeySet;
use pass_station::credentials::CheckSource;
use pass_station::error::{Code, ErrorClass, exit_code_help};
use pass_station::model::CardState;
use pass_station::store::{OutboxFilter, QueueQuery};
use pass_station::sync::{SyncOptions, SyncProgress};
use pass_station::{Station, StationError, StationHome};
use pass_station::{credentials, printing};
use time::OffsetDateTime;

#[derive(Debug, Parser)]
#[command(name = "passctl", version, about = "Port Pass Station: the card office from the command line", after_help = exit_code_help())]
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
        /// The authority's root key fingerprint (hex SHA-256), from its enrolment letter.
        #[arg(long, value_name = "HEX")]
        root_fingerprint: String,
    },
    /// Sign in (at central when online, else offline if you signed in here before).
    Login {
        #[arg(long, value_name = "NAME")]
        user: String,
        /// Read the password from standard input instead of the terminal.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Sign out.
    Logout,
    /// Show who is signed in, with their roles.
    Whoami,
    /// Change a password at central (also unfreezes an account unused for 90 days).
    Password {
        #[arg(long, value_name = "NAME")]
        user: String,
        /// Read the old and the new password, one per line, from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Lend your approval rights (release, reprint, void) to another user for some days.
    Delegate {
        #[arg(long, value_name = "USER")]
        to: String,
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        from: time::Date,
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        until: time::Date,
    },
    /// Release an encoded card for pick-up (supervisor): the card must be on the reader.
    Release {
        item: String,
        /// The QR printed on the same card, for the seal check.
        #[command(flatten)]
        printed: QrInput,
        #[arg(long, value_name = "NAME")]
        reader: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Refuse to release an encoded card (supervisor): it is spoiled, both its faces go on the hotlist.
    RefuseRelease {
        item: String,
        #[arg(long)]
        reason: String,
    },
    /// Hand a released card over to the company's representative.
    Handover {
        item: String,
        /// The recipient's name, as on their ID card.
        #[arg(long, value_name = "NAME")]
        to: String,
        #[arg(long, value_name = "NAME")]
        company: String,
        /// The recipient's ID number as shown; only a masked form is kept.
        #[arg(long, value_name = "ID")]
        id_number: String,
    },
    /// List released cards waiting for pick-up, oldest first (marks those past the window uncollected).
    Pickups {
        #[arg(long)]
        json: bool,
    },
    /// Mark a made card spoiled (misprint, dead chip, damage); its chip goes on the hotlist.
    Spoil {
        item: String,
        #[arg(long)]
        reason: String,
    },
    /// Void a pass's card (supervisor); its chip goes on the hotlist.
    Void {
        item: String,
        #[arg(long)]
        reason: String,
    },
    /// Approve a new card for a pass (supervisor): central raises the version; needs the network.
    Reprint {
        item: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        json: bool,
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
    /// Check a credential offline against the cached trust list and hotlist.
    Verify {
        #[command(flatten)]
        read: QrInput,
        /// This gate's port code; the pass must cover it.
        #[arg(long, value_name = "CODE")]
        port: Option<String>,
        /// Check as of this moment (RFC 3339) instead of now, e.g. for an incident report.
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        at: Option<OffsetDateTime>,
        /// Language of the reason: zh-TW (default) or en.
        #[arg(long, default_value = "zh-TW", value_parser = parse_lang)]
        lang: Lang,
        #[arg(long)]
        json: bool,
    },
    /// Print cards as one job; each moves from approved to printed once the printer has it.
    Print {
        #[arg(required = true, value_name = "ITEM")]
        items: Vec<String>,
        /// The CUPS queue to print to.
        #[arg(long, value_name = "QUEUE", conflicts_with = "pdf", required_unless_present = "pdf")]
        printer: Option<String>,
        /// Write the PDF into this folder instead (a card printer's hot folder).
        #[arg(long, value_name = "DIR")]
        pdf: Option<PathBuf>,
        /// Send 300 dpi PNGs per side, for printers whose drivers want bitmaps.
        #[arg(long)]
        raster: bool,
        /// Use the portrait card template.
        #[arg(long)]
        portrait: bool,
        #[arg(long)]
        json: bool,
    },
    /// Check a printed card's QR against its pass: print_verified if it is this pass's
    /// credential, spoiled if not.
    CheckPrint {
        item: String,
        #[command(flatten)]
        read: QrInput,
        #[arg(long)]
        json: bool,
    },
    /// Render an item's card to PNG as it will print: FILE gets the front, FILE-back.png the back.
    Preview {
        item: String,
        #[arg(long, value_name = "FILE")]
        png: PathBuf,
        #[arg(long)]
        portrait: bool,
    },
    /// The office's chip keys: make them, or move them to another station of the office.
    ChipKeys {
        #[command(subcommand)]
        action: ChipKeysAction,
    },
    /// Write an item's chip credential to the card on the reader.
    Encode {
        item: String,
        /// The reader to use (default: the first one with a card on it).
        #[arg(long, value_name = "NAME")]
        reader: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Read the card on the reader: its UID, whether it is ours, and its verdict.
    ReadCard {
        #[arg(long, value_name = "NAME")]
        reader: Option<String>,
        /// This gate's port code; the pass must cover it.
        #[arg(long, value_name = "CODE")]
        port: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Check the audit trail's hash chain: finds any edited, removed or reordered entry, and a trail
    /// cut short of the head central acknowledged.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// List the cards checked here on a day (the verification log), oldest first.
    Checks {
        /// The office day (Taiwan time); default today.
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        date: Option<time::Date>,
        #[arg(long)]
        json: bool,
    },
    /// Show the cached trust list, each signer's key as a JWK.
    TrustList {
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
    /// Gate mode: check cards from the camera and the readers at once, offline, one line per verdict.
    Gate(gate::GateArgs),
    /// Measure sync and search speed against a central-sim process (build with --release).
    Bench(bench::BenchArgs),
}

fn parse_state(text: &str) -> Result<CardState, String> {
    CardState::parse(text).ok_or_else(|| {
        let names: Vec<&str> = CardState::ALL.iter().map(|s| s.as_str()).collect();
        format!("unknown state {text:?}; one of: {}", names.join(", "))
    })
}

/// Where a card's QR is read from: exactly one of these.
#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
struct QrInput {
    /// The text of the QR, as a scanner that types it gives it (`PP1:...`).
    #[arg(long, value_name = "TEXT")]
    qr_text: Option<String>,
    /// A photo of the card (PNG or JPEG).
    #[arg(long, value_name = "FILE")]
    image: Option<PathBuf>,
    /// The webcam with this index (0 is the first).
    #[arg(long, value_name = "INDEX", num_args = 0..=1, default_missing_value = "0")]
    camera: Option<u32>,
}

impl QrInput {
    fn read(self) -> Result<String, StationError> {
        match (self.qr_text, self.image, self.camera) {
            (Some(text), _, _) => Ok(text),
            (None, Some(image), _) => pass_station::scan::credential_in_image(&image),
            (None, None, Some(index)) => from_camera(index),
            (None, None, None) => unreachable!("clap requires one of --qr-text, --image, --camera"),
        }
    }
}

#[cfg(feature = "webcam")]
fn from_camera(index: u32) -> Result<String, StationError> {
    // How long a webcam read waits for a readable QR.
    pass_station::scan::credential_from_camera(index, std::time::Duration::from_secs(15))
}

#[cfg(not(feature = "webcam"))]
fn from_camera(_index: u32) -> Result<String, StationError> {
    Err(StationError::NoWebcamSupport)
}

#[derive(Debug, Subcommand)]
enum ChipKeysAction {
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

#[derive(Debug, Subcommand)]
enum AuditCommand {
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

fn parse_date(text: &str) -> Result<time::Date, String> {
    time::Date::parse(text, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|e| format!("{text:?} is not a date such as 2026-12-01 ({e})"))
}

fn parse_lang(text: &str) -> Result<Lang, String> {
    match text.to_ascii_lowercase().as_str() {
        "zh-tw" | "zh" => Ok(Lang::ZhTw),
        "en" => Ok(Lang::En),
        _ => Err(format!("unknown language {text:?}; zh-TW or en")),
    }
}

fn parse_time(text: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("{text:?} is not an RFC 3339 time such as 2026-12-01T09:00:00+08:00 ({e})"))
}

/// Screen previews are rendered at this resolution.
const PREVIEW_DPI: u32 = 200;

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
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Invalid) => ExitCode::from(ErrorClass::Invalid.exit_code()),
        Ok(Outcome::Tampered) => ExitCode::from(ErrorClass::Tampered.exit_code()),
        Err(e) => {
            eprintln!("error: {e}");
            if let Some(hint) = hint(e.code()) {
                eprintln!("hint: {hint}");
            }
            ExitCode::from(e.exit_code())
        }
    }
}

/// The command that does what a failure's message asks, for the command-line
/// user (the core's messages name no shell's commands).
fn hint(code: Code) -> Option<&'static str> {
    Some(match code {
        Code::NotEnrolled => "run `passctl enroll --central URL --code CODE --root-fingerprint HEX`",
        Code::AlreadyEnrolled => "give another folder with `--home DIR`",
        Code::NoChipKeys => {
            "run `passctl chip-keys generate` on the office's first station, or `passctl chip-keys import --from FILE`"
        }
        Code::NoTrustList | Code::PhotoMissing => "run `passctl sync` while online",
        Code::ItemNotFound => "`passctl queue --search TEXT` finds a pass; `passctl sync` fetches new ones",
        Code::NotSignedIn | Code::SignedOut => "run `passctl login --user NAME`",
        Code::Frozen => "run `passctl password --user NAME` while online",
        Code::ReasonMissing => "give it with `--reason TEXT`",
        Code::ChipNotVerified => {
            "run `passctl spoil ITEM --reason TEXT`; a supervisor then runs `passctl reprint ITEM --reason TEXT`"
        }
        Code::SealBroken => {
            "scan the card again (`--image`, `--qr-text` or `--camera`), or `passctl refuse-release ITEM --reason TEXT`"
        }
        Code::NoWebcamSupport => "give a photo with `--image FILE`, or build passctl with `--features webcam`",
        _ => return None,
    })
}

/// How a command that ran to its end came out.
enum Outcome {
    Done,
    /// `verify` refused the credential.
    Invalid,
    /// `audit verify` found the chain broken.
    Tampered,
}

async fn run(cli: Cli) -> Result<Outcome, StationError> {
    let home = StationHome::new(cli.home.unwrap_or_else(StationHome::default_dir));
    match cli.command {
        Command::Enroll {
            central,
            code,
            name,
            root_fingerprint,
        } => {
            let config = home.enroll(&central, &code, &name, &root_fingerprint).await?;
            println!(
                "enrolled as station {} for office {} with {}; run `passctl sync` next",
                config.station_id, config.office, config.central_url
            );
            Ok(Outcome::Done)
        }
        Command::Sync { page_size, json } => sync(home, page_size, json).await.map(|()| Outcome::Done),
        Command::Login { user, password_stdin } => {
            let mut station = Station::open(home)?;
            let password = session::Passwords::new(password_stdin).read(&format!("password for {user}: "))?;
            let signed_in = station.sign_in(&user, &password).await?;
            session::keep(&station, &signed_in)?;
            println!(
                "signed in as {} ({}), roles: {}",
                signed_in.username,
                signed_in.display_name,
                signed_in.roles_text()
            );
            Ok(Outcome::Done)
        }
        Command::Logout => {
            let mut station = Station::open(home)?;
            if let Ok(current) = session::signed_in(&mut station, Duty::Read) {
                station.sign_out(&current)?;
                println!("{} signed out", current.username);
            }
            session::forget(&station)?;
            Ok(Outcome::Done)
        }
        Command::Whoami => {
            let mut station = Station::open(home)?;
            let current = session::signed_in(&mut station, Duty::Read)?;
            println!(
                "{} ({}), roles: {}",
                current.username,
                current.display_name,
                current.roles_text()
            );
            Ok(Outcome::Done)
        }
        Command::Password { user, password_stdin } => {
            let mut station = Station::open(home)?;
            let passwords = session::Passwords::new(password_stdin);
            let old = passwords.read("current password: ")?;
            let new = passwords.read("new password: ")?;
            station.change_password(&user, &old, &new).await?;
            println!("password changed for {user}; sign in with the new one");
            Ok(Outcome::Done)
        }
        Command::Delegate { to, from, until } => {
            let mut station = Station::open(home)?;
            let current = session::signed_in(&mut station, Duty::Delegate)?;
            let delegation = station.delegate(&current, &to, from, until)?;
            println!(
                "{} may release, reprint and void cards for {} from {} to {}",
                delegation.delegate, delegation.delegator, delegation.first_day, delegation.last_day
            );
            Ok(Outcome::Done)
        }
        Command::Release {
            item,
            printed,
            reader,
            json,
        } => {
            let mut station = Station::open(home)?;
            let current = session::signed_in(&mut station, Duty::Approve)?;
            let printed_qr = printed.read()?;
            let mut card = pass_station::chip::card_on_reader(reader.as_deref())?;
            let released = station.release(&item, &printed_qr, &mut card, &current)?;
            if json {
                print_json(&released);
            } else {
                println!("{item}: released (card {}); it waits for pick-up", released.card_uid);
            }
            Ok(Outcome::Done)
        }
        Command::Handover {
            item,
            to,
            company,
            id_number,
        } => {
            let mut station = Station::open(home)?;
            let current = session::signed_in(&mut station, Duty::Issue)?;
            let recipient = station.hand_over(&item, &to, &company, &id_number, &current)?;
            println!(
                "{item}: handed over to {} of {} (ID {})",
                recipient.name, recipient.company, recipient.id_masked
            );
            Ok(Outcome::Done)
        }
        Command::Pickups { json } => {
            let mut station = Station::open(home)?;
            let current = session::signed_in(&mut station, Duty::Issue)?;
            let waiting = station.pickups(&current)?;
            if json {
                print_json(&waiting);
            } else {
                table::print_pickups(&waiting);
            }
            Ok(Outcome::Done)
        }
        Command::Spoil { item, reason } => {
            let mut station = Station::open(home)?;
            let current = session::signed_in(&mut station, Duty::Issue)?;
            let card = station.spoil(&item, &reason, &current)?;
            println!("{item}: spoiled{}", hotlisted(card.as_ref()));
            Ok(Outcome::Done)
        }
        Command::RefuseRelease { item, reason } => {
            let mut station = Station::open(home)?;
            let current = session::signed_in(&mut station, Duty::Approve)?;
            let card = station.refuse_release(&item, &reason, &current)?;
            println!("{item}: release refused, card spoiled{}", hotlisted(card.as_ref()));
            Ok(Outcome::Done)
        }
        Command::Void { item, reason } => {
            let mut station = Station::open(home)?;
            let current = session::signed_in(&mut station, Duty::Approve)?;
            let card = station.void(&item, &reason, &current)?;
            println!("{item}: voided{}", hotlisted(card.as_ref()));
            Ok(Outcome::Done)
        }
        Command::Reprint { item, reason, json } => {
            let mut station = Station::open(home)?;
            let current = session::signed_in(&mut station, Duty::Approve)?;
            let reprinted = station.reprint(&item, &reason, &current).await?;
            if json {
                print_json(&reprinted);
            } else {
                println!(
                    "{item}: reprint approved; version {} replaces {} and waits to be printed{}",
                    reprinted.new_version,
                    reprinted.old_version,
                    hotlisted(reprinted.old_card.as_ref())
                );
            }
            Ok(Outcome::Done)
        }
        Command::Queue {
            search,
            state,
            limit,
            json,
        } => {
            let mut station = Station::open(home)?;
            session::signed_in(&mut station, Duty::Read)?;
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
            Ok(Outcome::Done)
        }
        Command::Show { item, json } => {
            let mut station = Station::open(home)?;
            session::signed_in(&mut station, Duty::Read)?;
            let record = station.item(&item)?;
            let history = station.store().audit(Some(&record.item.pass_id), None, None)?;
            if json {
                let mut shown = serde_json::to_value(&record).expect("an item always encodes as JSON");
                shown["history"] = serde_json::to_value(&history).expect("audit entries always encode as JSON");
                print_json(&shown);
            } else {
                table::print_item(&record);
                println!("{:>12}", "history");
                table::print_history(&history);
            }
            Ok(Outcome::Done)
        }
        Command::Outbox {
            rejected,
            all,
            limit,
            json,
        } => {
            let mut station = Station::open(home)?;
            session::signed_in(&mut station, Duty::Read)?;
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
            Ok(Outcome::Done)
        }
        Command::Demo { dir, items } => {
            let dir = match dir {
                Some(dir) => dir,
                None => pass_station::demo::new_dir()?,
            };
            pass_station::demo::run(&dir, items, &mut std::io::stdout())
                .await
                .map(|()| Outcome::Done)
        }
        Command::Verify {
            read,
            port,
            at,
            lang,
            json,
        } => {
            let mut station = Station::open(home)?;
            let officer = session::signed_in(&mut station, Duty::Check)?;
            let qr_text = read.read()?;
            let now = at.unwrap_or_else(OffsetDateTime::now_utc);
            let verdict = station.verify_qr(&station.verifier()?, &qr_text, now, port.as_deref())?;
            station.log_check(
                &officer.username,
                CheckSource::Qr,
                Some(&verdict),
                None,
                port.as_deref(),
            )?;
            if json {
                print_json(&verdict_json(&verdict));
            } else {
                table::print_verdict(&verdict, lang);
            }
            Ok(if verdict.is_valid() {
                Outcome::Done
            } else {
                Outcome::Invalid
            })
        }
        Command::TrustList { json } => {
            let mut station = Station::open(home)?;
            session::signed_in(&mut station, Duty::Read)?;
            let verifier = station.verifier()?;
            let Some(trust_list) = verifier.trust_list() else {
                return Err(StationError::NoTrustList);
            };
            let shown = credentials::trust_list_json(trust_list);
            if json {
                print_json(&shown);
            } else {
                table::print_trust_list(&shown);
            }
            Ok(Outcome::Done)
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let mut station = Station::open(home)?;
            session::signed_in(&mut station, Duty::Audit)?;
            let check = station.store().check_audit()?;
            match check.broken_at {
                None => {
                    match check.acknowledged {
                        Some(head) => println!(
                            "audit trail intact: {} entries, central acknowledged it up to entry {} at {}",
                            check.entries, head.seq, head.at
                        ),
                        None => println!("audit trail intact: {} entries", check.entries),
                    }
                    Ok(Outcome::Done)
                }
                Some((seq, problem)) => {
                    println!("audit trail BROKEN at entry {seq}: {problem}");
                    Ok(Outcome::Tampered)
                }
            }
        }
        Command::Print {
            items,
            printer,
            pdf,
            raster,
            portrait,
            json,
        } => {
            let mut station = Station::open(home)?;
            let target = match (printer, pdf) {
                (Some(queue), _) => PrintTarget::Cups(CupsQueue::new(queue)),
                (None, Some(dir)) => PrintTarget::Folder(PdfFolder::new(dir)),
                (None, None) => unreachable!("clap requires --printer or --pdf"),
            };
            let format = if raster { PrintFormat::Raster } else { PrintFormat::Pdf };
            let current = session::signed_in(&mut station, Duty::Issue)?;
            let report = station.print_cards(&items, &target, printing::template(portrait), format, &current)?;
            if json {
                print_json(&report);
            } else {
                match report.job {
                    Some(job) => println!("{} cards printed as CUPS job {job}", report.pass_ids.len()),
                    None => println!("{} cards written: {}", report.pass_ids.len(), report.files.join(", ")),
                }
            }
            Ok(Outcome::Done)
        }
        Command::CheckPrint { item, read, json } => {
            let mut station = Station::open(home)?;
            let current = session::signed_in(&mut station, Duty::Issue)?;
            let text = read.read()?;
            let check = station.check_print(&item, &text, &current)?;
            if json {
                print_json(&check);
            } else if let Some(problem) = &check.problem {
                println!("{item}: SPOILED, set the card aside: {problem}");
            } else {
                println!("{item}: the print matches its pass; place the card on the reader to encode it");
            }
            Ok(if check.matches { Outcome::Done } else { Outcome::Invalid })
        }
        Command::Preview { item, png, portrait } => {
            let mut station = Station::open(home)?;
            session::signed_in(&mut station, Duty::Read)?;
            let sides = station.preview(&item, printing::template(portrait), PREVIEW_DPI)?;
            let back = png.with_file_name(format!(
                "{}-back.png",
                png.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default()
            ));
            for (path, side) in [&png, &back].into_iter().zip(&sides) {
                std::fs::write(path, side).map_err(|source| StationError::Io {
                    action: "write the preview",
                    path: path.clone(),
                    source,
                })?;
                println!("{}", path.display());
            }
            Ok(Outcome::Done)
        }
        Command::Audit {
            command: AuditCommand::Export { from, to, csv },
        } => {
            let mut station = Station::open(home)?;
            session::signed_in(&mut station, Duty::Audit)?;
            let (since, _) = pass_station::auth::office_day_bounds(from);
            let (_, before) = pass_station::auth::office_day_bounds(to);
            let entries = station.store().audit(None, Some(&since), Some(&before))?;
            table::write_audit_csv(&csv, &entries)?;
            println!(
                "{} audit entries from {from} to {to} written to {}",
                entries.len(),
                csv.display()
            );
            Ok(Outcome::Done)
        }
        Command::Checks { date, json } => {
            let mut station = Station::open(home)?;
            session::signed_in(&mut station, Duty::Check)?;
            let today = OffsetDateTime::now_utc()
                .to_offset(credentials::OFFICE_UTC_OFFSET)
                .date();
            let (since, before) = pass_station::auth::office_day_bounds(date.unwrap_or(today));
            let checks = station.store().checks(&since, &before)?;
            if json {
                print_json(&checks);
            } else {
                table::print_checks(&checks);
            }
            Ok(Outcome::Done)
        }
        Command::ChipKeys { action } => {
            let mut station = Station::open(home)?;
            session::signed_in(&mut station, Duty::Administer)?;
            let office = station.config().office.clone();
            match action {
                ChipKeysAction::Generate => {
                    let path = station.home().generate_chip_keys(&office)?;
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
                    station.home().export_chip_keys(set, &passphrase, &to)?;
                    let what = match set {
                        KeySet::Gate => "the gate's read key",
                        KeySet::Office => "all of the office's chip keys",
                    };
                    println!("{what} sealed in {}; give the passphrase separately", to.display());
                }
                ChipKeysAction::Import { from, passphrase_stdin } => {
                    let passphrase = session::Passwords::new(passphrase_stdin).read("passphrase of the export: ")?;
                    let set = station.home().import_chip_keys(&from, &office, &passphrase)?;
                    let what = match set {
                        KeySet::Gate => "the gate's read key: this station checks cards, it cannot write them",
                        KeySet::Office => "the office's chip keys: this station issues cards",
                    };
                    println!("imported {what}");
                }
            }
            Ok(Outcome::Done)
        }
        Command::Encode { item, reader, json } => {
            let mut station = Station::open(home)?;
            let current = session::signed_in(&mut station, Duty::Issue)?;
            let mut card = pass_station::chip::card_on_reader(reader.as_deref())?;
            let encoded = station.encode(&item, &mut card, &current)?;
            if json {
                print_json(&encoded);
            } else {
                println!(
                    "card {} now carries {} version {} ({}, {} exchanges with the card)",
                    encoded.card_uid,
                    encoded.pass_id,
                    encoded.version,
                    if encoded.was_blank {
                        "was blank"
                    } else {
                        "was ours: rewritten"
                    },
                    encoded.apdu_exchanges
                );
            }
            Ok(Outcome::Done)
        }
        Command::ReadCard { reader, port, json } => {
            let mut station = Station::open(home)?;
            let officer = session::signed_in(&mut station, Duty::Check)?;
            let mut card = pass_station::chip::card_on_reader(reader.as_deref())?;
            let reading = station.read_card_at_gate(
                &mut card,
                &station.verifier()?,
                OffsetDateTime::now_utc(),
                port.as_deref(),
            )?;
            station.log_check(
                &officer.username,
                CheckSource::Chip,
                reading.verdict.as_ref(),
                Some(&reading.card_uid),
                port.as_deref(),
            )?;
            let kind = format!("{:?}", reading.kind).to_lowercase();
            if json {
                let verdict = reading.verdict.as_ref().map(verdict_json);
                print_json(&serde_json::json!({ "card_uid": reading.card_uid, "kind": kind, "verdict": verdict }));
            } else {
                println!("card {} ({kind})", reading.card_uid);
                if let Some(verdict) = &reading.verdict {
                    table::print_verdict(verdict, Lang::ZhTw);
                }
            }
            Ok(match &reading.verdict {
                Some(verdict) if verdict.is_valid() => Outcome::Done,
                _ => Outcome::Invalid,
            })
        }
        Command::Gate(args) => gate::run(home, args).map(|()| Outcome::Done),
        Command::Bench(args) => bench::run(args).await.map(|()| Outcome::Done),
    }
}

/// The end of a line that names a chip put on the hotlist.
fn hotlisted(card: Option<&pass_station::store::CardFaces>) -> String {
    match card {
        Some(card) => format!(
            "; print {}{} goes on the hotlist at the next sync",
            card.print,
            card.card_uid
                .as_deref()
                .map(|uid| format!(" and chip {uid}"))
                .unwrap_or_default()
        ),
        None => String::new(),
    }
}

/// A verdict for scripts: the outcome, the reason in both languages, the
/// warnings, and the claims when the signature held.
fn verdict_json(verdict: &Verdict) -> serde_json::Value {
    let reason = verdict.outcome.as_ref().err();
    serde_json::json!({
        "valid": verdict.is_valid(),
        "reason": reason.map(Reason::code),
        "message_zh": reason.map(|r| r.message(Lang::ZhTw)),
        "message_en": reason.map(|r| r.message(Lang::En)),
        "warnings": verdict.warnings.iter().map(|w| w.message(Lang::En)).collect::<Vec<_>>(),
        "claims": verdict.claims,
    })
}

async fn sync(home: StationHome, page_size: u32, json: bool) -> Result<(), StationError> {
    let mut station = Station::open(home)?;
    session::signed_in(&mut station, Duty::Read)?;
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
