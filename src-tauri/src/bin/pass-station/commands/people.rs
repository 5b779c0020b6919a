//! Signing in and out, and the password: the app keeps the one open session
//! of this workstation in memory (never on disk) and hands it to each step.

use pass_station::Station;
use pass_station::auth::{Duty, Session};
use pass_station::demo::DemoUser;
use pass_station::model::Role;
use serde::Serialize;
use tauri::AppHandle;

use super::{Answer, block_on, with_station};

/// Who is signed in, and what they may do today.
#[derive(Debug, Serialize)]
pub struct SignedIn {
    username: String,
    display_name: String,
    roles: Vec<Role>,
    /// Each duty the user has today, by role or by a supervisor's delegation.
    duties: Vec<Duty>,
    /// The supervisor whose approval rights the user holds today, if any.
    delegated_by: Option<String>,
    /// After this many minutes without a step the core signs the user out;
    /// the UI locks its screen after as long without input.
    idle_sign_out_minutes: u32,
}

fn signed_in(station: &Station, session: &Session) -> SignedIn {
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

/// Signs a user in (at central when it answers, else offline); ends the
/// session of whoever was signed in here before.
#[tauri::command]
pub async fn sign_in(app: AppHandle, username: String, password: String) -> Answer<SignedIn> {
    with_station(app, move |station, state| {
        state.end_gate();
        let session = block_on(station.sign_in(&username, &password))?;
        let user = signed_in(station, &session);
        state.keep_session(session);
        Ok(user)
    })
    .await
}

/// Signs the user out and stops the gate if it runs.
#[tauri::command]
pub async fn sign_out(app: AppHandle) -> Answer<()> {
    with_station(app, |station, state| {
        state.end_gate();
        match state.forget_session() {
            Some(session) => station.sign_out(&session),
            None => Ok(()),
        }
    })
    .await
}

/// Who is signed in, or nobody (also when the session has ended, idle).
#[tauri::command]
pub async fn current_user(app: AppHandle) -> Answer<Option<SignedIn>> {
    with_station(app, |station, state| {
        let Ok(session) = state.signed_in() else {
            return Ok(None);
        };
        match station.resume_session(session.token()) {
            Ok(session) => Ok(Some(signed_in(station, &session))),
            Err(pass_station::StationError::Auth(_)) => {
                state.forget_session();
                Ok(None)
            }
            Err(other) => Err(other),
        }
    })
    .await
}

/// Changes a password at central (online only); this also unfreezes an account.
#[tauri::command]
pub async fn change_password(
    app: AppHandle,
    username: String,
    old_password: String,
    new_password: String,
) -> Answer<()> {
    with_station(app, move |station, _| {
        block_on(station.change_password(&username, &old_password, &new_password))
    })
    .await
}

/// The demo's users with their passwords, for the sign-in screen's help; none outside the demo.
#[tauri::command]
pub fn demo_users(state: tauri::State<'_, crate::AppState>) -> Vec<DemoUser> {
    state.demo.as_ref().map_or_else(Vec::new, |demo| demo.users.clone())
}
