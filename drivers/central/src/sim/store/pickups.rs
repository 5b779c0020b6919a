//! Who may collect a released card: each holder's ID document (kept whole
//! here, as central holds it, and sent to stations only hashed), the
//! pick-up codes central issues to a company's named delegate when a card
//! is released, and the notification outbox where the SMS and e-mail it
//! would send are recorded.
//!
//! What it is not for: checking a code or deciding a hand-over (stations
//! do, offline), or the delegate's particulars (see `generate`).

use rusqlite::{Connection, OptionalExtension, params};
use time::{Duration, OffsetDateTime};

use super::db::{Store, credential_error, random_bytes, rfc3339};
use super::feed::known_item;
use crate::events::PickupReminder;
use crate::identity::IdDocument;
use crate::sim::admin::Notification;
use crate::sim::error::SimError;
use crate::sim::generate::delegate_of;
use pass_credential::{PickupCode, SigningKey};

/// How long a pick-up code stays good: the office's pick-up window.
pub(crate) const PICKUP_CODE_VALID: Duration = Duration::days(30);

impl Store {
    /// Every notification central would have sent, oldest first.
    pub(crate) fn notifications(&self) -> Result<Vec<Notification>, SimError> {
        self.read("listing notifications", notifications)
    }

    /// The holder's whole ID document, when central holds one.
    pub(crate) fn holder_document(&self, pass_id: &str) -> Result<Option<IdDocument>, SimError> {
        self.read("reading a holder's document", |conn| holder_document(conn, pass_id))
    }
}

/// Keeps a holder's whole document, as central would.
pub(super) fn keep_holder_document(conn: &Connection, pass_id: &str, document: &IdDocument) -> Result<(), SimError> {
    let text = serde_json::to_string(document).map_err(|e| SimError::Internal(format!("writing JSON: {e}")))?;
    conn.execute(
        "INSERT OR REPLACE INTO holder_documents (pass_id, document) VALUES (?1, ?2)",
        params![pass_id, text],
    )?;
    Ok(())
}

/// The holder's whole document, when central holds one.
fn holder_document(conn: &Connection, pass_id: &str) -> Result<Option<IdDocument>, SimError> {
    let text: Option<String> = conn
        .query_row(
            "SELECT document FROM holder_documents WHERE pass_id = ?1",
            [pass_id],
            |r| r.get(0),
        )
        .optional()?;
    text.map(|text| serde_json::from_str(&text).map_err(|e| SimError::Internal(format!("a stored document: {e}"))))
        .transpose()
}

/// Issues the pick-up code for a released card to the company's delegate,
/// and records the SMS and the e-mail that carry it. Nothing when central
/// does not know the pass or already issued a code for this version.
pub(super) fn issue_pickup_code(
    conn: &Connection,
    key: &SigningKey,
    pass_id: &str,
    version: u32,
    at: OffsetDateTime,
) -> Result<(), SimError> {
    let Some(row) = known_item(conn, pass_id)? else {
        return Ok(());
    };
    let delegate = delegate_of(&row.item.company);
    let code_id: [u8; 16] = random_bytes(16)
        .try_into()
        .map_err(|_| SimError::Internal("sixteen random bytes".to_owned()))?;
    let code = PickupCode {
        code_id,
        office: row.item.pickup_office.clone(),
        pass_id: pass_id.to_owned(),
        version,
        delegate: delegate.name.clone(),
        company_tax_id: row.item.company.tax_id.clone(),
        issued_at: at,
        expires_at: at + PICKUP_CODE_VALID,
    };
    let inserted = conn.execute(
        "INSERT OR IGNORE INTO pickup_codes (pass_id, version, code_id, issued_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![pass_id, version, code.id_hex(), rfc3339(at), rfc3339(code.expires_at)],
    )?;
    if inserted == 0 {
        return Ok(());
    }
    let text = code.sign(key).map_err(credential_error)?;
    let holder = row.item.holder.display_name();
    let body = format!(
        "{company}：{holder} 的港區通行證已可領取（{pass_id}）。請代理人 {name} 攜帶身分證件及本領證碼至 {office} 製證櫃檯領取，\
         期限 {until}。領證碼：{text}",
        company = row.item.company.name,
        name = delegate.name,
        office = row.item.pickup_office,
        until = rfc3339(code.expires_at),
    );
    for (channel, to) in [("sms", &delegate.mobile), ("email", &delegate.email)] {
        conn.execute(
            "INSERT INTO notifications (at, channel, recipient, company_tax_id, pass_id, kind, body, pickup_code,
                pickup_code_id)
             VALUES (?1, ?2, ?3, ?4, ?5, 'pickup_code', ?6, ?7, ?8)",
            params![
                rfc3339(at),
                channel,
                to,
                row.item.company.tax_id,
                pass_id,
                body,
                text,
                code.id_hex()
            ],
        )?;
    }
    Ok(())
}

/// Reminds the company's delegate that a released card still waits: an SMS
/// and an e-mail with the card's code again. Once per card version and mark.
pub(super) fn remind_of_pickup(
    conn: &Connection,
    reminder: &PickupReminder,
    at: OffsetDateTime,
) -> Result<(), SimError> {
    let Some(row) = known_item(conn, &reminder.pass_id)? else {
        return Ok(());
    };
    let already: i64 = conn.query_row(
        "SELECT count(*) FROM notifications WHERE pass_id = ?1 AND kind = 'pickup_reminder' AND days_waiting = ?2",
        params![reminder.pass_id, reminder.days_waiting],
        |r| r.get(0),
    )?;
    if already > 0 {
        return Ok(());
    }
    let code: Option<(String, String)> = conn
        .query_row(
            "SELECT n.pickup_code, n.pickup_code_id FROM notifications n
             JOIN pickup_codes c ON c.code_id = n.pickup_code_id
             WHERE c.pass_id = ?1 AND c.version = ?2 AND c.used_at IS NULL LIMIT 1",
            params![reminder.pass_id, reminder.version],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let delegate = delegate_of(&row.item.company);
    let body = format!(
        "{company}：{holder} 的港區通行證（{pass_id}）已放行 {days} 天，仍待代理人 {name} 至 {office} 製證櫃檯領取。{code}",
        company = row.item.company.name,
        holder = row.item.holder.display_name(),
        pass_id = reminder.pass_id,
        days = reminder.days_waiting,
        name = delegate.name,
        office = row.item.pickup_office,
        code = code
            .as_ref()
            .map(|(text, _)| format!("領證碼：{text}"))
            .unwrap_or_default(),
    );
    for (channel, to) in [("sms", &delegate.mobile), ("email", &delegate.email)] {
        conn.execute(
            "INSERT INTO notifications (at, channel, recipient, company_tax_id, pass_id, kind, body, pickup_code,
                pickup_code_id, days_waiting)
             VALUES (?1, ?2, ?3, ?4, ?5, 'pickup_reminder', ?6, ?7, ?8, ?9)",
            params![
                rfc3339(at),
                channel,
                to,
                row.item.company.tax_id,
                reminder.pass_id,
                body,
                code.as_ref().map(|(text, _)| text),
                code.as_ref().map(|(_, id)| id),
                reminder.days_waiting
            ],
        )?;
    }
    Ok(())
}

/// Notes that a station accepted a pick-up code at a hand-over.
pub(super) fn mark_pickup_code_used(conn: &Connection, code_id: &str, at: OffsetDateTime) -> Result<(), SimError> {
    conn.execute(
        "UPDATE pickup_codes SET used_at = ?2 WHERE code_id = ?1 AND used_at IS NULL",
        params![code_id, rfc3339(at)],
    )?;
    Ok(())
}

fn notifications(conn: &Connection) -> Result<Vec<Notification>, SimError> {
    let mut stmt = conn.prepare(
        "SELECT n.id, n.at, n.channel, n.recipient, n.company_tax_id, n.pass_id, n.kind, n.body, n.pickup_code,
                c.used_at, n.days_waiting
         FROM notifications n LEFT JOIN pickup_codes c ON c.code_id = n.pickup_code_id
         ORDER BY n.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Notification {
            id: r.get(0)?,
            at: r.get(1)?,
            channel: r.get(2)?,
            recipient: r.get(3)?,
            company_tax_id: r.get(4)?,
            pass_id: r.get(5)?,
            kind: r.get(6)?,
            body: r.get(7)?,
            pickup_code: r.get(8)?,
            code_used_at: r.get(9)?,
            days_waiting: r.get(10)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
