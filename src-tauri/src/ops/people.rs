//! Signing in and out, who is signed in and what they may do today, and
//! changing a password. Where a session is kept between steps is the
//! shell's business (the app's memory, `passctl`'s owner-only file); here a
//! session is opened, resumed and ended.

use serde::Serialize;

use crate::auth::{Duty, Session};
use crate::model::Role;
use crate::{Station, StationError};

/// Who is signed in, and what they may do today.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SignedIn {
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    /// Each duty the user has today, by role or by a supervisor's delegation.
    pub duties: Vec<Duty>,
    /// The supervisor whose approval rights the user holds today, if any.
    pub delegated_by: Option<String>,
    /// After this many minutes without a step the core signs the user out;
    /// the app locks its screen after as long without input.
    pub idle_sign_out_minutes: u32,
}

impl SignedIn {
    fn of(station: &Station, session: &Session) -> SignedIn {
        let duties = Duty::ALL
            .into_iter()
            .filter(|duty| station.actor_for(session, *duty).is_ok())
            .collect();
        let delegated_by = station
            .actor_for(session, Duty::Approve)
            .ok()
            .and_then(|actor| actor.delegated_by);
        SignedIn {
            username: session.username.clone(),
            display_name: session.display_name.clone(),
            roles: session.roles.clone(),
            duties,
            delegated_by,
            idle_sign_out_minutes: station.config().idle_sign_out_minutes,
        }
    }
}

/// Signs a user in (at central when it answers, else offline); gives the
/// session for the shell to keep and who is signed in.
pub async fn sign_in(
    station: &mut Station,
    username: &str,
    password: &str,
) -> Result<(Session, SignedIn), StationError> {
    let session = station.sign_in(username, password).await?;
    let user = SignedIn::of(station, &session);
    Ok((session, user))
}

/// Who holds `session`, if it is still open (this puts off the idle
/// sign-out); `None` once it has ended, so the shell forgets it.
pub fn current(station: &mut Station, session: &Session) -> Result<Option<(Session, SignedIn)>, StationError> {
    match station.resume_session(session.token()) {
        Ok(session) => {
            let user = SignedIn::of(station, &session);
            Ok(Some((session, user)))
        }
        Err(StationError::Auth(_)) => Ok(None),
        Err(other) => Err(other),
    }
}

/// Resumes a kept session for a step that needs `duty`.
pub fn resume(station: &mut Station, token: &str, duty: Duty) -> Result<Session, StationError> {
    let session = station.resume_session(token)?;
    station.actor_for(&session, duty)?;
    Ok(session)
}

pub fn sign_out(station: &mut Station, session: &Session) -> Result<(), StationError> {
    station.sign_out(session)
}

/// Changes a password at central (online only); this also unfreezes an account.
pub async fn change_password(station: &mut Station, username: &str, old: &str, new: &str) -> Result<(), StationError> {
    station.change_password(username, old, new).await
}

/// A user the sign-in screen lists with their password: the demo's people,
/// whose passwords are made up for the run. Outside the demo there are none.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct DemoUser {
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    pub password: String,
}
