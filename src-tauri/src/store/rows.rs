//! Column decoders: reading the cache's text columns (card states, dates, the
//! list of ports) back into the station's types, failing on a value this
//! version does not know.
//!
//! Not for queries or writes: each table's module runs its own SQL and uses
//! these on the rows it gets. This module depends on the model only.

use rusqlite::Row;
use rusqlite::types::Type;

use crate::model::CardState;

/// The ports of an item, stored space-separated.
pub(super) fn split_ports(ports: &str) -> Vec<String> {
    ports.split_whitespace().map(str::to_owned).collect()
}

/// Reads a card state column, failing on a name this version does not know.
pub(super) fn parse_state(row: &Row<'_>, index: usize) -> rusqlite::Result<CardState> {
    let text: String = row.get(index)?;
    CardState::parse(&text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(index, Type::Text, format!("unknown card state {text:?}").into())
    })
}

/// Reads a `YYYY-MM-DD` date column.
pub(super) fn parse_date(row: &Row<'_>, index: usize) -> rusqlite::Result<time::Date> {
    let text: String = row.get(index)?;
    time::Date::parse(&text, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(index, Type::Text, Box::new(e)))
}
