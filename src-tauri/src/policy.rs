//! The station's rules about people: the account rules, the duties a step
//! needs and the roles that carry them, and the refusals of the person
//! ([`AuthError`], and [`PickupRefusal`] for a pick-up code at the counter)
//! with what to do about each.
//!
//! What it is for: the rules and words the station's errors need about
//! people, below everything that signs in or returns errors, so that the
//! error kinds ([`crate::error`]) can name a refusal without depending on
//! the sign-in machinery. [`crate::auth`] applies these rules and re-exports
//! them under its own name.
//!
//! What it is not for: signing in, sessions, delegations or anything kept
//! in the cache or asked of central (that is [`crate::auth`]), or the
//! password rules, which central owns.

use serde::Serialize;
use time::{Date, Duration};

use crate::model::Role;

/// Wrong passwords in a row that lock an account.
pub const LOCK_AFTER_FAILURES: u32 = 5;
/// How long a locked account stays locked.
pub const LOCKOUT: Duration = Duration::minutes(15);
/// An account without a sign-in for this long is frozen.
pub const FREEZE_AFTER: Duration = Duration::days(90);

/// What a step needs of the person taking it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[derive(ts_rs::TS)]
pub enum Duty {
    /// See the queue and the records (personal data): anyone signed in.
    Read,
    /// Print, check prints, encode, spoil, hand over.
    Issue,
    /// Release, reprint, void: a supervisor, or a delegate.
    Approve,
    /// Lend the approval duty: a supervisor in their own right.
    Delegate,
    /// Check cards (the gate, the counter).
    Check,
    /// Station set-up such as the chip keys.
    Administer,
    /// Export the audit trail.
    Audit,
}

impl Duty {
    pub const ALL: [Duty; 7] = [
        Duty::Read,
        Duty::Issue,
        Duty::Approve,
        Duty::Delegate,
        Duty::Check,
        Duty::Administer,
        Duty::Audit,
    ];

    /// The roles that carry the duty in their own right.
    pub(crate) fn roles(self) -> &'static [Role] {
        match self {
            Duty::Read => &Role::ALL,
            Duty::Issue => &[Role::Clerk, Role::Supervisor],
            Duty::Approve | Duty::Delegate => &[Role::Supervisor],
            Duty::Check => &[Role::GateOfficer, Role::Clerk, Role::Supervisor],
            Duty::Administer => &[Role::Admin],
            Duty::Audit => &[Role::Supervisor, Role::Admin],
        }
    }

    /// What the duty lets one do and who has it, for a refusal.
    fn describe(self) -> &'static str {
        match self {
            Duty::Read => "see the station's records (any signed-in user)",
            Duty::Issue => "issue cards (a clerk or a supervisor)",
            Duty::Approve => "release, reprint or void cards (a supervisor, or a user a supervisor delegated to)",
            Duty::Delegate => "delegate approval rights (a supervisor)",
            Duty::Check => "check cards (a gate officer, a clerk or a supervisor)",
            Duty::Administer => "change the station's set-up (an administrator)",
            Duty::Audit => "export the audit trail (a supervisor or an administrator)",
        }
    }
}

/// Why a sign-in or a step was refused for the person, with what to do.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// A wrong password, with the tries left before the account locks when
    /// the station knows them (a user who signed in here before).
    #[error("the user name or password is wrong; {}", tries_advice(*.tries_left))]
    BadCredentials { tries_left: Option<u32> },
    /// Locked until `until` (RFC 3339) when the station knows it; central
    /// says only that the account is locked.
    #[error(
        "{username} is locked after repeated wrong passwords {}; wait, or ask an administrator to unlock it",
        until.as_ref().map_or_else(|| format!("for up to {} minutes", LOCKOUT.whole_minutes()), |u| format!("until {u}"))
    )]
    Locked { username: String, until: Option<String> },
    #[error(
        "{username} has not signed in for {} days and is frozen; change the password while online to \
         unfreeze it",
        FREEZE_AFTER.whole_days()
    )]
    Frozen { username: String },
    #[error(
        "the central pass API cannot be reached and {username} has never signed in at this station while \
         online; sign in once the network is back"
    )]
    UnknownOffline { username: String },
    #[error("nobody is signed in at this station; sign in first")]
    NotSignedIn,
    #[error("{username} was signed out ({why}); sign in again")]
    SignedOut { username: String, why: String },
    #[error("{username} ({}) may not {}", roles_text(.roles), .duty.describe())]
    Forbidden {
        username: String,
        roles: Vec<Role>,
        duty: Duty,
    },
    #[error(
        "{username} wrote the chip of {pass_id} and so cannot release it too (two-person rule); another \
         supervisor must release it"
    )]
    TwoPerson { username: String, pass_id: String },
    #[error("a supervisor cannot delegate to themself")]
    DelegateToSelf,
    #[error("the delegation ends ({last_day}) before it starts ({first_day})")]
    DelegationBackwards { first_day: Date, last_day: Date },
    #[error("the delegation's last day {last_day} is already past")]
    DelegationPast { last_day: Date },
    #[error("{username} has never signed in at this station; they must sign in once before they can be delegated to")]
    DelegateUnknown { username: String },
    #[error(transparent)]
    WeakPassword(#[from] pass_central::model::PasswordRuleError),
}

/// What a wrong password leads to: how many more lock the account.
fn tries_advice(tries_left: Option<u32>) -> String {
    let minutes = LOCKOUT.whole_minutes();
    match tries_left {
        Some(1) => format!("one more wrong try locks the account for {minutes} minutes"),
        Some(n) => format!("{n} more wrong tries in a row lock the account for {minutes} minutes"),
        None => format!("after {LOCK_AFTER_FAILURES} wrong tries in a row the account locks for {minutes} minutes"),
    }
}

/// Roles as people read them: "clerk, supervisor".
pub fn roles_text(roles: &[Role]) -> String {
    let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    names.join(", ")
}

/// Why a pick-up code shown at the counter does not let this recipient take a card.
#[derive(Debug, thiserror::Error)]
pub enum PickupRefusal {
    #[error(transparent)]
    Invalid(#[from] pass_credential::PickupError),
    #[error("the pick-up code for {pass_id} was already used, at {used_at}; a code is good for one hand-over")]
    Used { pass_id: String, used_at: String },
    #[error(
        "the pick-up code is for {pass_id}, which is not among the cards picked; pick that card, or scan its own code"
    )]
    OtherCard { pass_id: String },
    #[error(
        "the pick-up code is for an older card of {pass_id} (version {code_version}, now {version}); the company \
         receives a new code when the new card is released"
    )]
    OldVersion {
        pass_id: String,
        code_version: u32,
        version: u32,
    },
    #[error(
        "the pick-up code is for the company's delegate {delegate}, not {recipient}; check the name against the ID \
         document"
    )]
    OtherPerson { delegate: String, recipient: String },
}
