//! Signing in and out, and the password: the app keeps the one open session
//! of this workstation in memory (never on disk) and hands it to each step.

use pass_station::ops::people::{self, DemoUser, SignedIn};
use tauri::AppHandle;

use super::{Answer, block_on, with_station};

/// Signs a user in (at central when it answers, else offline); ends the
/// session of whoever was signed in here before.
#[tauri::command]
pub async fn sign_in(app: AppHandle, username: String, password: String) -> Answer<SignedIn> {
    with_station(app, move |station, state| {
        state.end_gate();
        let (session, user) = block_on(people::sign_in(station, &username, &password))?;
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
            Some(session) => people::sign_out(station, &session),
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
        let current = people::current(station, &session)?;
        if current.is_none() {
            state.forget_session();
        }
        Ok(current.map(|(_, user)| user))
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
        block_on(people::change_password(
            station,
            &username,
            &old_password,
            &new_password,
        ))
    })
    .await
}

/// The demo's users with their passwords, for the sign-in screen's help; none outside the demo.
#[tauri::command]
pub fn demo_users(state: tauri::State<'_, crate::state::AppState>) -> Vec<DemoUser> {
    state.demo_users.clone()
}
