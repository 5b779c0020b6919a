//! The cache's part of the office's day in numbers: blank cards received,
//! blanks used (each print that left the printer's hopper), each office day's
//! closing (its report as signed), and the pick-up reminders queued for
//! central.
//!
//! Not for counting a day's work (the station reads the audit trail) or for
//! signing (the station's key).

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::audit;
use super::db::{SqlContext, Store, StoreError, now_rfc3339};
use super::queue::enqueue;
use pass_central::StationEvent;
use pass_central::events::{DayClosed, PickupReminder};

/// A box (or a count) of blank cards received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct StockReceipt {
    pub count: u32,
    pub first_serial: Option<String>,
    pub last_serial: Option<String>,
}

/// An office day's closing, as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayClosing {
    pub day: String,
    pub closed_at: String,
    pub closed_by: String,
    /// The report's JSON text, exactly as signed.
    pub report: String,
    pub signature: Vec<u8>,
}

impl Store {
    /// Records blank cards received, with their audit entry, in one transaction.
    pub fn record_stock_received(&mut self, receipt: &StockReceipt, clerk: &str) -> Result<(), StoreError> {
        let tx = self.conn.transaction().context("recording blank cards received")?;
        tx.execute(
            "INSERT INTO stock_received (received_at, count, first_serial, last_serial, clerk)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                now_rfc3339(),
                receipt.count,
                receipt.first_serial,
                receipt.last_serial,
                clerk
            ],
        )
        .context("recording blank cards received")?;
        let detail = serde_json::to_value(receipt).unwrap_or_default();
        audit::append(&tx, clerk, "stock_received", None, &detail)?;
        tx.commit().context("recording blank cards received")
    }

    /// Blank cards received before `before` (RFC 3339 UTC), and blanks used
    /// by then: every print that went past the printer's hopper, whether it
    /// came out good, was spoiled later, or failed on its way.
    pub fn stock_before(&self, before: &str) -> Result<(u64, u64), StoreError> {
        let received: i64 = self
            .conn
            .query_row(
                "SELECT coalesce(sum(count), 0) FROM stock_received WHERE received_at < ?1",
                [before],
                |r| r.get(0),
            )
            .context("counting blank cards received")?;
        let used: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM prints WHERE status <> 'sending' AND signed_at < ?1",
                [before],
                |r| r.get(0),
            )
            .context("counting blank cards used")?;
        Ok((received.unsigned_abs(), used.unsigned_abs()))
    }

    /// The closing of office day `day` (`YYYY-MM-DD`), if it was closed.
    pub fn day_closing(&self, day: &str) -> Result<Option<DayClosing>, StoreError> {
        self.conn
            .query_row(
                "SELECT day, closed_at, closed_by, report, signature FROM day_closings WHERE day = ?1",
                [day],
                |r| {
                    Ok(DayClosing {
                        day: r.get(0)?,
                        closed_at: r.get(1)?,
                        closed_by: r.get(2)?,
                        report: r.get(3)?,
                        signature: r.get(4)?,
                    })
                },
            )
            .optional()
            .context("reading a day's closing")
    }

    /// Closes an office day: its report and signature kept, the audit entry
    /// and the `day_closed` event for central, in one transaction. `false`,
    /// and nothing done, when the day was closed already.
    pub fn record_day_closing(
        &mut self,
        closing: &DayClosing,
        signed_report: &str,
        detail: &serde_json::Value,
    ) -> Result<bool, StoreError> {
        let tx = self.conn.transaction().context("closing an office day")?;
        let kept = tx
            .execute(
                "INSERT OR IGNORE INTO day_closings (day, closed_at, closed_by, report, signature)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    closing.day,
                    closing.closed_at,
                    closing.closed_by,
                    closing.report,
                    closing.signature
                ],
            )
            .context("closing an office day")?;
        if kept == 0 {
            return Ok(false);
        }
        let entry = audit::append(&tx, &closing.closed_by, "day_closed", None, detail)?;
        let event = StationEvent::DayClosed(DayClosed {
            day: closing.day.clone(),
            signed_report: signed_report.to_owned(),
            audit_seq: entry.seq.unsigned_abs(),
        });
        enqueue(&tx, &event)?;
        tx.commit().context("closing an office day")?;
        Ok(true)
    }

    /// Queues a pick-up reminder for central, once per card version and mark.
    /// `true` when it was queued now.
    pub fn queue_pickup_reminder(&mut self, reminder: &PickupReminder) -> Result<bool, StoreError> {
        let tx = self.conn.transaction().context("queueing a pick-up reminder")?;
        let new = tx
            .execute(
                "INSERT OR IGNORE INTO pickup_reminders (pass_id, version, days, sent_at) VALUES (?1, ?2, ?3, ?4)",
                params![reminder.pass_id, reminder.version, reminder.days_waiting, now_rfc3339()],
            )
            .context("queueing a pick-up reminder")?;
        if new > 0 {
            enqueue(&tx, &StationEvent::PickupReminder(reminder.clone()))?;
        }
        tx.commit().context("queueing a pick-up reminder")?;
        Ok(new > 0)
    }
}
