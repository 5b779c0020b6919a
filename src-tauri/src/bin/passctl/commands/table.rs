//! Plain-text output for people at a terminal, with columns that stay aligned
//! when names are in Chinese (two terminal cells per character).

use pass_credential::Lang;
use pass_station::StationError;
use pass_station::model::Holder;
use pass_station::ops::desk::QueuePage;
use pass_station::ops::gate::VerdictView;
use pass_station::store::{ApplicationRow, AuditEntry, Check, ItemRecord, OutboxEntry, rfc3339};
use pass_station::workflow::Waiting;
use unicode_width::UnicodeWidthStr;

/// Prints rows as columns padded to their widest cell.
fn print_columns(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.width());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell}{}", " ".repeat(width - cell.width())))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// A value's name as its JSON spells it (a state, a kind, an action).
pub fn label<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

pub fn print_queue(page: &QueuePage) {
    let cells: Vec<Vec<String>> = page
        .rows
        .iter()
        .map(|r| {
            vec![
                r.pass_id.clone(),
                label(&r.kind),
                r.holder.clone(),
                r.company_name.clone(),
                r.ports.join(","),
                format!("{}..{}", r.valid_from, r.valid_to),
                label(&r.state),
            ]
        })
        .collect();
    print_columns(
        &["PASS", "KIND", "HOLDER", "COMPANY", "PORTS", "VALID", "STATE"],
        &cells,
    );
    let shown = page.rows.len();
    let of = if page.total_at_least {
        format!("{} or more", page.total)
    } else {
        page.total.to_string()
    };
    if page.offset == 0 && shown == page.total && !page.total_at_least {
        println!("{}", count(shown, "item", "items"));
    } else if shown == 0 {
        println!("none from {} on, of {of}", page.offset + 1);
    } else {
        println!("items {} to {} of {of}", page.offset + 1, page.offset + shown);
    }
}

/// "1 item", "2 items": a count with its noun.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn print_applications(rows: &[ApplicationRow]) {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|a| {
            vec![
                a.application_id.clone(),
                a.company_name.clone(),
                if a.temporary { "temporary" } else { "long-term" }.to_owned(),
                a.valid_from.clone(),
                a.items.to_string(),
                a.approved.to_string(),
                a.in_making.to_string(),
                a.ready.to_string(),
                a.handed_over.to_string(),
                a.out.to_string(),
            ]
        })
        .collect();
    print_columns(
        &[
            "APPLICATION",
            "COMPANY",
            "KIND",
            "FROM",
            "ITEMS",
            "TO PRINT",
            "MAKING",
            "READY",
            "HANDED",
            "OUT",
        ],
        &cells,
    );
    println!("{}", count(rows.len(), "application", "applications"));
}

pub fn print_item(record: &ItemRecord) {
    let item = &record.item;
    let holder = match &item.holder {
        Holder::Person {
            name,
            name_latin: Some(latin),
            national_id_masked,
        } => {
            format!("{name} ({latin}), ID {national_id_masked}")
        }
        Holder::Person {
            name,
            name_latin: None,
            national_id_masked,
        } => format!("{name}, ID {national_id_masked}"),
        Holder::Vehicle { plate, vehicle_type } => format!("{plate} ({vehicle_type})"),
    };
    let photo = match (&item.photo_sha256, record.photo_cached) {
        (None, _) => "none".to_owned(),
        (Some(sha), true) => format!("{sha} (cached)"),
        (Some(sha), false) => format!("{sha} (not fetched yet; sync again)"),
    };
    let fields = [
        ("pass", format!("{} version {}", item.pass_id, item.version)),
        ("kind", label(&record.kind)),
        ("state", label(&record.state)),
        ("holder", holder),
        (
            "company",
            format!("{} (tax ID {})", item.company_name, item.company_tax_id),
        ),
        ("ports", item.ports.join(", ")),
        ("valid", format!("{} to {}", item.valid_from, item.valid_to)),
        ("pickup", item.pickup_office.clone()),
        ("application", item.application_id.clone()),
        ("photo", photo),
        ("received", rfc3339(record.received_at)),
        ("updated", rfc3339(record.updated_at)),
    ];
    for (name, value) in fields {
        println!("{name:>12}  {value}");
    }
}

pub fn print_outbox(entries: &[OutboxEntry]) {
    let cells: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            vec![
                e.seq.to_string(),
                e.kind.clone(),
                rfc3339(e.occurred_at),
                e.payload
                    .get("pass_id")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned(),
                e.attempts.to_string(),
                e.outcome.clone().unwrap_or_else(|| "waiting".to_owned()),
                e.outcome_reason
                    .clone()
                    .or_else(|| e.last_error.clone())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    print_columns(
        &["SEQ", "KIND", "OCCURRED", "PASS", "TRIES", "OUTCOME", "DETAIL"],
        &cells,
    );
}

/// A gate verdict: valid or not, the one reason, whose pass, and any warning.
pub fn print_verdict(verdict: &VerdictView, lang: Lang) {
    let message = match lang {
        Lang::En => &verdict.message_en,
        Lang::ZhTw => &verdict.message_zh,
    };
    match (verdict.valid, lang) {
        (true, Lang::En) => println!("VALID"),
        (true, Lang::ZhTw) => println!("有效 VALID"),
        (false, Lang::En) => println!("NOT VALID: {message}"),
        (false, Lang::ZhTw) => println!("無效 NOT VALID: {message}"),
    }
    if let Some(pass_id) = &verdict.pass_id {
        println!(
            "{:>10}  {pass_id} version {}",
            "pass",
            verdict.version.unwrap_or_default()
        );
    }
    if let Some(holder) = &verdict.holder {
        println!("{:>10}  {holder}", "holder");
    }
    if let Some(valid_to) = &verdict.valid_to {
        println!("{:>10}  to {valid_to}", "valid");
    }
    for warning in &verdict.warnings {
        println!("warning: {}", if lang == Lang::En { &warning.en } else { &warning.zh });
    }
}

/// The trust list as `credentials::trust_list_json` shows it, one signer a line.
pub fn print_trust_list(shown: &serde_json::Value) {
    println!(
        "trust list sequence {} issued {}",
        shown["sequence"],
        shown["issued_at"].as_str().unwrap_or_default()
    );
    let rows: Vec<Vec<String>> = shown["signers"]
        .as_array()
        .map(|signers| {
            signers
                .iter()
                .map(|s| {
                    ["kid", "office", "status", "valid_from", "valid_to"]
                        .iter()
                        .map(|field| s[*field].as_str().unwrap_or_default().to_owned())
                        .collect()
                })
                .collect()
        })
        .unwrap_or_default();
    print_columns(&["KID", "OFFICE", "STATUS", "VALID FROM", "VALID TO"], &rows);
}

/// The audit trail as CSV: one row per entry, hashes included so the export
/// can be checked against the station later.
pub fn write_audit_csv(path: &std::path::Path, entries: &[AuditEntry]) -> Result<(), StationError> {
    let io = |source: std::io::Error| StationError::Io {
        action: "write the audit export",
        path: path.to_owned(),
        source,
    };
    let mut writer = csv::Writer::from_path(path).map_err(|e| io(e.into()))?;
    writer
        .write_record(["seq", "at", "actor", "action", "pass_id", "detail", "prev_hash", "hash"])
        .map_err(|e| io(e.into()))?;
    for e in entries {
        let seq = e.seq.to_string();
        let at = rfc3339(e.at);
        let detail = e.detail.to_string();
        let row = [
            &seq,
            &at,
            &e.actor,
            &e.action,
            e.pass_id.as_deref().unwrap_or(""),
            &detail,
            &e.prev_hash,
            &e.hash,
        ];
        writer.write_record(row).map_err(|e| io(e.into()))?;
    }
    writer.flush().map_err(io)
}

/// A card's history, oldest first.
pub fn print_history(entries: &[AuditEntry]) {
    for e in entries {
        println!("{:>12}  {}  {} by {}", "", rfc3339(e.at), e.action, e.actor);
    }
}

/// The verification log, one check a line.
pub fn print_checks(checks: &[Check]) {
    let rows: Vec<Vec<String>> = checks
        .iter()
        .map(|c| {
            vec![
                rfc3339(c.at),
                c.source.as_str().to_owned(),
                c.pass_id.clone().unwrap_or_default(),
                c.card_uid.clone().unwrap_or_default(),
                c.port.clone().unwrap_or_default(),
                c.outcome.as_str().to_owned(),
                c.actor.clone(),
            ]
        })
        .collect();
    print_columns(&["AT", "BY", "PASS", "CARD", "PORT", "OUTCOME", "OFFICER"], &rows);
    println!("{} checks", checks.len());
}

/// Released cards waiting for pick-up, the longest-waiting first.
pub fn print_pickups(waiting: &[Waiting]) {
    let rows: Vec<Vec<String>> = waiting
        .iter()
        .map(|w| {
            vec![
                w.pickup.pass_id.clone(),
                w.pickup.holder.clone(),
                w.pickup.company_name.clone(),
                w.pickup.application_id.clone(),
                rfc3339(w.pickup.released_at),
                w.days_waiting.to_string(),
            ]
        })
        .collect();
    print_columns(&["PASS", "HOLDER", "COMPANY", "APPLICATION", "RELEASED", "DAYS"], &rows);
    println!("{} for pick-up", count(waiting.len(), "card waits", "cards wait"));
}
