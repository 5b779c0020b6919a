//! The supervisor's commands: release after the seal check, refuse a
//! release, void, reprint, and lend approval rights.

use pass_station::StationError;
use pass_station::auth::{Duty, roles_text};
use pass_station::ops::devices::{self, CardSource};
use pass_station::ops::supervisor;

use super::desk::ReasonArgs;
use super::{Context, Outcome, QrInput, hotlisted, parse_date};

#[derive(Debug, clap::Args)]
pub struct ReleaseArgs {
    item: String,
    /// The QR printed on the same card, for the seal check.
    #[command(flatten)]
    printed: QrInput,
    #[arg(long, value_name = "NAME")]
    reader: Option<String>,
}

pub fn release(ctx: &Context, args: ReleaseArgs) -> Result<Outcome, StationError> {
    let (mut station, session) = ctx.signed_in(Duty::Approve)?;
    let mut card = devices::pcsc_reader(&station, args.reader).card_of(&args.item)?;
    let released = supervisor::release(&mut station, &session, &args.item, args.printed.into(), &mut card)?;
    ctx.out.say(&released, |r| {
        format!("{}: released (card {}); it waits for pick-up", r.pass_id, r.card_uid)
    });
    Ok(Outcome::Done)
}

pub fn refuse_release(ctx: &Context, args: ReasonArgs) -> Result<Outcome, StationError> {
    let (mut station, session) = ctx.signed_in(Duty::Approve)?;
    let retired = supervisor::refuse_release(&mut station, &session, &args.item, &args.reason)?;
    ctx.out.say(&retired, |r| {
        format!(
            "{}: release refused, card spoiled{}",
            r.pass_id,
            hotlisted(r.print, r.chip_uid.as_deref())
        )
    });
    Ok(Outcome::Done)
}

pub fn void(ctx: &Context, args: ReasonArgs) -> Result<Outcome, StationError> {
    let (mut station, session) = ctx.signed_in(Duty::Approve)?;
    let retired = supervisor::void(&mut station, &session, &args.item, &args.reason)?;
    ctx.out.say(&retired, |r| {
        format!("{}: voided{}", r.pass_id, hotlisted(r.print, r.chip_uid.as_deref()))
    });
    Ok(Outcome::Done)
}

pub async fn reprint(ctx: &Context, args: ReasonArgs) -> Result<Outcome, StationError> {
    let (mut station, session) = ctx.signed_in(Duty::Approve)?;
    let reprinted = supervisor::reprint(&mut station, &session, &args.item, &args.reason).await?;
    ctx.out.say(&reprinted, |r| {
        format!(
            "{}: reprint approved; version {} replaces {} and waits to be printed{}",
            r.pass_id,
            r.new_version,
            r.old_version,
            hotlisted(
                r.old_card.as_ref().map(|c| c.print),
                r.old_card.as_ref().and_then(|c| c.card_uid.as_deref())
            )
        )
    });
    Ok(Outcome::Done)
}

/// Takes another desk's claim on a pass over to this desk.
pub async fn take_over(ctx: &Context, args: ReasonArgs) -> Result<Outcome, StationError> {
    let (mut station, session) = ctx.signed_in(Duty::Approve)?;
    let claim = supervisor::take_over_claim(&mut station, &session, &args.item, &args.reason).await?;
    ctx.out.say(&claim, |c| {
        format!("{}: claimed for this desk ({}) until {}", args.item, c.desk, c.until)
    });
    Ok(Outcome::Done)
}

#[derive(Debug, clap::Args)]
pub struct DelegateArgs {
    /// List the users who may be chosen (those known at this station) instead.
    #[arg(long, conflicts_with_all = ["to", "from", "until"])]
    list: bool,
    #[arg(long, value_name = "USER", required_unless_present = "list")]
    to: Option<String>,
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date, required_unless_present = "list")]
    from: Option<time::Date>,
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date, required_unless_present = "list")]
    until: Option<time::Date>,
}

pub fn delegate(ctx: &Context, args: DelegateArgs) -> Result<Outcome, StationError> {
    let (mut station, session) = ctx.signed_in(Duty::Delegate)?;
    let (Some(to), Some(from), Some(until)) = (args.to, args.from, args.until) else {
        let colleagues = supervisor::delegates(&mut station, &session)?;
        ctx.out.say(&colleagues, |known| {
            known
                .iter()
                .map(|c| format!("{}\t{}\t{}", c.username, c.display_name, roles_text(&c.roles)))
                .collect::<Vec<_>>()
                .join("\n")
        });
        return Ok(Outcome::Done);
    };
    let delegation = supervisor::delegate(&mut station, &session, &to, from, until)?;
    ctx.out.say(&delegation, |d| {
        format!(
            "{} may release, reprint and void cards for {} from {} to {}",
            d.delegate, d.delegator, d.first_day, d.last_day
        )
    });
    Ok(Outcome::Done)
}
