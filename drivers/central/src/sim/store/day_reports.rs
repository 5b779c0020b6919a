//! Office days closed at stations: each closing report, kept once per
//! station and day, and only when the station's certified key signed it for
//! its own office.
//!
//! What it is not for: counting the day (the station does) or checking the
//! signature's envelope (`pass_credential::day_report`).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rusqlite::{Connection, OptionalExtension, params};

use super::audit_heads::station_signer;
use super::db::Store;
use crate::events::DayClosed;
use crate::sim::admin::StoredDayReport;
use crate::sim::error::SimError;
use pass_credential::day_report::DayReport;

/// Keeps a closed day's report, or says why not.
pub(super) fn keep_day_report(
    conn: &Connection,
    station_id: &str,
    closed: &DayClosed,
    received_at: &str,
) -> Result<Result<(), String>, SimError> {
    let key = match station_signer(conn, station_id, "day report")? {
        Ok(key) => key,
        Err(reason) => return Ok(Err(reason)),
    };
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(&closed.signed_report) else {
        return Ok(Err("the day report is not base64url".to_owned()));
    };
    let report = match DayReport::verify(&bytes, &key) {
        Ok(report) => report,
        Err(e) => return Ok(Err(format!("the day report of {}: {e}", closed.day))),
    };
    let office: Option<String> = conn
        .query_row("SELECT office FROM stations WHERE id = ?1", [station_id], |r| r.get(0))
        .optional()?;
    if report.station_id != station_id || Some(&report.office) != office.as_ref() || report.day != closed.day {
        return Ok(Err(format!(
            "the day report names station {} of {} for {}, not this station's {} report",
            report.station_id, report.office, report.day, closed.day
        )));
    }
    if serde_json::from_str::<serde_json::Value>(&report.report).is_err() {
        return Ok(Err("the day report's text is not JSON".to_owned()));
    }
    let kept = conn.execute(
        "INSERT OR IGNORE INTO day_reports (station_id, day, office, report, signed_report, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            station_id,
            report.day,
            report.office,
            report.report,
            closed.signed_report,
            received_at
        ],
    )?;
    if kept == 0 {
        return Ok(Err(format!("the station already closed {}", report.day)));
    }
    Ok(Ok(()))
}

impl Store {
    /// Every day report kept, oldest first.
    pub(crate) fn day_reports(&self) -> Result<Vec<StoredDayReport>, SimError> {
        self.read("listing day reports", |conn| {
            let mut stmt = conn.prepare(
                "SELECT station_id, office, day, report, signed_report, received_at FROM day_reports ORDER BY rowid",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })?;
            let mut reports = Vec::new();
            for row in rows {
                let (station_id, office, day, report, signed_report, received_at) = row?;
                reports.push(StoredDayReport {
                    station_id,
                    office,
                    day,
                    report: serde_json::from_str(&report)
                        .map_err(|e| SimError::Internal(format!("a kept day report: {e}")))?,
                    signed_report,
                    received_at,
                });
            }
            Ok(reports)
        })
    }
}
