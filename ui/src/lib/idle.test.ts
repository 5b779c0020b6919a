// The screen locks after the core's idle minutes without input, never for 0.
import { describe, expect, it } from "vitest";
import { idleExpired, idleMessage } from "./idle";

describe("idle", () => {
  const MINUTE = 60_000;

  it("expires at the core's minutes, not before", () => {
    expect(idleExpired(0, 15 * MINUTE - 1, 15)).toBe(false);
    expect(idleExpired(0, 15 * MINUTE, 15)).toBe(true);
  });

  it("never expires when the core sets no idle sign-out", () => {
    expect(idleExpired(0, 1000 * MINUTE, 0)).toBe(false);
  });

  it("says who was signed out and why, as the core does", () => {
    expect(idleMessage("demo-clerk", 15)).toBe("demo-clerk was signed out (15 minutes without use); sign in again");
  });
});
