//! `passctl`: the station from the command line, for headless stations,
//! scripts and tests. This file only reads the command line and hands each
//! command to its module in [`commands`], which calls one
//! `pass_station::ops` use case and shows its view.

mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use pass_station::error::{Code, ErrorClass, exit_code_help};
use pass_station::{StationError, StationHome};

use commands::{Context, Outcome, Output, day, desk, devices, gate, gate_mode, office, people, supervisor};

#[derive(Debug, Parser)]
#[command(name = "passctl", version, about = "Port Pass Station: the card office from the command line", after_help = exit_code_help())]
struct Cli {
    /// The station's home folder (settings, key, cache).
    #[arg(long, global = true, env = "PASS_STATION_HOME", value_name = "DIR")]
    home: Option<PathBuf>,
    /// Show the result as JSON, for scripts.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Enrol this station with central using a one-time code from the central office.
    Enroll(office::EnrollArgs),
    /// Sign in (at central when online, else offline if you signed in here before).
    Login(people::LoginArgs),
    /// Sign out.
    Logout,
    /// Show who is signed in, with their roles.
    Whoami,
    /// Change a password at central (also unfreezes an account unused for 90 days).
    Password(people::PasswordArgs),
    /// Lend your approval rights (release, reprint, void) to another user for some days.
    Delegate(supervisor::DelegateArgs),
    /// Release an encoded card for pick-up (supervisor): the card must be on the reader.
    Release(supervisor::ReleaseArgs),
    /// Refuse to release an encoded card (supervisor): it is spoiled, both its faces go on the hotlist.
    RefuseRelease(desk::ReasonArgs),
    /// Hand released cards of one application over to the company's representative.
    #[command(alias = "hand-over")]
    Handover(desk::HandoverArgs),
    /// List released cards waiting for pick-up, oldest first (marks those past the window uncollected).
    Pickups,
    /// Mark a made card spoiled (misprint, dead chip, damage); its chip goes on the hotlist.
    Spoil(desk::ReasonArgs),
    /// Take a holder's photo at the desk from a picture: cropped to the card, checked, kept to print, sent at sync.
    Photo(desk::PhotoArgs),
    /// Void a pass's card (supervisor); its chip goes on the hotlist.
    Void(desk::ReasonArgs),
    /// Record blank cards received at the office (a count, and a box's serials).
    Stock(day::StockArgs),
    /// The office's day (supervisor): its report, closing it with the hopper's count, its files,
    /// the last days' figures, voiding uncollected cards.
    Day {
        #[command(subcommand)]
        command: day::DayCommand,
    },
    /// Approve a new card for a pass (supervisor): central raises the version; needs the network.
    Reprint(desk::ReasonArgs),
    /// Fetch new and changed items, photos, and send the outbox.
    Sync(office::SyncArgs),
    /// List items waiting at this office, optionally searched.
    Queue(desk::QueueArgs),
    /// Show one item by pass number, its history and what may be done with it now.
    Show(desk::ItemArgs),
    /// List events waiting to be sent to central (or those it refused).
    Outbox(office::OutboxArgs),
    /// Check a credential offline against the cached trust list and hotlist.
    Verify(gate::VerifyArgs),
    /// Claim passes for this desk at central ahead of the work (another desk cannot print them; they print
    /// here offline too).
    Claim(desk::ClaimArgs),
    /// Take another desk's claim on a pass over to this desk (supervisor, online), with a reason.
    TakeOver(desk::ReasonArgs),
    /// Print cards, each as its own job; each moves from approved to printed once the printer has it.
    Print(desk::PrintArgs),
    /// Check a printed card's QR against its pass: print_verified if it is this pass's
    /// credential, spoiled if not.
    CheckPrint(desk::CheckPrintArgs),
    /// Render an item's card to PNG as it will print: FILE gets the front, FILE-back.png the back.
    Preview(desk::PreviewArgs),
    /// The office's chip keys: make them, or move them to another station of the office.
    ChipKeys {
        #[command(subcommand)]
        action: office::ChipKeysAction,
    },
    /// Back the station up into one sealed file, or restore a failed station from one onto a new PC.
    Backup {
        #[command(subcommand)]
        action: commands::backup::BackupAction,
    },
    /// The printers, readers and cameras, and those the station uses; choose them (administrator),
    /// print a test card, read a test card.
    Devices(devices::DevicesArgs),
    /// Write an item's chip credential to the card on the reader, and read it back as a gate would.
    Encode(desk::EncodeArgs),
    /// Read the card on the reader: its UID, whether it is ours, and its verdict.
    ReadCard(gate::ReadCardArgs),
    /// Check the audit trail's hash chain: finds any edited, removed or reordered entry, and a trail
    /// cut short of the head central acknowledged.
    Audit {
        #[command(subcommand)]
        command: office::AuditCommand,
    },
    /// List the cards checked here on a day (the verification log), oldest first.
    Checks(gate::ChecksArgs),
    /// Show the cached trust list, each signer's key as a JWK.
    TrustList,
    #[cfg(feature = "demo")]
    /// Run the station's main job on embedded defaults: an in-process
    /// central-sim, enrolment, sync, search, and the queue offline.
    Demo(office::DemoArgs),
    /// Gate mode: check cards from the camera and the readers at once, offline, one line per verdict.
    Gate(gate_mode::GateArgs),
    #[cfg(feature = "demo")]
    /// Measure sync and search speed against a central-sim process (build with --release).
    Bench(commands::bench::BenchArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Worker threads beside the main one: a sync decodes and checks the next
    // page of the feed on one while the main thread stores the page before.
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
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
        Code::RestoreOverStation => "give a new folder with `--home DIR`",
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

async fn run(cli: Cli) -> Result<Outcome, StationError> {
    let ctx = Context {
        home: StationHome::new(cli.home.unwrap_or_else(StationHome::default_dir)),
        out: Output { json: cli.json },
    };
    match cli.command {
        Command::Enroll(args) => office::enroll(&ctx, args).await,
        Command::Login(args) => people::login(&ctx, args).await,
        Command::Logout => people::logout(&ctx),
        Command::Whoami => people::whoami(&ctx),
        Command::Password(args) => people::password(&ctx, args).await,
        Command::Delegate(args) => supervisor::delegate(&ctx, args),
        Command::Release(args) => supervisor::release(&ctx, args),
        Command::RefuseRelease(args) => supervisor::refuse_release(&ctx, args),
        Command::Handover(args) => desk::handover(&ctx, args),
        Command::Pickups => desk::pickups(&ctx),
        Command::Spoil(args) => desk::spoil(&ctx, args),
        Command::Photo(args) => desk::photo(&ctx, args),
        Command::Void(args) => supervisor::void(&ctx, args),
        Command::Stock(args) => day::stock(&ctx, args),
        Command::Day { command } => day::day(&ctx, command),
        Command::Reprint(args) => supervisor::reprint(&ctx, args).await,
        Command::Sync(args) => office::sync(&ctx, args).await,
        Command::Queue(args) => desk::queue(&ctx, args),
        Command::Show(args) => desk::show(&ctx, args),
        Command::Outbox(args) => office::outbox(&ctx, args),
        Command::Verify(args) => gate::verify(&ctx, args),
        Command::Claim(args) => desk::claim(&ctx, args).await,
        Command::TakeOver(args) => supervisor::take_over(&ctx, args).await,
        Command::Print(args) => desk::print(&ctx, args).await,
        Command::CheckPrint(args) => desk::check_print(&ctx, args),
        Command::Preview(args) => desk::preview(&ctx, args),
        Command::ChipKeys { action } => office::chip_keys(&ctx, action),
        Command::Backup { action } => commands::backup::run(&ctx, action),
        Command::Devices(args) => devices::run(&ctx, args),
        Command::Encode(args) => desk::encode(&ctx, args),
        Command::ReadCard(args) => gate::read_card(&ctx, args),
        Command::Audit { command } => office::audit(&ctx, command),
        Command::Checks(args) => gate::checks(&ctx, args),
        Command::TrustList => gate::trust_list(&ctx),
        #[cfg(feature = "demo")]
        Command::Demo(args) => office::demo(args).await,
        Command::Gate(args) => gate_mode::run(&ctx, args),
        #[cfg(feature = "demo")]
        Command::Bench(args) => commands::bench::run(args).await.map(|()| Outcome::Done),
    }
}
