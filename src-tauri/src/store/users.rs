//! Users as this station knows them, their sign-ins and failures, sessions,
//! and delegations of approval rights.
//!
//! Why the station keeps users at all: central decides who may sign in, but
//! the office must keep working offline. A user who signed in online is
//! remembered with an Argon2id hash of that password, so the same password
//! opens the station offline; the password itself is never stored. Every
//! sign-in, failure, lockout and delegation is an audit entry.
//!
//! Not for checking passwords or deciding roles (see [`crate::auth`]).

use pass_central::StationEvent;
use pass_central::events::DelegationGranted;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use time::OffsetDateTime;

use super::audit;
use super::db::{Cached, SqlContext, Store, StoreError, rfc3339};
use super::queue::enqueue;
use super::rows::{parse_optional_time, parse_time};
use crate::model::Role;

/// A user as the station holds them.
#[derive(Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    /// Argon2id PHC string of the password the user last signed in with online.
    pub password_hash: String,
    pub last_sign_in_at: OffsetDateTime,
    pub failed_attempts: u32,
    pub locked_until: Option<OffsetDateTime>,
}

impl std::fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRecord")
            .field("username", &self.username)
            .field("roles", &self.roles)
            .field("last_sign_in_at", &self.last_sign_in_at)
            .field("failed_attempts", &self.failed_attempts)
            .field("locked_until", &self.locked_until)
            .finish_non_exhaustive()
    }
}

/// A sign-in as stored: who, and when it was last used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub username: String,
    pub started_at: OffsetDateTime,
    pub last_active_at: OffsetDateTime,
    /// Set once the session is over, with why.
    pub ended: Option<(OffsetDateTime, String)>,
}

/// A supervisor's approval rights lent to another user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Delegation {
    pub delegator: String,
    pub delegate: String,
    /// Office days, both included.
    pub first_day: String,
    pub last_day: String,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub created_at: OffsetDateTime,
}

/// A user known at this station (signed in here at least once): who a
/// supervisor may choose as a delegate. No password hash, no sign-in times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Colleague {
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
}

/// A successful sign-in to record.
pub(crate) struct SignIn<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub roles: &'a [Role],
    /// A fresh hash when central just accepted the password; `None` offline.
    pub password_hash: Option<&'a str>,
    pub token_sha256: &'a str,
    pub at: &'a str,
    /// `online` or `offline`.
    pub mode: &'static str,
}

/// Roles as the `users.roles` column holds them: space-separated names.
fn roles_column(roles: &[Role]) -> String {
    roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(" ")
}

impl Store {
    /// Every user known at this station, by username.
    pub fn colleagues(&self) -> Result<Vec<Colleague>, StoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT username, display_name, roles FROM users ORDER BY username")
            .context("listing the users")?;
        let rows = statement
            .query_map([], |row| {
                let roles: String = row.get(2)?;
                Ok(Colleague {
                    username: row.get(0)?,
                    display_name: row.get(1)?,
                    roles: roles.split_whitespace().filter_map(Role::parse).collect(),
                })
            })
            .context("listing the users")?;
        rows.collect::<Result<_, _>>().context("listing the users")
    }

    pub fn user(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        self.conn
            .query_row_cached(
                "SELECT username, display_name, roles, password_hash, last_sign_in_at, failed_attempts, locked_until
                 FROM users WHERE username = ?1",
                params![username],
                |row| {
                    let roles: String = row.get(2)?;
                    Ok(UserRecord {
                        username: row.get(0)?,
                        display_name: row.get(1)?,
                        roles: roles.split_whitespace().filter_map(Role::parse).collect(),
                        password_hash: row.get(3)?,
                        last_sign_in_at: parse_time(row, 4)?,
                        failed_attempts: row.get(5)?,
                        locked_until: parse_optional_time(row, 6)?,
                    })
                },
            )
            .optional()
            .context("reading a user")
    }

    /// Records a sign-in in one transaction: the user (with a new password
    /// hash when central just accepted it), the failure count reset, any
    /// other open session ended as replaced (one person at a workstation),
    /// the new session, and an audit entry.
    pub(crate) fn record_sign_in(&mut self, sign_in: &SignIn<'_>) -> Result<(), StoreError> {
        let tx = self.conn.transaction().context("recording a sign-in")?;
        let roles = roles_column(sign_in.roles);
        match sign_in.password_hash {
            Some(hash) => tx.execute(
                "INSERT INTO users (username, display_name, roles, password_hash, last_sign_in_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (username) DO UPDATE SET display_name = excluded.display_name, roles = excluded.roles,
                    password_hash = excluded.password_hash, last_sign_in_at = excluded.last_sign_in_at,
                    failed_attempts = 0, locked_until = NULL",
                params![sign_in.username, sign_in.display_name, roles, hash, sign_in.at],
            ),
            None => tx.execute(
                "UPDATE users SET last_sign_in_at = ?2, failed_attempts = 0, locked_until = NULL WHERE username = ?1",
                params![sign_in.username, sign_in.at],
            ),
        }
        .context("recording a sign-in")?;
        tx.execute(
            "UPDATE sessions SET ended_at = ?1, ended_why = 'replaced' WHERE ended_at IS NULL",
            params![sign_in.at],
        )
        .context("ending earlier sessions")?;
        tx.execute(
            "INSERT INTO sessions (token_sha256, username, started_at, last_active_at) VALUES (?1, ?2, ?3, ?3)",
            params![sign_in.token_sha256, sign_in.username, sign_in.at],
        )
        .context("starting a session")?;
        let detail = serde_json::json!({ "mode": sign_in.mode, "roles": roles });
        audit::append(&tx, sign_in.username, "signed_in", None, &detail)?;
        tx.commit().context("recording a sign-in")
    }

    /// Counts a failed sign-in of a user the station knows (an audit entry for
    /// anyone); at `lock_after`
    /// consecutive failures the account is locked until `lock_until`.
    /// Returns the failures in a row so far (none for a user the station does
    /// not know), and the lock's end when this failure locked it.
    pub fn record_failed_sign_in(
        &mut self,
        username: &str,
        lock_after: u32,
        lock_until: &str,
    ) -> Result<(Option<u32>, Option<String>), StoreError> {
        let tx = self.conn.transaction().context("recording a failed sign-in")?;
        let failures: Option<u32> = tx
            .query_row(
                "UPDATE users SET failed_attempts = failed_attempts + 1 WHERE username = ?1 RETURNING failed_attempts",
                params![username],
                |row| row.get(0),
            )
            .optional()
            .context("recording a failed sign-in")?;
        let locked = failures.filter(|&n| n >= lock_after).map(|_| lock_until.to_owned());
        if let Some(until) = &locked {
            tx.execute(
                "UPDATE users SET locked_until = ?2, failed_attempts = 0 WHERE username = ?1",
                params![username, until],
            )
            .context("locking an account")?;
        }
        let (action, detail) = match &locked {
            Some(until) => ("locked_out", serde_json::json!({ "until": until })),
            None => (
                "sign_in_failed",
                serde_json::json!({ "failures": failures.unwrap_or(0) }),
            ),
        };
        audit::append(&tx, username, action, None, &detail)?;
        tx.commit().context("recording a failed sign-in")?;
        Ok((failures, locked))
    }

    pub fn session(&self, token_sha256: &str) -> Result<Option<SessionRecord>, StoreError> {
        self.conn
            .query_row_cached(
                "SELECT username, started_at, last_active_at, ended_at, ended_why FROM sessions WHERE token_sha256 = ?1",
                params![token_sha256],
                |row| {
                    let ended_at = parse_optional_time(row, 3)?;
                    let why: Option<String> = row.get(4)?;
                    Ok(SessionRecord {
                        username: row.get(0)?,
                        started_at: parse_time(row, 1)?,
                        last_active_at: parse_time(row, 2)?,
                        ended: ended_at.map(|at| (at, why.unwrap_or_default())),
                    })
                },
            )
            .optional()
            .context("reading a session")
    }

    /// Marks a session as used now, which puts off its idle sign-out.
    pub fn touch_session(&self, token_sha256: &str, at: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE sessions SET last_active_at = ?2 WHERE token_sha256 = ?1 AND ended_at IS NULL",
                params![token_sha256, at],
            )
            .context("using a session")?;
        Ok(())
    }

    /// Ends a session (`why`: signed_out or idle) with an audit entry.
    pub fn end_session(&mut self, token_sha256: &str, at: &str, why: &str) -> Result<(), StoreError> {
        let tx = self.conn.transaction().context("ending a session")?;
        let username: Option<String> = tx
            .query_row(
                "UPDATE sessions SET ended_at = ?2, ended_why = ?3 WHERE token_sha256 = ?1 AND ended_at IS NULL
                 RETURNING username",
                params![token_sha256, at, why],
                |row| row.get(0),
            )
            .optional()
            .context("ending a session")?;
        if let Some(username) = username {
            audit::append(&tx, &username, "signed_out", None, &serde_json::json!({ "why": why }))?;
        }
        tx.commit().context("ending a session")
    }

    /// Records a delegation, its audit entry and a `delegation_granted` event.
    pub fn add_delegation(&mut self, delegation: &Delegation) -> Result<(), StoreError> {
        let tx = self.conn.transaction().context("recording a delegation")?;
        tx.execute(
            "INSERT INTO delegations (delegator, delegate, first_day, last_day, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                delegation.delegator,
                delegation.delegate,
                delegation.first_day,
                delegation.last_day,
                rfc3339(delegation.created_at)
            ],
        )
        .context("recording a delegation")?;
        let detail = serde_json::json!({
            "to": delegation.delegate, "first_day": delegation.first_day, "last_day": delegation.last_day,
        });
        let entry = audit::append(&tx, &delegation.delegator, "delegated", None, &detail)?;
        let event = StationEvent::DelegationGranted(DelegationGranted {
            from: delegation.delegator.clone(),
            to: delegation.delegate.clone(),
            first_day: delegation.first_day.clone(),
            last_day: delegation.last_day.clone(),
            audit_seq: entry.seq.unsigned_abs(),
        });
        enqueue(&tx, &event)?;
        tx.commit().context("recording a delegation")
    }

    /// The supervisor whose approval rights `delegate` holds on office day `day`, if any.
    pub fn delegator_for(&self, delegate: &str, day: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row(
                "SELECT delegator FROM delegations WHERE delegate = ?1 AND first_day <= ?2 AND last_day >= ?2
                 ORDER BY id DESC LIMIT 1",
                params![delegate, day],
                |row| row.get(0),
            )
            .optional()
            .context("reading delegations")
    }
}
