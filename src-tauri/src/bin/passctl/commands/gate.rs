//! The gate officer's one-off checks: a printed QR, a chip on the reader,
//! the day's verification log, and the trust list for other agencies.

use pass_credential::Lang;
use pass_station::StationError;
use pass_station::auth::Duty;
use pass_station::ops::devices::{self, CardSource};
use pass_station::ops::gate::{self, CardReadingView, CheckAt, VerdictView};
use pass_station::store::Check;
use time::OffsetDateTime;

use super::{Context, Outcome, QrInput, Rows, Show, parse_date, table};

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
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

/// A verdict with the language its text is shown in (JSON has both).
struct Shown<'a> {
    verdict: &'a VerdictView,
    lang: Lang,
}

impl serde::Serialize for Shown<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.verdict.serialize(serializer)
    }
}

impl Show for Shown<'_> {
    fn text(&self) {
        table::print_verdict(self.verdict, self.lang);
    }
}

fn outcome(verdict: Option<&VerdictView>) -> Outcome {
    match verdict {
        Some(verdict) if verdict.valid => Outcome::Done,
        _ => Outcome::Invalid,
    }
}

pub fn verify(ctx: &Context, args: VerifyArgs) -> Result<Outcome, StationError> {
    let (mut station, session) = ctx.signed_in(Duty::Check)?;
    let at = CheckAt {
        port: args.port,
        at: args.at,
    };
    let verdict = gate::verify(&mut station, &session, args.read.into(), &at)?;
    ctx.out.show(&Shown {
        verdict: &verdict,
        lang: args.lang,
    });
    Ok(outcome(Some(&verdict)))
}

#[derive(Debug, clap::Args)]
pub struct ReadCardArgs {
    #[arg(long, value_name = "NAME")]
    reader: Option<String>,
    /// This gate's port code; the pass must cover it.
    #[arg(long, value_name = "CODE")]
    port: Option<String>,
}

impl Show for CardReadingView {
    fn text(&self) {
        println!("card {} ({})", self.card_uid, self.kind);
        if let Some(verdict) = &self.verdict {
            table::print_verdict(verdict, Lang::ZhTw);
        }
    }
}

pub fn read_card(ctx: &Context, args: ReadCardArgs) -> Result<Outcome, StationError> {
    let (mut station, session) = ctx.signed_in(Duty::Check)?;
    let mut card = devices::pcsc_reader(&station, args.reader).card_of("")?;
    let at = CheckAt {
        port: args.port,
        at: None,
    };
    let reading = gate::read_card(&mut station, &session, &mut card, &at)?;
    ctx.out.show(&reading);
    Ok(outcome(reading.verdict.as_ref()))
}

#[derive(Debug, clap::Args)]
pub struct ChecksArgs {
    /// The office day (Taiwan time); default today.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    date: Option<time::Date>,
}

impl Show for Rows<Check> {
    fn text(&self) {
        table::print_checks(&self.0);
    }
}

pub fn checks(ctx: &Context, args: ChecksArgs) -> Result<Outcome, StationError> {
    let (mut station, session) = ctx.signed_in(Duty::Check)?;
    ctx.out.show(&Rows(gate::checks(&mut station, &session, args.date)?));
    Ok(Outcome::Done)
}

#[derive(serde::Serialize)]
#[serde(transparent)]
struct TrustList(serde_json::Value);

impl Show for TrustList {
    fn text(&self) {
        table::print_trust_list(&self.0);
    }
}

pub fn trust_list(ctx: &Context) -> Result<Outcome, StationError> {
    let (mut station, session) = ctx.signed_in(Duty::Read)?;
    ctx.out.show(&TrustList(pass_station::ops::office::trust_list(
        &mut station,
        &session,
    )?));
    Ok(Outcome::Done)
}
