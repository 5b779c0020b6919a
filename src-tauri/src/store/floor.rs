//! The floor a full sync is measured against (`passctl bench`): what SQLite
//! itself costs for the rows a synced cache holds and their search-index
//! entries, inserted into a new cache with prepared statements, one
//! transaction per page, with no network, no JSON and no checks.
//!
//! Not for the station's work: only the benchmark, in builds with the demo.

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};

use super::db::{SqlContext, Store, StoreError};
use super::search::index_text;

/// Copies `synced`'s items into the new cache at `into`, `page` rows a
/// transaction, with their search-index entries; answers the time the
/// inserts took (opening the files and reading the rows not counted).
pub fn bare_insert_floor(synced: &Path, into: &Path, page: usize) -> Result<Duration, StoreError> {
    let source = Connection::open(synced).context("opening the synced cache")?;
    let columns: Vec<String> = {
        let mut stmt = source
            .prepare("SELECT name FROM pragma_table_info('items')")
            .context("reading columns")?;
        let names = stmt.query_map([], |row| row.get(0)).context("reading columns")?;
        names.collect::<Result<_, _>>().context("reading columns")?
    };
    let rows: Vec<Vec<Value>> = {
        let sql = format!("SELECT {} FROM items ORDER BY id", columns.join(", "));
        let mut stmt = source.prepare(&sql).context("reading the items")?;
        let rows = stmt
            .query_map([], |row| (0..columns.len()).map(|i| row.get(i)).collect())
            .context("reading the items")?;
        rows.collect::<Result<_, _>>().context("reading the items")?
    };
    let at = |name: &str| columns.iter().position(|c| c == name);
    let text = |row: &[Value], name: &str| match at(name).map(|i| &row[i]) {
        Some(Value::Text(text)) => text.clone(),
        _ => String::new(),
    };
    let mut store = Store::open(into)?;
    let insert_item = format!(
        "INSERT INTO items ({}) VALUES ({})",
        columns.join(", "),
        vec!["?"; columns.len()].join(", ")
    );
    let started = Instant::now();
    for chunk in rows.chunks(page.max(1)) {
        let tx = store.conn.transaction().context("a floor page")?;
        {
            let mut items = tx.prepare_cached(&insert_item).context("a floor page")?;
            let mut search = tx
                .prepare_cached(
                    "INSERT INTO item_search (rowid, name, company, pass_id, plate) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .context("a floor page")?;
            for row in chunk {
                items.execute(params_from_iter(row.iter())).context("a floor row")?;
                let id = at("id").map_or(Value::Null, |i| row[i].clone());
                let name = format!("{} {}", text(row, "holder_name"), text(row, "holder_name_latin"));
                search
                    .execute(rusqlite::params![
                        id,
                        index_text(&name),
                        index_text(&text(row, "company_name")),
                        index_text(&text(row, "pass_id")),
                        index_text(&text(row, "plate")),
                    ])
                    .context("a floor row")?;
            }
        }
        tx.commit().context("a floor page")?;
    }
    Ok(started.elapsed())
}
