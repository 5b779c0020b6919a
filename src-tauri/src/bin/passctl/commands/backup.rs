//! `passctl backup`: write a sealed backup of the station home, or restore
//! one into a new home on another PC. Each is one `pass_station::ops::backup`
//! use case.

use std::path::PathBuf;

use pass_station::StationError;
use pass_station::auth::Duty;
use pass_station::ops::backup;

use super::{Context, Outcome, session};

#[derive(Debug, clap::Subcommand)]
pub enum BackupAction {
    /// Write one sealed file of the whole station (its identity, keys, cache and outbox), taken while it runs.
    Create {
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
        /// Read the passphrase from standard input instead of the terminal.
        #[arg(long)]
        passphrase_stdin: bool,
    },
    /// Bring a backup back into a new, empty home (`--home DIR`): the same station, on new hardware.
    Restore {
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// Read the passphrase from standard input instead of the terminal.
        #[arg(long)]
        passphrase_stdin: bool,
    },
}

pub fn run(ctx: &Context, action: BackupAction) -> Result<Outcome, StationError> {
    match action {
        BackupAction::Create { to, passphrase_stdin } => {
            let (mut station, session) = ctx.signed_in(Duty::Administer)?;
            let passphrase = session::Passwords::new(passphrase_stdin).read("passphrase for the backup: ")?;
            let report = backup::create_backup(&mut station, &session, &to, &passphrase)?;
            ctx.out.say(&report, |r| {
                format!(
                    "backup of station {} taken at {} written to {} ({} bytes; {} files; audit trail to entry {}); \
                     keep the passphrase apart from the file",
                    r.station_id,
                    r.taken_at,
                    r.path,
                    r.bytes,
                    r.files.len(),
                    r.audit_seq
                )
            });
        }
        BackupAction::Restore { from, passphrase_stdin } => {
            let passphrase = session::Passwords::new(passphrase_stdin).read("passphrase of the backup: ")?;
            let report = backup::restore_backup(&ctx.home, &from, &passphrase)?;
            ctx.out.say(&report, |r| {
                format!(
                    "station {} ({}, office {}) restored into {} from the backup taken at {}; audit trail checked \
                     ({} entries); {} events wait for central: sync to send them and to tell central of the restore",
                    r.station_id, r.station_name, r.office, r.home, r.backup_taken_at, r.audit_entries, r.unsent_events
                )
            });
        }
    }
    Ok(Outcome::Done)
}
