//! Queue search: find items by any part of a name, company, pass number or plate.
//!
//! Chinese names are two to four characters and people search by two of them
//! ("小明"), which SQLite's trigram tokenizer cannot index (it needs three). So
//! each field is stored in the FTS5 index as overlapping character pairs
//! (bigrams, as CJK search engines do): `王小明` becomes `王小 小明 明`. A query
//! of two or more characters is the phrase of its pairs, which matches exactly
//! the fields that contain it; a one-character query matches pairs starting with
//! it, and the trailing single character catches it at the end of a field.
//!
//! Before pairing, text is folded the way a clerk expects: case, full-width
//! forms (from CJK input methods), and punctuation and spaces ignored, so
//! `abc1234` finds plate `ABC-1234`.
//!
//! Not for writing the index: storing an item (see `items`) indexes it with
//! [`index_text`].

use rusqlite::{ToSql, params_from_iter};
use serde::Serialize;

use super::db::{SqlContext, Store, StoreError};
use super::desks::DeskClaim;
use super::rows::{parse_state, split_ports};
use crate::model::{CardState, PassKind};

/// Folds text for the index and for queries: lower case, full-width ASCII to
/// half-width, and only letters and digits kept.
pub(crate) fn fold(text: &str) -> Vec<char> {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The index text of one field: its bigrams and its last character.
pub(crate) fn index_text(field: &str) -> String {
    let chars = fold(field);
    let mut tokens: Vec<String> = chars.windows(2).map(|pair| pair.iter().collect()).collect();
    if let Some(last) = chars.last() {
        tokens.push(last.to_string());
    }
    tokens.join(" ")
}

/// The FTS5 MATCH expression for a query, or `None` when nothing searchable is left.
fn match_expression(query: &str) -> Option<String> {
    let chars = fold(query);
    match chars.len() {
        0 => None,
        1 => Some(format!("\"{}\"*", chars[0])),
        _ => {
            let pairs: Vec<String> = chars.windows(2).map(|pair| pair.iter().collect()).collect();
            Some(format!("\"{}\"", pairs.join(" ")))
        }
    }
}

/// From this offset on, a queue page finds its rows by id first.
const DEEP_OFFSET: usize = 2000;

/// What the queue screen and `passctl queue` ask for.
#[derive(Debug, Clone, Default)]
pub struct QueueQuery {
    /// Any part of a name, company, pass number or plate.
    pub text: Option<String>,
    /// Only items in these states; empty means the open ones (still to be worked on).
    pub states: Vec<CardState>,
    pub limit: usize,
    /// How many of the matching items to skip (the queue screen fetches the
    /// part of the list scrolled into view, a page at a time).
    pub offset: usize,
}

/// One line of the queue.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct QueueRow {
    pub pass_id: String,
    pub version: u32,
    pub kind: PassKind,
    pub holder: String,
    pub company_name: String,
    pub ports: Vec<String>,
    pub valid_from: String,
    pub valid_to: String,
    pub state: CardState,
    /// Another desk's claim on the pass, while it binds (filled in by the
    /// desk's queue, which knows which desk this is).
    pub claimed_elsewhere: Option<DeskClaim>,
}

impl Store {
    /// Items matching the query, oldest first: `limit` of them from the `offset`-th on.
    pub fn queue(&self, query: &QueueQuery) -> Result<Vec<QueueRow>, StoreError> {
        let (from_where, order, mut args) = queue_filter(query);
        args.push(Box::new(query.limit as i64));
        args.push(Box::new(query.offset as i64));
        let columns = "items.pass_id, items.version, items.holder_kind, items.temporary, \
             coalesce(items.holder_name, items.plate), items.company_name, items.ports, items.valid_from, \
             items.valid_to, items.state";
        // Deep in the list, the rows skipped are counted by their ids alone
        // (the state index covers them) and only the page's rows are read:
        // at 100,000 items the last page takes 20 ms instead of 60.
        let sql = if query.offset < DEEP_OFFSET {
            format!("SELECT {columns} FROM {from_where} ORDER BY {order} LIMIT ? OFFSET ?")
        } else {
            format!(
                "SELECT {columns} FROM items WHERE items.id IN \
                 (SELECT items.id FROM {from_where} ORDER BY {order} LIMIT ? OFFSET ?) ORDER BY items.id"
            )
        };
        let mut stmt = self.conn.prepare_cached(&sql).context("preparing the queue query")?;
        let rows = stmt
            .query_map(params_from_iter(args.iter()), |row| {
                Ok(QueueRow {
                    pass_id: row.get(0)?,
                    version: row.get(1)?,
                    kind: PassKind::new(row.get::<_, String>(2)? == "vehicle", row.get(3)?),
                    holder: row.get(4)?,
                    company_name: row.get(5)?,
                    ports: split_ports(&row.get::<_, String>(6)?),
                    valid_from: row.get(7)?,
                    valid_to: row.get(8)?,
                    state: parse_state(row, 9)?,
                    claimed_elsewhere: None,
                })
            })
            .context("searching the queue")?;
        rows.collect::<Result<_, _>>().context("reading queue rows")
    }

    /// How many items match the query, whatever its limit and offset, counted
    /// up to `at_most` (a count of `at_most` means that many or more).
    pub fn queue_count(&self, query: &QueueQuery, at_most: usize) -> Result<usize, StoreError> {
        let (from_where, _, mut args) = queue_filter(query);
        args.push(Box::new(i64::try_from(at_most).unwrap_or(i64::MAX)));
        let sql = format!("SELECT count(*) FROM (SELECT 1 FROM {from_where} LIMIT ?)");
        let mut stmt = self.conn.prepare_cached(&sql).context("preparing the queue count")?;
        let count: i64 = stmt
            .query_row(params_from_iter(args.iter()), |row| row.get(0))
            .context("counting the queue")?;
        Ok(usize::try_from(count).unwrap_or_default())
    }
}

/// The FROM and WHERE of a queue query, the column that orders it, and their arguments.
fn queue_filter(query: &QueueQuery) -> (String, &'static str, Vec<Box<dyn ToSql>>) {
    let states: Vec<&'static str> = if query.states.is_empty() {
        CardState::ALL
            .into_iter()
            .filter(|s| s.is_open())
            .map(CardState::as_str)
            .collect()
    } else {
        query.states.iter().map(|s| s.as_str()).collect()
    };
    let placeholders = vec!["?"; states.len()].join(", ");
    let mut args: Vec<Box<dyn ToSql>> = Vec::new();
    // With text, the index drives the query in row order (its rowid is the
    // item's id), so LIMIT stops it early even when most items match (a
    // one-character search).
    let (from_where, order) = match query.text.as_deref().and_then(match_expression) {
        Some(expr) => {
            args.push(Box::new(expr));
            (
                format!(
                    "item_search JOIN items ON items.id = item_search.rowid \
                     WHERE item_search MATCH ? AND items.state IN ({placeholders})"
                ),
                "item_search.rowid",
            )
        }
        None => (format!("items WHERE items.state IN ({placeholders})"), "items.id"),
    };
    args.extend(states.iter().map(|s| Box::new(*s) as Box<dyn ToSql>));
    (from_where, order, args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_width_and_punctuation() {
        assert_eq!(fold("ABC-1234"), fold("abc1234"));
        assert_eq!(fold("ＡＢＣ－１２３４"), fold("abc1234"));
        assert_eq!(fold("王 小明"), vec!['王', '小', '明']);
    }

    #[test]
    fn fields_become_pairs_and_a_tail() {
        assert_eq!(index_text("王小明"), "王小 小明 明");
        assert_eq!(index_text("王"), "王");
        assert_eq!(index_text(""), "");
    }

    #[test]
    fn queries_become_phrases_of_pairs() {
        assert_eq!(match_expression("小明").as_deref(), Some("\"小明\""));
        assert_eq!(match_expression("王小明").as_deref(), Some("\"王小 小明\""));
        assert_eq!(match_expression("明").as_deref(), Some("\"明\"*"));
        assert_eq!(match_expression(" - ").as_deref(), None);
    }
}
