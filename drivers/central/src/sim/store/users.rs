//! The card offices' users as central keeps them: who may sign in at a
//! station of their office and with which roles, and what protects an
//! account: a lock after repeated wrong passwords, a freeze after 90 days
//! unused, the password rules.
//!
//! It exists so that a station's sign-in, password change and offline
//! fallback can be tested against the answers central gives. Only an
//! Argon2id hash of a password is kept, never the password.
//!
//! What it is not for: stations and their keys (see [`super::stations`]);
//! a user signs in only through a station central already knows.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use rusqlite::{Connection, OptionalExtension, params};
use time::{Duration, OffsetDateTime};

use super::db::{Store, parse_time, rfc3339};
use crate::api::{PasswordChange, Role, SignInRequest, UserProfile};
use crate::model::check_password_rules;
use crate::sim::admin::NewUser;
use crate::sim::error::SimError;

/// Wrong passwords in a row that lock an account.
const MAX_FAILED_ATTEMPTS: u32 = 5;
/// How long a locked account stays locked.
const LOCKED_FOR: Duration = Duration::minutes(15);
/// How long an account may go without a sign-in before it is frozen.
const FROZEN_AFTER: Duration = Duration::days(90);
/// Argon2id costs of the simulator's hashes: 4 MiB and 1 pass, lighter than
/// the 19 MiB and 2 passes recommended for a real server, so that tests that
/// sign in many times stay fast in a debug build. A hash carries its costs, so
/// checking a password reads them from the hash.
const HASH_MEMORY_KIB: u32 = 4 * 1024;
const HASH_PASSES: u32 = 1;

/// A user as the database holds them.
struct UserRow {
    profile: UserProfile,
    password_hash: String,
    failed_attempts: u32,
    locked_until: Option<OffsetDateTime>,
    /// The last sign-in, or when the account was made if it never signed in.
    last_active: OffsetDateTime,
}

fn hash_password(password: &str) -> Result<String, SimError> {
    let params = Params::new(HASH_MEMORY_KIB, HASH_PASSES, 1, None)
        .map_err(|e| SimError::Internal(format!("the password hash costs are not usable: {e}")))?;
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| SimError::Internal(format!("hashing a password failed: {e}")))
}

fn password_matches(password: &str, hash: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), hash).is_ok()
}

fn parse_roles(text: &str) -> Result<Vec<Role>, SimError> {
    serde_json::from_str(text).map_err(|e| SimError::Internal(format!("the database holds bad roles {text:?}: {e}")))
}

/// The user `username` of `office`; a user of another office is not found.
fn load_user(conn: &Connection, username: &str, office: &str) -> Result<Option<UserRow>, SimError> {
    let sql = "SELECT display_name, roles, password_hash, failed_attempts, locked_until,
                      coalesce(last_sign_in_at, created_at)
               FROM users WHERE username = ?1 AND office = ?2";
    let found: Option<(String, String, String, u32, Option<String>, String)> = conn
        .query_row(sql, params![username, office], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
        })
        .optional()?;
    let Some((display_name, roles, password_hash, failed_attempts, locked_until, last_active)) = found else {
        return Ok(None);
    };
    Ok(Some(UserRow {
        profile: UserProfile {
            username: username.to_owned(),
            display_name,
            roles: parse_roles(&roles)?,
            office: office.to_owned(),
        },
        password_hash,
        failed_attempts,
        locked_until: locked_until.as_deref().map(parse_time).transpose()?,
        last_active: parse_time(&last_active)?,
    }))
}

/// Checks the password of the user `username` of `office` as of `now`,
/// counting a wrong one: the user, or the refusal to answer. A right password
/// clears earlier failures.
///
/// A refusal is an answer, not a failure of the work: it comes as `Ok(Err)`,
/// so that the transaction holding the failures it counted is committed.
fn authenticate(
    conn: &Connection,
    office: &str,
    username: &str,
    password: &str,
    now: OffsetDateTime,
) -> Result<Result<UserRow, SimError>, SimError> {
    let Some(user) = load_user(conn, username, office)? else {
        // As long as a check would take, so the time does not tell unknown users apart.
        hash_password(password)?;
        return Ok(Err(SimError::BadCredentials));
    };
    if let Some(until) = user.locked_until.filter(|until| *until > now) {
        return Ok(Err(SimError::AccountLocked { until: rfc3339(until) }));
    }
    if password_matches(password, &user.password_hash) {
        conn.execute(
            "UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE username = ?1",
            [username],
        )?;
        return Ok(Ok(user));
    }
    let failed_attempts = user.failed_attempts + 1;
    if failed_attempts < MAX_FAILED_ATTEMPTS {
        conn.execute(
            "UPDATE users SET failed_attempts = ?1 WHERE username = ?2",
            params![failed_attempts, username],
        )?;
        return Ok(Err(SimError::BadCredentials));
    }
    let until = rfc3339(now + LOCKED_FOR);
    conn.execute(
        "UPDATE users SET failed_attempts = 0, locked_until = ?1 WHERE username = ?2",
        params![until, username],
    )?;
    Ok(Err(SimError::AccountLocked { until }))
}

impl Store {
    /// Makes a user who has never signed in.
    pub(crate) fn create_user(&mut self, user: &NewUser) -> Result<UserProfile, SimError> {
        let password_hash = hash_password(&user.password)?;
        let roles = super::db::to_json(&user.roles)?;
        self.write("creating a user", |tx| {
            let now = rfc3339(OffsetDateTime::now_utc());
            let added = tx.execute(
                "INSERT INTO users (username, display_name, roles, office, password_hash, password_changed_at, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT (username) DO NOTHING",
                params![user.username, user.display_name, roles, user.office, password_hash, now],
            )?;
            if added == 0 {
                return Err(SimError::Conflict(format!(
                    "there is a user {} already; choose another user name",
                    user.username
                )));
            }
            Ok(UserProfile {
                username: user.username.clone(),
                display_name: user.display_name.clone(),
                roles: user.roles.clone(),
                office: user.office.clone(),
            })
        })
    }

    /// Sets when a user last signed in (for tests of a frozen account).
    pub(crate) fn backdate_sign_in(&mut self, username: &str, at: OffsetDateTime) -> Result<(), SimError> {
        let changed = self.write("backdating a sign-in", |tx| {
            Ok(tx.execute(
                "UPDATE users SET last_sign_in_at = ?1 WHERE username = ?2",
                params![rfc3339(at), username],
            )?)
        })?;
        if changed == 0 {
            return Err(SimError::NotFound(format!("there is no user {username}")));
        }
        Ok(())
    }

    /// Signs a user of `office` in. An unknown user and a wrong password get
    /// the same refusal; the right password of a frozen account is refused
    /// as frozen, and does not count as a sign-in.
    pub(crate) fn sign_in(&mut self, office: &str, request: &SignInRequest) -> Result<UserProfile, SimError> {
        let now = OffsetDateTime::now_utc();
        self.write("signing a user in", |tx| {
            let user = match authenticate(tx, office, &request.username, &request.password, now)? {
                Ok(user) => user,
                Err(refusal) => return Ok(Err(refusal)),
            };
            if user.last_active + FROZEN_AFTER < now {
                return Ok(Err(SimError::AccountFrozen {
                    days: FROZEN_AFTER.whole_days(),
                }));
            }
            tx.execute(
                "UPDATE users SET last_sign_in_at = ?1 WHERE username = ?2",
                params![rfc3339(now), request.username],
            )?;
            Ok(Ok(user.profile))
        })?
    }

    /// Changes a user's password, which counts as a sign-in (so it unfreezes
    /// the account). A wrong old password counts towards the lock as on sign-in.
    pub(crate) fn change_password(&mut self, office: &str, change: &PasswordChange) -> Result<(), SimError> {
        let now = OffsetDateTime::now_utc();
        self.write("changing a password", |tx| {
            if let Err(refusal) = authenticate(tx, office, &change.username, &change.old_password, now)? {
                return Ok(Err(refusal));
            }
            if let Err(broken) = check_password_rules(&change.new_password) {
                return Ok(Err(SimError::WeakPassword(broken.to_string())));
            }
            if change.new_password == change.old_password {
                return Ok(Err(SimError::WeakPassword(
                    "the new password is the old one; choose a different password".to_owned(),
                )));
            }
            let now = rfc3339(now);
            tx.execute(
                "UPDATE users SET password_hash = ?1, password_changed_at = ?2, last_sign_in_at = ?2
                 WHERE username = ?3",
                params![hash_password(&change.new_password)?, now, change.username],
            )?;
            Ok(Ok(()))
        })?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWORD: &str = "Keelung#2026";

    fn chen(store: &mut Store) {
        let user = NewUser {
            username: "chen".to_owned(),
            display_name: "陳美玲".to_owned(),
            roles: vec![Role::Clerk],
            office: "TWKEL".to_owned(),
            password: PASSWORD.to_owned(),
        };
        store.create_user(&user).expect("a user");
        assert!(matches!(store.create_user(&user), Err(SimError::Conflict(_))));
    }

    fn sign_in(store: &mut Store, office: &str, password: &str) -> Result<UserProfile, SimError> {
        let request = SignInRequest {
            username: "chen".to_owned(),
            password: password.to_owned(),
        };
        store.sign_in(office, &request)
    }

    #[test]
    fn five_wrong_passwords_lock_the_account_and_another_office_never_signs_in() {
        let mut store = Store::in_memory();
        chen(&mut store);
        assert_eq!(
            sign_in(&mut store, "TWKEL", PASSWORD).expect("signed in").roles,
            [Role::Clerk]
        );
        assert!(matches!(
            sign_in(&mut store, "TWKHH", PASSWORD),
            Err(SimError::BadCredentials)
        ));
        for _ in 1..MAX_FAILED_ATTEMPTS {
            assert!(matches!(
                sign_in(&mut store, "TWKEL", "wrong"),
                Err(SimError::BadCredentials)
            ));
        }
        assert!(matches!(
            sign_in(&mut store, "TWKEL", "wrong"),
            Err(SimError::AccountLocked { .. })
        ));
        assert!(matches!(
            sign_in(&mut store, "TWKEL", PASSWORD),
            Err(SimError::AccountLocked { .. })
        ));
    }

    #[test]
    fn a_frozen_account_signs_in_again_after_a_password_change() {
        let mut store = Store::in_memory();
        chen(&mut store);
        let long_ago = OffsetDateTime::now_utc() - FROZEN_AFTER - Duration::days(1);
        store.backdate_sign_in("chen", long_ago).expect("backdated");
        assert!(matches!(
            sign_in(&mut store, "TWKEL", PASSWORD),
            Err(SimError::AccountFrozen { .. })
        ));
        let change = |new: &str| PasswordChange {
            username: "chen".to_owned(),
            old_password: PASSWORD.to_owned(),
            new_password: new.to_owned(),
        };
        assert!(matches!(
            store.change_password("TWKEL", &change(PASSWORD)),
            Err(SimError::WeakPassword(_))
        ));
        store.change_password("TWKEL", &change("Taipei@2027")).expect("changed");
        sign_in(&mut store, "TWKEL", "Taipei@2027").expect("signed in again");
    }
}
