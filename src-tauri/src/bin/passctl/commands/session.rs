//! Keeping a sign-in between `passctl` runs, and reading passwords.
//!
//! Each `passctl` run is a new process, so the session token is kept in the
//! station home as `session` (readable by its owner only), next to the
//! station key; the cache holds only the token's hash. `passctl logout`, the
//! next `login`, or the idle limit ends it.

use std::io::BufRead;
use std::path::PathBuf;

use pass_station::auth::{AuthError, Duty, Session};
use pass_station::{Station, StationError};

fn session_path(station: &Station) -> PathBuf {
    station.home().dir().join("session")
}

/// The signed-in user's session, checked for `duty`; gives the session and
/// who the step is recorded as.
pub fn signed_in(station: &mut Station, duty: Duty) -> Result<Session, StationError> {
    let path = session_path(station);
    let token = match std::fs::read_to_string(&path) {
        Ok(token) => token,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(AuthError::NotSignedIn.into()),
        Err(source) => {
            return Err(StationError::Io {
                action: "read the session",
                path,
                source,
            });
        }
    };
    pass_station::ops::people::resume(station, token.trim(), duty)
}

/// Keeps a new session for the next runs.
pub fn keep(station: &Station, session: &Session) -> Result<(), StationError> {
    let path = session_path(station);
    pass_station::station::write_secret(&path, session.token().as_bytes())
}

/// Forgets the kept session, if any.
pub fn forget(station: &Station) -> Result<(), StationError> {
    let path = session_path(station);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(StationError::Io {
            action: "remove the session",
            path,
            source,
        }),
    }
}

/// Where passwords come from: the terminal (not echoed), or one per line on
/// standard input for scripts.
pub struct Passwords {
    from_stdin: bool,
}

impl Passwords {
    pub fn new(from_stdin: bool) -> Passwords {
        Passwords { from_stdin }
    }

    pub fn read(&self, prompt: &str) -> Result<String, StationError> {
        let io = |source| StationError::Io {
            action: "read the password",
            path: PathBuf::from(if self.from_stdin {
                "standard input"
            } else {
                "the terminal"
            }),
            source,
        };
        if self.from_stdin {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).map_err(io)?;
            return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
        }
        rpassword::prompt_password(prompt).map_err(io)
    }
}
