//! Signing in and out at a terminal, and the password.

use pass_station::StationError;
use pass_station::auth::Duty;
use pass_station::ops::people::{self, SignedIn};

use super::{Context, Outcome, session};

#[derive(Debug, clap::Args)]
pub struct LoginArgs {
    #[arg(long, value_name = "NAME")]
    user: String,
    /// Read the password from standard input instead of the terminal.
    #[arg(long)]
    password_stdin: bool,
}

fn roles_line(user: &SignedIn) -> String {
    format!(
        "{} ({}), roles: {}",
        user.username,
        user.display_name,
        pass_station::auth::roles_text(&user.roles)
    )
}

pub async fn login(ctx: &Context, args: LoginArgs) -> Result<Outcome, StationError> {
    let mut station = ctx.station()?;
    let password = session::Passwords::new(args.password_stdin).read(&format!("password for {}: ", args.user))?;
    let (session, user) = people::sign_in(&mut station, &args.user, &password).await?;
    session::keep(&station, &session)?;
    ctx.out.say(&user, |u| format!("signed in as {}", roles_line(u)));
    Ok(Outcome::Done)
}

pub fn logout(ctx: &Context) -> Result<Outcome, StationError> {
    let mut station = ctx.station()?;
    if let Ok(current) = session::signed_in(&mut station, Duty::Read) {
        people::sign_out(&mut station, &current)?;
        println!("{} signed out", current.username);
    }
    session::forget(&station)?;
    Ok(Outcome::Done)
}

pub fn whoami(ctx: &Context) -> Result<Outcome, StationError> {
    let (mut station, session) = ctx.signed_in(Duty::Read)?;
    let (_, user) = people::current(&mut station, &session)?.ok_or(pass_station::auth::AuthError::NotSignedIn)?;
    ctx.out.say(&user, roles_line);
    Ok(Outcome::Done)
}

#[derive(Debug, clap::Args)]
pub struct PasswordArgs {
    #[arg(long, value_name = "NAME")]
    user: String,
    /// Read the old and the new password, one per line, from standard input.
    #[arg(long)]
    password_stdin: bool,
}

pub async fn password(ctx: &Context, args: PasswordArgs) -> Result<Outcome, StationError> {
    let mut station = ctx.station()?;
    let passwords = session::Passwords::new(args.password_stdin);
    let old = passwords.read("current password: ")?;
    let new = passwords.read("new password: ")?;
    people::change_password(&mut station, &args.user, &old, &new).await?;
    println!("password changed for {}; sign in with the new one", args.user);
    Ok(Outcome::Done)
}
