// The app's shared state: who is signed in, which screen is open, which card
// is in hand, and the station status the status bar shows. The screens and
// the duties that open them are listed once in screens.ts; this is also the
// one place that hears when any command finds the session over (signed out
// as idle, or nobody signed in) and goes back to the sign-in screen.

import { api, asCommandError, onSessionEnd, type CommandError } from "./api";
import type { SignedIn, StationStatus } from "./bindings";
import { idleExpired, idleMessage } from "./idle";
import { allows, homeScreen, visibleScreens, type Screen } from "./screens";

export { SCREENS, type Screen } from "./screens";

export const app = $state({
  screen: "queue" as Screen,
  /** The card the clerk is working on, shared by the card, check and encode screens. */
  passId: null as string | null,
  status: null as StationStatus | null,
  /** Who is signed in; null shows the sign-in screen. */
  user: null as SignedIn | null,
  /** Whether the start-up question "who is signed in?" has been answered. */
  sessionKnown: false,
  /** The home holds no station yet: the set-up screen shows until it is done. */
  setup: false,
  /** Why the sign-in screen is showing: the session ended (idle, or signed out elsewhere). */
  signInNotice: null as CommandError | null,
  /** Whose session just ended by itself, to fill in the sign-in form again (not after signing out on purpose). */
  lastUsername: "",
});

/** The menu entries the signed-in user may open. */
export function menu() {
  return visibleScreens(app.user?.duties ?? []);
}

/** Whether the signed-in user has `duty`. */
export function can(duty: SignedIn["duties"][number]): boolean {
  return app.user?.duties.includes(duty) ?? false;
}

export function open(screen: Screen, passId?: string): void {
  if (passId !== undefined) app.passId = passId;
  if (app.user && !allows(app.user.duties, screen)) return;
  app.screen = screen;
}

/** When the person at the station last pressed a key, clicked or scrolled (ms). */
let lastInput = Date.now();

/** Notes input (or work the officer is doing, like cards presented at the gate): puts off the idle lock. */
export function noteActivity(now = Date.now()): void {
  lastInput = now;
}

/**
 * Locks the screen after the core's idle sign-out minutes without input: the
 * core ends a session idle that long when next asked (current_user records it
 * as idle); one it still holds open (steps ran without input) is signed out.
 * Gives whether it locked.
 */
export async function lockIfIdle(now = Date.now()): Promise<boolean> {
  const user = app.user;
  if (!user || !idleExpired(lastInput, now, user.idle_sign_out_minutes)) return false;
  let open: SignedIn | null = null;
  try {
    open = await api.currentUser();
  } catch {
    open = null;
  }
  if (open) await api.signOut().catch(() => null);
  if (app.user && app.user.username !== user.username) return false;
  const notice: CommandError = {
    class: "auth",
    exit_code: 13,
    code: "auth.signed_out",
    params: { username: user.username },
    message: idleMessage(user.username, user.idle_sign_out_minutes),
  };
  endSession(notice, user.username);
  return true;
}

/** Starts a session for `user` (just signed in, or found at start-up). */
export function signedIn(user: SignedIn): void {
  noteActivity();
  // The same person back after their session ended by itself carries on where they were.
  const returning = user.username === (app.user?.username ?? app.lastUsername);
  app.user = user;
  app.signInNotice = null;
  app.lastUsername = "";
  if (!returning) app.passId = null;
  if (!returning || !allows(user.duties, app.screen)) app.screen = homeScreen(user.duties);
}

/** Back to the sign-in screen, saying why when there is something to say (then `username` is filled in again). */
export function endSession(notice: CommandError | null, username = app.user?.username ?? ""): void {
  app.lastUsername = notice ? username : "";
  app.user = null;
  // Signing out on purpose leaves no card in hand for the next person.
  if (!notice) app.passId = null;
  app.signInNotice = notice;
}

// Any command that finds the session over brings the sign-in screen back, with
// the core's message. "Nobody is signed in" while the sign-in screen already
// shows needs no notice.
onSessionEnd((error) => {
  if (!app.user && error.code === "auth.not_signed_in") return;
  endSession(error);
});

/** At start-up: an empty home opens the set-up screen; else whoever is still signed in carries on, or the sign-in screen. */
export async function resumeSession(): Promise<void> {
  try {
    if (!(await api.setupStatus()).enrolled) {
      app.setup = true;
      return;
    }
    const user = await api.currentUser();
    if (user) signedIn(user);
    else endSession(null);
  } catch (error) {
    const found = asCommandError(error);
    if (!app.user) app.signInNotice = found;
  } finally {
    app.sessionKnown = true;
  }
}

/** The set-up is done (or left for Settings): whoever set it up is signed out, and the sign-in screen follows. */
export async function finishSetup(): Promise<void> {
  if (app.user) await signOut();
  app.setup = false;
  await refreshStatus();
}

/** Signs out (a running gate stops first): the sign-in screen follows whatever the core says. */
export async function signOut(beforehand?: () => Promise<void>): Promise<void> {
  try {
    await beforehand?.();
  } catch {
    // The gate could not be stopped: signing out matters more.
  }
  try {
    await api.signOut();
  } catch {
    // Already signed out (idle) or the core failed: either way, nobody works on in this session.
  }
  endSession(null);
}

/** Fetches the status again (after any event that may change it). */
export async function refreshStatus(): Promise<void> {
  try {
    app.status = await api.status();
  } catch {
    // The status bar keeps what it showed; the screen that failed says why.
  }
}

/** Runs a step on card `passId` (check, encode): done, it becomes the card in hand and the status is fetched again. */
export async function cardStep<T>(passId: string, step: () => Promise<T>): Promise<{ result: T | null; error: CommandError | null }> {
  try {
    const result = await step();
    app.passId = passId;
    void refreshStatus();
    return { result, error: null };
  } catch (error) {
    return { result: null, error: asCommandError(error) };
  }
}
