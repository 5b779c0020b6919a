//! The office's day in numbers: blank cards received, the day's report,
//! closing it (supervisor), its files, and voiding the cards nobody
//! collected.

use std::path::PathBuf;

use pass_station::StationError;
use pass_station::auth::Duty;
use pass_station::office_day::{DayFigures, DayView};
use pass_station::ops::supervisor::{self, DayExport};
use pass_station::store::StockReceipt;

use super::{Context, Outcome, hotlisted};

#[derive(Debug, clap::Args)]
pub struct StockArgs {
    /// Blank cards received (a box, or a count).
    #[arg(long, value_name = "N")]
    received: u32,
    /// The box's first card serial, when it has one.
    #[arg(long, value_name = "SERIAL")]
    first: Option<String>,
    /// The box's last card serial, when it has one.
    #[arg(long, value_name = "SERIAL")]
    last: Option<String>,
}

pub fn stock(ctx: &Context, args: StockArgs) -> Result<Outcome, StationError> {
    let (mut station, session) = ctx.signed_in(Duty::Issue)?;
    let receipt = StockReceipt {
        count: args.received,
        first_serial: args.first,
        last_serial: args.last,
    };
    supervisor::receive_stock(&mut station, &session, &receipt)?;
    ctx.out
        .say(&receipt, |r: &StockReceipt| format!("{} blank cards received", r.count));
    Ok(Outcome::Done)
}

#[derive(Debug, clap::Subcommand)]
pub enum DayCommand {
    /// The report of an office day as it stands (today unless --day), or as it was closed.
    Show {
        #[arg(long, value_name = "YYYY-MM-DD")]
        day: Option<String>,
    },
    /// Close an office day with the blank cards counted in the printer's hopper: the report is signed,
    /// kept, audited and sent to central. A day closes once.
    Close {
        #[arg(long, value_name = "YYYY-MM-DD")]
        day: Option<String>,
        /// Blank cards counted in the printer's hopper at closing.
        #[arg(long, value_name = "N")]
        hopper: u64,
    },
    /// Write a closed day's report as PDF, CSV and the signed report (.cose) into a folder.
    Export {
        #[arg(long, value_name = "YYYY-MM-DD")]
        day: Option<String>,
        #[arg(long, value_name = "FOLDER")]
        to: PathBuf,
    },
    /// Cards printed and spoiled on each of the last days, oldest first.
    Recent {
        #[arg(long, value_name = "DAYS", default_value_t = 30)]
        days: u32,
    },
    /// Void every card past its pick-up window (uncollected, already on the hotlist), with one reason.
    VoidUncollected {
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
}

pub fn day(ctx: &Context, command: DayCommand) -> Result<Outcome, StationError> {
    let (mut station, session) = ctx.signed_in(Duty::Approve)?;
    match command {
        DayCommand::Show { day } => {
            let view = supervisor::day(&mut station, &session, day.as_deref())?;
            ctx.out.say(&view, report_text);
        }
        DayCommand::Close { day, hopper } => {
            let view = supervisor::close_day(&mut station, &session, day.as_deref(), hopper)?;
            ctx.out.say(&view, report_text);
        }
        DayCommand::Export { day, to } => {
            let files = supervisor::export_day(&mut station, &session, day.as_deref(), &to)?;
            ctx.out
                .say(&files, |f: &DayExport| format!("{}\n{}\n{}", f.pdf, f.csv, f.signed));
        }
        DayCommand::Recent { days } => {
            let figures = supervisor::recent_days(&mut station, &session, days)?;
            ctx.out.say(&figures, |figures: &Vec<DayFigures>| {
                let mut lines = vec!["DAY\tPRINTED\tSPOILED".to_owned()];
                lines.extend(
                    figures
                        .iter()
                        .map(|f| format!("{}\t{}\t{}", f.day, f.printed, f.spoiled)),
                );
                lines.join("\n")
            });
        }
        DayCommand::VoidUncollected { reason } => {
            let voided = supervisor::void_uncollected(&mut station, &session, &reason)?;
            ctx.out.say(&voided, |voided: &Vec<pass_station::ops::Retired>| {
                let mut lines = vec![format!("{} uncollected cards voided", voided.len())];
                lines.extend(
                    voided
                        .iter()
                        .map(|r| format!("{}{}", r.pass_id, hotlisted(r.print, r.chip_uid.as_deref()))),
                );
                lines.join("\n")
            });
        }
    }
    Ok(Outcome::Done)
}

/// The report as the terminal shows it: its printed form's lines.
fn report_text(view: &DayView) -> String {
    let closed = view.closed_by.as_deref().zip(view.closed_at.as_deref());
    view.report
        .lines(closed)
        .iter()
        .map(|line| match line {
            pass_printer::ReportLine::Heading(text) => format!("== {text}"),
            pass_printer::ReportLine::Text(text) => text.clone(),
            pass_printer::ReportLine::Gap => String::new(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}
