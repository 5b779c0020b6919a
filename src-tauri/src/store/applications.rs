//! The queue by application: the items of one application (a company's
//! request, such as a crew of eight or more temporary passes) counted by where
//! their cards stand, with the pass numbers a clerk acts on together (those
//! to print, those ready for pick-up).
//!
//! Not for deciding what may be done with them: the counts and lists follow
//! the card states alone; the use cases (`ops::desk`) and the steps check
//! each card again when they act on it.

use rusqlite::params;
use serde::Serialize;

use super::db::{SqlContext, Store, StoreError};
use crate::model::CardState;

/// One application as the queue groups it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ApplicationRow {
    pub application_id: String,
    pub company_name: String,
    /// A crew of temporary passes (else long-term ones).
    pub temporary: bool,
    /// Every item of the application this office holds, in any state.
    pub items: u32,
    /// Waiting to be printed.
    pub approved: u32,
    /// Printed, checked or encoded: in the making.
    pub in_making: u32,
    /// Released, ready for pick-up.
    pub ready: u32,
    pub handed_over: u32,
    /// Out of the work (withdrawn by central, spoiled, voided, uncollected):
    /// they hold none of the others back.
    pub out: u32,
    /// The first day any of its passes is valid (YYYY-MM-DD).
    pub valid_from: String,
    /// The pass numbers waiting to be printed, oldest first.
    pub printable: Vec<String>,
    /// The pass numbers of cards released and waiting for pick-up, oldest first.
    pub ready_ids: Vec<String>,
}

/// States whose cards are in the making.
const IN_MAKING: [CardState; 3] = [CardState::Printed, CardState::PrintVerified, CardState::Encoded];
/// States whose items left the office's work without reaching their holder.
const OUT: [CardState; 4] = [
    CardState::Spoiled,
    CardState::Voided,
    CardState::Withdrawn,
    CardState::Uncollected,
];

fn sql_list(states: &[CardState]) -> String {
    let names: Vec<String> = states.iter().map(|s| format!("'{}'", s.as_str())).collect();
    names.join(", ")
}

impl Store {
    /// Applications with at least one item still in the office's work, the
    /// oldest first; `text` (any part of the company's name or the
    /// application number) narrows them.
    pub fn applications(&self, text: Option<&str>, limit: usize) -> Result<Vec<ApplicationRow>, StoreError> {
        let open: Vec<CardState> = CardState::ALL.into_iter().filter(|s| s.is_open()).collect();
        let sql = format!(
            "SELECT application_id, min(company_name), max(temporary), count(*),
                    sum(state = 'approved'), sum(state IN ({making})), sum(state = 'released'),
                    sum(state = 'handed_over'), sum(state IN ({out})), min(valid_from),
                    coalesce(group_concat(CASE WHEN state = 'approved' THEN pass_id END, ' ' ORDER BY id), ''),
                    coalesce(group_concat(CASE WHEN state = 'released' THEN pass_id END, ' ' ORDER BY id), '')
             FROM items
             WHERE ?1 IS NULL OR instr(lower(company_name), lower(?1)) > 0 OR instr(lower(application_id), lower(?1)) > 0
             GROUP BY application_id
             HAVING sum(state IN ({open})) > 0
             ORDER BY min(id)
             LIMIT ?2",
            making = sql_list(&IN_MAKING),
            out = sql_list(&OUT),
            open = sql_list(&open),
        );
        let text = text.map(str::trim).filter(|t| !t.is_empty());
        let mut stmt = self
            .conn
            .prepare_cached(&sql)
            .context("preparing the applications query")?;
        let split = |ids: String| ids.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
        let rows = stmt
            .query_map(params![text, limit as i64], |row| {
                Ok(ApplicationRow {
                    application_id: row.get(0)?,
                    company_name: row.get(1)?,
                    temporary: row.get(2)?,
                    items: row.get(3)?,
                    approved: row.get(4)?,
                    in_making: row.get(5)?,
                    ready: row.get(6)?,
                    handed_over: row.get(7)?,
                    out: row.get(8)?,
                    valid_from: row.get(9)?,
                    printable: split(row.get(10)?),
                    ready_ids: split(row.get(11)?),
                })
            })
            .context("grouping the queue by application")?;
        rows.collect::<Result<_, _>>().context("reading applications")
    }

    /// The application a pass belongs to, if the cache holds the pass.
    pub fn application_of(&self, pass_id: &str) -> Result<Option<String>, StoreError> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row(
                "SELECT application_id FROM items WHERE pass_id = ?1",
                params![pass_id],
                |row| row.get(0),
            )
            .optional()
            .context("reading a pass's application")
    }
}
