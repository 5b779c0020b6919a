//! Users, roles and sessions: who is at the station, and what they may do.
//!
//! Why it works this way:
//! - Central decides who may sign in and with which roles. A sign-in goes to
//!   central whenever it can be reached; the station then keeps an Argon2id
//!   hash of that password, so the same user can sign in while the network
//!   is down. Someone who never signed in online cannot sign in offline.
//! - Five wrong passwords in a row lock the account here for 15 minutes
//!   (central keeps its own count too); an account unused for 90 days is
//!   frozen until its password is changed, which needs central.
//! - A session ends when its user signs out, when someone else signs in at
//!   the workstation, or after the configured minutes without use. Every
//!   step asks for a [`Duty`]; the roles that carry it are fixed (in
//!   [`crate::policy`]), and a supervisor can lend the approval duty to
//!   another user for some days.
//!
//! What it is not for: storing passwords (only their hashes), or deciding
//! the password rules, which central owns ([`check_password_rules`] is the
//! same rule, checked early so the user hears about it at once). The account
//! rules, the duties and the refusals themselves are [`crate::policy`]'s,
//! re-exported here; this module applies them.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use pass_central::api::{PasswordChange, SignInRequest, error_code};
use pass_central::client::CentralError;
pub use pass_central::model::check_password_rules;
use serde::Serialize;
use sha2::{Digest, Sha256};
use time::{Date, Duration, OffsetDateTime};

use crate::credentials::OFFICE_UTC_OFFSET;
use crate::model::Role;
pub use crate::policy::{AuthError, Duty, FREEZE_AFTER, LOCK_AFTER_FAILURES, LOCKOUT, roles_text};
use crate::store::{Colleague, Delegation, SignIn, rfc3339};
use crate::{Station, StationError};

/// How often a session's last use is written: not at every step, so a
/// search does not wait on the disk. An idle sign-out may come this much
/// before the idle time has quite passed.
const SESSION_TOUCH_EVERY: Duration = Duration::seconds(30);

/// A signed-in user. The token is the only proof of the sign-in and is not
/// stored anywhere by the station (it keeps its hash), so it is not printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    token: String,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("username", &self.username)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// The token, for a shell that keeps the session between commands.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The roles as people read them: "clerk, supervisor".
    pub fn roles_text(&self) -> String {
        roles_text(&self.roles)
    }
}

/// Who a step is recorded as: the user, and the supervisor whose rights a
/// delegate used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub username: String,
    pub delegated_by: Option<String>,
}

impl Actor {
    /// A step's audit detail with the delegation named, when there was one.
    pub(crate) fn detail(&self, mut detail: serde_json::Value) -> serde_json::Value {
        if let Some(delegator) = &self.delegated_by {
            detail["delegated_by"] = delegator.clone().into();
        }
        detail
    }
}

fn token_sha256(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> Result<String, StationError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| StationError::SignerKey(format!("no random source: {e}")))?;
    Ok(hex::encode(bytes))
}

/// The office day (Taiwan time) of an instant.
pub fn office_day(at: OffsetDateTime) -> Date {
    at.to_offset(OFFICE_UTC_OFFSET).date()
}

/// An office day as the RFC 3339 UTC instants the store's records compare
/// with: its start, and the next day's start.
pub fn office_day_bounds(day: Date) -> (String, String) {
    let start_of = |date: Date| {
        rfc3339(
            date.midnight()
                .assume_offset(OFFICE_UTC_OFFSET)
                .to_offset(time::UtcOffset::UTC),
        )
    };
    (start_of(day), start_of(day.next_day().unwrap_or(day)))
}

impl Station {
    /// Signs a user in: at central when it answers, else offline against the
    /// hash kept from the user's last online sign-in.
    pub async fn sign_in(&mut self, username: &str, password: &str) -> Result<Session, StationError> {
        let username = username.trim();
        let now = self.now();
        let known = self.store().user(username)?;
        if let Some(until) = known.as_ref().and_then(|u| u.locked_until)
            && until > now
        {
            return Err(AuthError::Locked {
                username: username.to_owned(),
                until: Some(rfc3339(until)),
            }
            .into());
        }
        let request = SignInRequest {
            username: username.to_owned(),
            password: password.to_owned(),
        };
        let answer = self.client()?.sign_in(&request).await;
        let token = new_token()?;
        let at = rfc3339(now);
        let (profile, hash, mode) = match answer {
            Ok(profile) => {
                let hash = Argon2::default()
                    .hash_password(password.as_bytes())
                    .map_err(|e| StationError::SignerKey(format!("cannot hash the password: {e}")))?
                    .to_string();
                (profile, Some(hash), "online")
            }
            Err(CentralError::Api { code, .. }) if code == error_code::BAD_CREDENTIALS => {
                return Err(self.failed_sign_in(username)?);
            }
            Err(CentralError::Api { code, .. }) if code == error_code::ACCOUNT_LOCKED => {
                return Err(AuthError::Locked {
                    username: username.to_owned(),
                    until: None,
                }
                .into());
            }
            Err(CentralError::Api { code, .. }) if code == error_code::ACCOUNT_FROZEN => {
                return Err(AuthError::Frozen {
                    username: username.to_owned(),
                }
                .into());
            }
            Err(e) if e.is_transient() => {
                let Some(user) = known else {
                    return Err(AuthError::UnknownOffline {
                        username: username.to_owned(),
                    }
                    .into());
                };
                if now - user.last_sign_in_at > FREEZE_AFTER {
                    return Err(AuthError::Frozen {
                        username: username.to_owned(),
                    }
                    .into());
                }
                if Argon2::default()
                    .verify_password(password.as_bytes(), user.password_hash.as_str())
                    .is_err()
                {
                    return Err(self.failed_sign_in(username)?);
                }
                let profile = pass_central::api::UserProfile {
                    username: user.username,
                    display_name: user.display_name,
                    roles: user.roles,
                    office: self.config().office.clone(),
                };
                (profile, None, "offline")
            }
            Err(source) => {
                return Err(StationError::Central {
                    stage: "signing in".to_owned(),
                    source,
                });
            }
        };
        self.store_mut().record_sign_in(&SignIn {
            username: &profile.username,
            display_name: &profile.display_name,
            roles: &profile.roles,
            password_hash: hash.as_deref(),
            token_sha256: &token_sha256(&token),
            at: &at,
            mode,
        })?;
        Ok(Session {
            token,
            username: profile.username,
            display_name: profile.display_name,
            roles: profile.roles,
        })
    }

    /// Counts a wrong password and gives the refusal to show: the tries left
    /// before the lock, or until when it is locked.
    fn failed_sign_in(&mut self, username: &str) -> Result<StationError, StationError> {
        let until = rfc3339(self.now() + LOCKOUT);
        let (failures, locked) = self
            .store_mut()
            .record_failed_sign_in(username, LOCK_AFTER_FAILURES, &until)?;
        Ok(match locked {
            Some(until) => AuthError::Locked {
                username: username.to_owned(),
                until: Some(until),
            },
            None => AuthError::BadCredentials {
                tries_left: failures.map(|n| LOCK_AFTER_FAILURES.saturating_sub(n)),
            },
        }
        .into())
    }

    /// The session a token stands for, if it is still open; using it puts
    /// off its idle sign-out. A session idle too long is ended here.
    pub fn resume_session(&mut self, token: &str) -> Result<Session, StationError> {
        let hash = token_sha256(token);
        let record = self.store().session(&hash)?.ok_or(AuthError::NotSignedIn)?;
        if let Some((_, why)) = record.ended {
            return Err(AuthError::SignedOut {
                username: record.username,
                why,
            }
            .into());
        }
        let now = self.now();
        let idle = Duration::minutes(i64::from(self.config().idle_sign_out_minutes));
        if now - record.last_active_at > idle {
            self.store_mut().end_session(&hash, &rfc3339(now), "idle")?;
            return Err(AuthError::SignedOut {
                username: record.username,
                why: format!("{} minutes without use", idle.whole_minutes()),
            }
            .into());
        }
        if now - record.last_active_at >= SESSION_TOUCH_EVERY {
            self.store().touch_session(&hash, &rfc3339(now))?;
        }
        let user = self
            .store()
            .user(&record.username)?
            .ok_or_else(|| StationError::Corrupt(format!("session of unknown user {}", record.username)))?;
        Ok(Session {
            token: token.to_owned(),
            username: user.username,
            display_name: user.display_name,
            roles: user.roles,
        })
    }

    /// Checks that the session is still open and may take a step that needs
    /// `duty`; gives who the step is recorded as.
    pub fn authorise(&mut self, session: &Session, duty: Duty) -> Result<Actor, StationError> {
        let session = self.resume_session(&session.token)?;
        self.actor_for(&session, duty)
    }

    /// Who takes a step that needs `duty` for an open session: the user by
    /// their roles, or by a supervisor's delegation for today.
    pub fn actor_for(&self, session: &Session, duty: Duty) -> Result<Actor, StationError> {
        if duty.roles().iter().any(|role| session.roles.contains(role)) {
            return Ok(Actor {
                username: session.username.clone(),
                delegated_by: None,
            });
        }
        if duty == Duty::Approve {
            let today = office_day(self.now()).to_string();
            if let Some(delegator) = self.store().delegator_for(&session.username, &today)? {
                return Ok(Actor {
                    username: session.username.clone(),
                    delegated_by: Some(delegator),
                });
            }
        }
        Err(AuthError::Forbidden {
            roles: session.roles.clone(),
            username: session.username.clone(),
            duty,
        }
        .into())
    }

    /// A supervisor's approval given at someone else's workstation (a
    /// hand-over to someone the pass system does not name): their password,
    /// checked against the hash kept from their last sign-in here, under the
    /// same lockout as a sign-in, without ending the session at the desk.
    /// Gives who approved, by their role or a delegation for today.
    pub(crate) fn confirm_approver(&mut self, username: &str, password: &str) -> Result<Actor, StationError> {
        let username = username.trim();
        let now = self.now();
        let Some(user) = self.store().user(username)? else {
            return Err(AuthError::UnknownOffline {
                username: username.to_owned(),
            }
            .into());
        };
        if let Some(until) = user.locked_until
            && until > now
        {
            return Err(AuthError::Locked {
                username: username.to_owned(),
                until: Some(rfc3339(until)),
            }
            .into());
        }
        if Argon2::default()
            .verify_password(password.as_bytes(), user.password_hash.as_str())
            .is_err()
        {
            return Err(self.failed_sign_in(username)?);
        }
        let approver = Session {
            token: String::new(),
            username: user.username,
            display_name: user.display_name,
            roles: user.roles,
        };
        self.actor_for(&approver, Duty::Approve)
    }

    /// Ends the session.
    pub fn sign_out(&mut self, session: &Session) -> Result<(), StationError> {
        let at = rfc3339(self.now());
        Ok(self
            .store_mut()
            .end_session(&token_sha256(&session.token), &at, "signed_out")?)
    }

    /// Changes a user's password at central (which unfreezes the account);
    /// needs the network. The new password must meet the port's rules.
    pub async fn change_password(&mut self, username: &str, old: &str, new: &str) -> Result<(), StationError> {
        check_password_rules(new).map_err(AuthError::from)?;
        let change = PasswordChange {
            username: username.trim().to_owned(),
            old_password: old.to_owned(),
            new_password: new.to_owned(),
        };
        match self.client()?.change_password(&change).await {
            Ok(()) => Ok(()),
            Err(CentralError::Api { code, .. }) if code == error_code::BAD_CREDENTIALS => {
                Err(self.failed_sign_in(username.trim())?)
            }
            Err(source) => Err(StationError::Central {
                stage: "changing the password".to_owned(),
                source,
            }),
        }
    }

    /// Whom the signed-in supervisor may lend the approval duty to: every
    /// other user who has signed in at this station.
    pub(crate) fn delegate_candidates(&mut self, session: &Session) -> Result<Vec<Colleague>, StationError> {
        let actor = self.authorise(session, Duty::Delegate)?;
        let mut known = self.store().colleagues()?;
        known.retain(|colleague| colleague.username != actor.username);
        Ok(known)
    }

    /// Lends the signed-in supervisor's approval duty to `to` for office days
    /// `first_day` to `last_day`; recorded in the audit trail and sent to central.
    pub(crate) fn delegate(
        &mut self,
        session: &Session,
        to: &str,
        first_day: Date,
        last_day: Date,
    ) -> Result<Delegation, StationError> {
        let actor = self.authorise(session, Duty::Delegate)?;
        let refuse = |refusal: AuthError| Err(refusal.into());
        if to == actor.username {
            return refuse(AuthError::DelegateToSelf);
        }
        if last_day < first_day {
            return refuse(AuthError::DelegationBackwards { first_day, last_day });
        }
        if last_day < office_day(self.now()) {
            return refuse(AuthError::DelegationPast { last_day });
        }
        if self.store().user(to)?.is_none() {
            return refuse(AuthError::DelegateUnknown {
                username: to.to_owned(),
            });
        }
        let delegation = Delegation {
            delegator: actor.username,
            delegate: to.to_owned(),
            first_day: first_day.to_string(),
            last_day: last_day.to_string(),
            created_at: self.now(),
        };
        self.store_mut().add_delegation(&delegation)?;
        Ok(delegation)
    }
}
