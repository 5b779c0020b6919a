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

/// Reads an RFC 3339 time column.
pub(super) fn parse_time(row: &Row<'_>, index: usize) -> rusqlite::Result<time::OffsetDateTime> {
    time_from_text(index, &row.get::<_, String>(index)?)
}

/// Reads an RFC 3339 time column that is NULL until the moment it names has come.
pub(super) fn parse_optional_time(row: &Row<'_>, index: usize) -> rusqlite::Result<Option<time::OffsetDateTime>> {
    let text: Option<String> = row.get(index)?;
    text.map(|text| time_from_text(index, &text)).transpose()
}

/// Decodes the RFC 3339 text of column `index`; a text that is no time is an error.
pub(super) fn time_from_text(index: usize, text: &str) -> rusqlite::Result<time::OffsetDateTime> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(index, Type::Text, Box::new(e)))
}

/// Reads a column holding one of an enum's names (`qr`, `valid`, …); an unknown name is an error.
pub(super) fn parse_name<T: std::str::FromStr>(row: &Row<'_>, index: usize) -> rusqlite::Result<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let text: String = row.get(index)?;
    text.parse()
        .map_err(|e: T::Err| rusqlite::Error::FromSqlConversionFailure(index, Type::Text, Box::new(e)))
}
