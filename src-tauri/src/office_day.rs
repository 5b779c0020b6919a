//! The office's day in numbers: what each office day made and lost, the
//! blank-card stock, the supervisor's closing of the day, and the reminders
//! to companies of cards still waiting.
//!
//! Why it works this way:
//! - The day's figures are counted from the audit trail, the record the
//!   office answers with: each step is one entry, so the report cannot say
//!   more or less than the trail. An office day runs midnight to midnight,
//!   Taiwan time.
//! - The stock balances by a rule the clerk can check by hand: blanks
//!   received = blanks used (every print that went past the hopper, good,
//!   spoiled later or failed) + blanks counted in the hopper at closing. A
//!   difference is shown and flagged, never hidden.
//! - A supervisor closes a day once. The report's JSON text is signed with
//!   the station key (`pass_credential::day_report`), kept, entered in the
//!   audit trail and sent to central, all in one transaction.
//! - Reminders: a released card still waiting 7 and 21 days after its
//!   release is reported to central, which tells the company's delegate
//!   again; once per card and mark. Past the pick-up window the card is
//!   uncollected (see [`crate::workflow`]) and listed for a supervisor to void.
//!
//! The report's printed and CSV forms are here too ([`DayReport::lines`],
//! [`DayReport::csv`]), so passctl and the app export the same files.
//!
//! What it is not for: laying out the PDF (the printer crate) or the steps
//! themselves.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use pass_central::events::PickupReminder;
use serde::{Deserialize, Serialize};
use time::{Date, Duration};

use crate::auth::{Duty, Session, office_day_bounds};
use crate::store::{AuditEntry, DayClosing, StockReceipt, rfc3339};
use crate::{Station, StationError};

/// Days after a release when central reminds the company, latest first.
pub const REMINDER_DAYS: [u32; 2] = [21, 7];
/// How many days the office's average spoil rate covers.
pub const AVERAGE_DAYS: i64 = 30;

/// One office day's figures, as the closing report carries them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct DayReport {
    pub office: String,
    pub station_id: String,
    /// The office day, `YYYY-MM-DD` (Taiwan time).
    pub day: String,
    /// Cards printed (each a blank used).
    pub printed: u32,
    pub encoded: u32,
    pub released: u32,
    pub handed_over: u32,
    pub spoiled: u32,
    pub voided: u32,
    pub reprinted: u32,
    pub uncollected: u32,
    /// Spoils by the reason given, most first.
    pub spoil_reasons: Vec<ReasonCount>,
    /// Each clerk's work, by user name.
    pub clerks: Vec<ClerkDay>,
    /// Spoils per card printed over the office's last 30 days (this one
    /// included), in percent; `None` when nothing was printed.
    pub office_spoil_rate: Option<f64>,
    pub stock: StockBalance,
}

/// How often one reason was given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ReasonCount {
    pub reason: String,
    pub count: u32,
}

/// One clerk's day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ClerkDay {
    pub clerk: String,
    pub printed: u32,
    pub spoiled: u32,
    pub handed_over: u32,
    /// Spoils per card printed, in percent; `None` when they printed nothing.
    pub spoil_rate: Option<f64>,
}

/// The blank-card stock at the day's end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct StockBalance {
    /// Blank cards received, ever, by the day's end.
    pub received: u64,
    /// Blanks used, ever, by the day's end.
    pub used: u64,
    /// What the hopper should hold: received less used.
    pub expected_in_hopper: i64,
    /// What the clerk counted at closing; `None` before the day is closed.
    pub counted_in_hopper: Option<u64>,
    /// Counted less expected; anything but 0 is flagged for the supervisor.
    pub difference: Option<i64>,
}

/// A day's report and whether, and by whom, it was closed.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct DayView {
    pub report: DayReport,
    pub closed_by: Option<String>,
    pub closed_at: Option<String>,
    /// The stock does not balance: the supervisor looks into it.
    pub stock_flagged: bool,
}

impl DayView {
    fn of(report: DayReport, closing: Option<&DayClosing>) -> DayView {
        DayView {
            stock_flagged: report.stock.difference.is_some_and(|d| d != 0),
            report,
            closed_by: closing.map(|c| c.closed_by.clone()),
            closed_at: closing.map(|c| c.closed_at.clone()),
        }
    }
}

/// Cards printed and spoiled on one office day: a point of the chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DayFigures {
    pub day: String,
    pub printed: u32,
    pub spoiled: u32,
}

/// What the audit entries of some days say, counted.
#[derive(Default)]
struct Tally {
    by_action: BTreeMap<String, u32>,
    reasons: BTreeMap<String, u32>,
    clerks: BTreeMap<String, (u32, u32, u32)>,
}

impl Tally {
    fn of(entries: &[AuditEntry]) -> Tally {
        let mut tally = Tally::default();
        for entry in entries {
            let action = match entry.action.as_str() {
                // A refused release spoils the card as much as a spoil does.
                "release_refused" => "spoiled",
                other => other,
            };
            *tally.by_action.entry(action.to_owned()).or_default() += 1;
            let clerk = tally.clerks.entry(entry.actor.clone());
            match action {
                "printed" => clerk.or_default().0 += 1,
                "spoiled" => {
                    clerk.or_default().1 += 1;
                    let reason = entry.detail["reason"].as_str().unwrap_or("").trim().to_owned();
                    *tally.reasons.entry(reason).or_default() += 1;
                }
                "handed_over" => clerk.or_default().2 += 1,
                _ => {}
            }
        }
        tally
    }

    fn count(&self, action: &str) -> u32 {
        self.by_action.get(action).copied().unwrap_or(0)
    }
}

impl DayReport {
    /// The day's card counts in the order a card moves: the CSV's item, the
    /// printed report's label, the count.
    fn card_counts(&self) -> [(&'static str, &'static str, u32); 8] {
        [
            ("printed", "印製 Printed", self.printed),
            ("encoded", "寫入晶片 Encoded", self.encoded),
            ("released", "放行 Released", self.released),
            ("handed_over", "交付 Handed over", self.handed_over),
            ("spoiled", "作廢 Spoiled", self.spoiled),
            ("voided", "註銷 Voided", self.voided),
            ("reprinted", "重製 Reprinted", self.reprinted),
            ("uncollected", "逾期未領 Uncollected", self.uncollected),
        ]
    }

    /// The report as lines of its printed form, labels in Chinese and English.
    pub fn lines(&self, closed: Option<(&str, &str)>) -> Vec<pass_printer::ReportLine> {
        use pass_printer::ReportLine::{Gap, Heading, Text};
        let percent = |rate: Option<f64>| rate.map_or("-".to_owned(), |r| format!("{r:.1}%"));
        let mut lines = vec![
            Heading(format!("日結報表 Day report {} · {}", self.day, self.office)),
            Text(format!("製證站 Station {}", self.station_id)),
            Text(match closed {
                Some((by, at)) => format!("日結 Closed by {by} at {at}"),
                None => "尚未日結 Not closed yet".to_owned(),
            }),
            Gap,
            Heading("卡片 Cards".to_owned()),
        ];
        for (_, label, count) in self.card_counts() {
            lines.push(Text(format!("{label}: {count}")));
        }
        if !self.spoil_reasons.is_empty() {
            lines.push(Gap);
            lines.push(Heading("作廢原因 Spoil reasons".to_owned()));
            lines.extend(
                self.spoil_reasons
                    .iter()
                    .map(|r| Text(format!("{}: {}", or_none(&r.reason), r.count))),
            );
        }
        lines.push(Gap);
        lines.push(Heading("承辦人 Clerks".to_owned()));
        lines.extend(self.clerks.iter().map(|c| {
            Text(format!(
                "{}: 印製 printed {}, 作廢 spoiled {} ({}), 交付 handed over {}",
                c.clerk,
                c.printed,
                c.spoiled,
                percent(c.spoil_rate),
                c.handed_over
            ))
        }));
        lines.push(Text(format!(
            "本站 {AVERAGE_DAYS} 日平均作廢率 Office spoil rate, {AVERAGE_DAYS} days: {}",
            percent(self.office_spoil_rate)
        )));
        lines.push(Gap);
        lines.push(Heading("空白卡庫存 Blank-card stock".to_owned()));
        let stock = &self.stock;
        lines.push(Text(format!(
            "進貨 Received {} - 耗用 Used {} = 應存 Expected in hopper {}",
            stock.received, stock.used, stock.expected_in_hopper
        )));
        lines.push(Text(match (stock.counted_in_hopper, stock.difference) {
            (Some(counted), Some(0)) => format!("盤點 Counted {counted}: 相符 balanced"),
            (Some(counted), Some(difference)) => {
                format!("盤點 Counted {counted}: 差異 DIFFERENCE {difference:+}, 請主管查明 supervisor to look into it")
            }
            _ => "尚未盤點 Not counted yet".to_owned(),
        }));
        lines
    }

    /// The report as CSV (RFC 4180): one `section,item,value` row per figure.
    pub fn csv(&self) -> String {
        let mut rows = vec![
            "section,item,value".to_owned(),
            format!("day,office,{}", self.office),
            format!("day,station,{}", csv_field(&self.station_id)),
            format!("day,date,{}", self.day),
        ];
        for (item, _, count) in self.card_counts() {
            rows.push(format!("cards,{item},{count}"));
        }
        let rate = |r: Option<f64>| r.map(|r| format!("{r:.1}")).unwrap_or_default();
        let optional = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
        rows.extend(
            self.spoil_reasons
                .iter()
                .map(|r| format!("spoil_reason,{},{}", csv_field(&r.reason), r.count)),
        );
        for clerk in &self.clerks {
            let name = csv_field(&format!("clerk:{}", clerk.clerk));
            rows.push(format!("{name},printed,{}", clerk.printed));
            rows.push(format!("{name},spoiled,{}", clerk.spoiled));
            rows.push(format!("{name},handed_over,{}", clerk.handed_over));
            rows.push(format!("{name},spoil_rate_percent,{}", rate(clerk.spoil_rate)));
        }
        rows.push(format!(
            "office,spoil_rate_percent_{AVERAGE_DAYS}_days,{}",
            rate(self.office_spoil_rate)
        ));
        let stock = &self.stock;
        rows.push(format!("stock,received,{}", stock.received));
        rows.push(format!("stock,used,{}", stock.used));
        rows.push(format!("stock,expected_in_hopper,{}", stock.expected_in_hopper));
        let counted = stock.counted_in_hopper.and_then(|n| i64::try_from(n).ok());
        rows.push(format!("stock,counted_in_hopper,{}", optional(counted)));
        rows.push(format!("stock,difference,{}", optional(stock.difference)));
        rows.join("\r\n") + "\r\n"
    }
}

/// A reason as a report shows it: an empty one says so.
fn or_none(reason: &str) -> &str {
    if reason.is_empty() {
        "（未填 none given）"
    } else {
        reason
    }
}

/// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// Spoils per card printed, in percent, to one decimal.
fn rate(spoiled: u32, printed: u32) -> Option<f64> {
    (printed > 0).then(|| (f64::from(spoiled) * 1000.0 / f64::from(printed)).round() / 10.0)
}

impl Station {
    /// Blank cards received at the office (a count, a box's serials when it has them).
    pub(crate) fn receive_stock(&mut self, receipt: &StockReceipt, session: &Session) -> Result<(), StationError> {
        let actor = self.authorise(session, Duty::Issue)?;
        if receipt.count == 0 {
            return Err(StationError::Usage(
                "count the blank cards received: at least one".to_owned(),
            ));
        }
        let clean = |serial: &Option<String>| {
            serial
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let receipt = StockReceipt {
            count: receipt.count,
            first_serial: clean(&receipt.first_serial),
            last_serial: clean(&receipt.last_serial),
        };
        Ok(self.store_mut().record_stock_received(&receipt, &actor.username)?)
    }

    /// The report of office day `day`, as it stands, or as it was closed.
    pub(crate) fn day_view(&mut self, day: Date, session: &Session) -> Result<DayView, StationError> {
        self.authorise(session, Duty::Approve)?;
        let closing = self.store().day_closing(&day.to_string())?;
        let report = match &closing {
            Some(closing) => serde_json::from_str(&closing.report).map_err(|e| StationError::Corrupt(e.to_string()))?,
            None => self.count_day(day, None)?,
        };
        Ok(DayView::of(report, closing.as_ref()))
    }

    /// Closes office day `day` with the blanks the clerk counted in the
    /// printer's hopper: the report signed, kept, audited and sent to central.
    /// Refused for a day already closed, or one not begun.
    pub(crate) fn close_day(&mut self, day: Date, hopper: u64, session: &Session) -> Result<DayView, StationError> {
        let actor = self.authorise(session, Duty::Approve)?;
        let today = crate::auth::office_day(self.now());
        if day > today {
            return Err(StationError::DayNotBegun { day: day.to_string() });
        }
        if let Some(closing) = self.store().day_closing(&day.to_string())? {
            return Err(StationError::DayClosed {
                day: closing.day,
                closed_by: closing.closed_by,
            });
        }
        let report = self.count_day(day, Some(hopper))?;
        let text = serde_json::to_string(&report).map_err(|e| StationError::Corrupt(e.to_string()))?;
        let signed = pass_credential::day_report::DayReport {
            station_id: report.station_id.clone(),
            office: report.office.clone(),
            day: report.day.clone(),
            report: text.clone(),
        }
        .sign(&self.home().signing_key()?)
        .map_err(|e| StationError::SignerKey(e.to_string()))?;
        let closing = DayClosing {
            day: report.day.clone(),
            closed_at: rfc3339(self.now()),
            closed_by: actor.username.clone(),
            report: text,
            signature: signed.clone(),
        };
        let detail = actor.detail(serde_json::json!({
            "day": report.day, "hopper_count": hopper, "stock_difference": report.stock.difference,
            "printed": report.printed, "spoiled": report.spoiled,
        }));
        if !self
            .store_mut()
            .record_day_closing(&closing, &URL_SAFE_NO_PAD.encode(&signed), &detail)?
        {
            return Err(StationError::DayClosed {
                day: report.day,
                closed_by: actor.username,
            });
        }
        Ok(DayView::of(report, Some(&closing)))
    }

    /// The signed report of a closed day: its COSE_Sign1 bytes.
    pub(crate) fn signed_day_report(&mut self, day: Date, session: &Session) -> Result<Vec<u8>, StationError> {
        self.authorise(session, Duty::Approve)?;
        self.store()
            .day_closing(&day.to_string())?
            .map(|closing| closing.signature)
            .ok_or_else(|| StationError::DayOpen { day: day.to_string() })
    }

    /// Cards printed and spoiled on each of the `days` office days up to
    /// `last` (oldest first), for the chart.
    pub(crate) fn recent_days(
        &mut self,
        last: Date,
        days: u32,
        session: &Session,
    ) -> Result<Vec<DayFigures>, StationError> {
        self.authorise(session, Duty::Approve)?;
        let first = last - Duration::days(i64::from(days.max(1)) - 1);
        let (since, _) = office_day_bounds(first);
        let (_, before) = office_day_bounds(last);
        let mut by_day: BTreeMap<Date, DayFigures> = BTreeMap::new();
        let mut day = first;
        while day <= last {
            by_day.insert(
                day,
                DayFigures {
                    day: day.to_string(),
                    printed: 0,
                    spoiled: 0,
                },
            );
            day = day.next_day().unwrap_or(Date::MAX);
        }
        for entry in self.store().audit(None, Some(&since), Some(&before))? {
            let Some(figures) = by_day.get_mut(&crate::auth::office_day(entry.at)) else {
                continue;
            };
            match entry.action.as_str() {
                "printed" => figures.printed += 1,
                "spoiled" | "release_refused" => figures.spoiled += 1,
                _ => {}
            }
        }
        Ok(by_day.into_values().collect())
    }

    /// The day's figures counted from the audit trail and the stock, with
    /// the hopper count when the day is being closed.
    fn count_day(&self, day: Date, hopper: Option<u64>) -> Result<DayReport, StationError> {
        let (since, before) = office_day_bounds(day);
        let tally = Tally::of(&self.store().audit(None, Some(&since), Some(&before))?);
        let (month_since, _) = office_day_bounds(day - Duration::days(AVERAGE_DAYS - 1));
        let month = Tally::of(&self.store().audit(None, Some(&month_since), Some(&before))?);
        let (received, used) = self.store().stock_before(&before)?;
        let expected_in_hopper = i64::try_from(received).unwrap_or(i64::MAX) - i64::try_from(used).unwrap_or(i64::MAX);
        let mut spoil_reasons: Vec<ReasonCount> = tally
            .reasons
            .iter()
            .map(|(reason, count)| ReasonCount {
                reason: reason.clone(),
                count: *count,
            })
            .collect();
        spoil_reasons.sort_by(|a, b| b.count.cmp(&a.count).then(a.reason.cmp(&b.reason)));
        let clerks = tally
            .clerks
            .iter()
            .filter(|(_, (printed, spoiled, handed))| printed + spoiled + handed > 0)
            .map(|(clerk, (printed, spoiled, handed_over))| ClerkDay {
                clerk: clerk.clone(),
                printed: *printed,
                spoiled: *spoiled,
                handed_over: *handed_over,
                spoil_rate: rate(*spoiled, *printed),
            })
            .collect();
        Ok(DayReport {
            office: self.config().office.clone(),
            station_id: self.config().station_id.clone(),
            day: day.to_string(),
            printed: tally.count("printed"),
            encoded: tally.count("encoded"),
            released: tally.count("released"),
            handed_over: tally.count("handed_over"),
            spoiled: tally.count("spoiled"),
            voided: tally.count("voided"),
            reprinted: tally.count("reprinted"),
            uncollected: tally.count("uncollected"),
            spoil_reasons,
            clerks,
            office_spoil_rate: rate(month.count("spoiled"), month.count("printed")),
            stock: StockBalance {
                received,
                used,
                expected_in_hopper,
                counted_in_hopper: hopper,
                difference: hopper.map(|counted| i64::try_from(counted).unwrap_or(i64::MAX) - expected_in_hopper),
            },
        })
    }

    /// Queues central's reminder for each released card waiting 7 or 21
    /// days (the latest mark reached), once per card and mark. Gives how
    /// many were queued now.
    pub(crate) fn remind_of_waiting_cards(&mut self) -> Result<usize, StationError> {
        let now = self.now();
        let mut queued = 0;
        for pickup in self.store().pickups()? {
            let days = (now - pickup.released_at).whole_days();
            let Some(mark) = REMINDER_DAYS.into_iter().find(|mark| days >= i64::from(*mark)) else {
                continue;
            };
            let version = self.item(&pickup.pass_id)?.item.version;
            let reminder = PickupReminder {
                pass_id: pickup.pass_id,
                version,
                days_waiting: mark,
            };
            if self.store_mut().queue_pickup_reminder(&reminder)? {
                queued += 1;
            }
        }
        Ok(queued)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_field_is_quoted_only_when_it_must_be() {
        assert_eq!(csv_field("卡片卡紙"), "卡片卡紙");
        assert_eq!(csv_field("jam, then \"smudge\""), "\"jam, then \"\"smudge\"\"\"");
    }

    #[test]
    fn rates_are_percent_to_one_decimal_and_none_without_prints() {
        assert_eq!(rate(1, 3), Some(33.3));
        assert_eq!(rate(0, 12), Some(0.0));
        assert_eq!(rate(2, 0), None);
    }
}
