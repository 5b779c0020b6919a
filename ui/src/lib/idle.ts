// When the screen locks for want of use: after the core's idle sign-out
// minutes without input, so the UI and the core agree on when a session is
// over. Pure, so tests need no clock.

/** Whether `minutes` (0: never) have passed between the last input and `now` (both in ms). */
export function idleExpired(lastInput: number, now: number, minutes: number): boolean {
  return minutes > 0 && now - lastInput >= minutes * 60_000;
}

/** The message of a lock for want of use, in the core's own words for an idle sign-out. */
export function idleMessage(username: string, minutes: number): string {
  return `${username} was signed out (${minutes} minutes without use); sign in again`;
}
