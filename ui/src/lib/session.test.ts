// Any command that finds the session over (idle sign-out, nobody signed in)
// brings back the sign-in screen, decided in one place: the screens only
// call the API. The Tauri bridge is replaced by a fake that answers as the
// core would.
import { beforeEach, describe, expect, it, vi } from "vitest";

const answers = vi.hoisted(() => ({ next: [] as ((args: unknown) => unknown)[] }));
vi.mock("@tauri-apps/api/core", () => ({
  invoke: vi.fn(async (_command: string, args: unknown) => {
    const answer = answers.next.shift();
    if (!answer) throw new Error("no answer queued");
    return answer(args);
  }),
}));

import { api, endsSession, failure, reasonText, type CommandError } from "./api";
import type { ErrorCode, SignedIn } from "./bindings";
import { app, endSession, finishSetup, lockIfIdle, noteActivity, open, resumeSession, signedIn, signOut } from "./app.svelte";

const enrolled = () => ({ enrolled: true, chip_keys: "office" });

const clerk: SignedIn = {
  username: "clerk1",
  display_name: "陳承辦",
  roles: ["clerk"],
  duties: ["read", "issue", "check"],
  delegated_by: null,
  idle_sign_out_minutes: 15,
};
const supervisor: SignedIn = {
  username: "super1",
  display_name: "林主管",
  roles: ["supervisor"],
  duties: ["read", "issue", "approve", "delegate", "check", "audit"],
  delegated_by: null,
  idle_sign_out_minutes: 15,
};
const gateOfficer: SignedIn = { ...clerk, username: "gate1", roles: ["gate_officer"], duties: ["read", "check"] };

const auth = (code: Extract<ErrorCode, `auth.${string}`>, message = "refused"): CommandError => ({
  class: "auth",
  exit_code: 13,
  code,
  params: {},
  message,
});
const refuse = (error: CommandError) => () => {
  throw error;
};

beforeEach(() => {
  answers.next = [];
  endSession(null);
  app.screen = "queue";
});

describe("which failures end the session", () => {
  it("are nobody signed in and signed out, nothing else", () => {
    expect(endsSession(auth("auth.not_signed_in"))).toBe(true);
    expect(endsSession(auth("auth.signed_out"))).toBe(true);
    for (const code of ["auth.bad_credentials", "auth.locked", "auth.frozen", "auth.forbidden", "auth.two_person", "auth.delegate_unknown", "auth.weak_password"] as const) {
      expect(endsSession(auth(code)), code).toBe(false);
    }
    expect(endsSession({ class: "offline", exit_code: 4, code: "central.unreachable", params: {}, message: "down" })).toBe(false);
  });

  it("wraps anything thrown as a CommandError", () => {
    expect(failure("boom")).toEqual({ class: "failure", exit_code: 1, code: "unexpected", params: {}, message: "boom" });
  });
});

describe("the session in the app's state", () => {
  it("goes back to sign-in, with the core's message, when any command finds an idle sign-out", async () => {
    signedIn(clerk);
    const idle = auth("auth.signed_out", "clerk1 was signed out (15 minutes without use); sign in again");
    answers.next.push(refuse(idle));
    await expect(api.queue("", ["approved"], 10)).rejects.toEqual(idle);
    expect(app.user).toBeNull();
    expect(app.signInNotice).toEqual(idle);
    expect(app.lastUsername).toBe("clerk1");
  });

  it("goes back to sign-in from a raw-body command too (a gate photo)", async () => {
    signedIn(gateOfficer);
    answers.next.push(refuse(auth("auth.not_signed_in")));
    await expect(api.gateCheckImage(new ArrayBuffer(4))).rejects.toMatchObject({ code: "auth.not_signed_in" });
    expect(app.user).toBeNull();
    expect(app.signInNotice?.code).toBe("auth.not_signed_in");
  });

  it("stays signed in after other refusals", async () => {
    signedIn(clerk);
    answers.next.push(refuse(auth("auth.forbidden")));
    await expect(api.release("KEL-2026-000001", "PP2:SCANNED")).rejects.toMatchObject({ code: "auth.forbidden" });
    expect(app.user?.username).toBe("clerk1");
    expect(app.signInNotice).toBeNull();
  });

  it("shows no notice for 'nobody signed in' while the sign-in screen shows already", async () => {
    answers.next.push(refuse(auth("auth.not_signed_in")));
    await expect(api.demoUsers()).rejects.toBeTruthy();
    expect(app.signInNotice).toBeNull();
  });

  it("opens the set-up screen at start-up on a home with no station, and sign-in once it is done", async () => {
    answers.next.push(() => ({ enrolled: false, chip_keys: null }));
    await resumeSession();
    expect(app.sessionKnown).toBe(true);
    expect(app.setup).toBe(true);
    expect(app.user).toBeNull();
    signedIn(supervisor);
    answers.next.push(() => null, () => null);
    await finishSetup();
    expect(app.setup).toBe(false);
    expect(app.user).toBeNull();
  });

  it("carries on at start-up with whoever is still signed in", async () => {
    answers.next.push(enrolled, () => gateOfficer);
    await resumeSession();
    expect(app.sessionKnown).toBe(true);
    expect(app.user?.username).toBe("gate1");
    expect(app.screen).toBe("gate");
  });

  it("shows sign-in at start-up when nobody is signed in", async () => {
    answers.next.push(enrolled, () => null);
    await resumeSession();
    expect(app.user).toBeNull();
  });

  it("does not open a screen the user's duties do not allow", () => {
    signedIn(clerk);
    open("supervisor");
    expect(app.screen).toBe("queue");
    open("handover");
    expect(app.screen).toBe("handover");
  });

  it("starts a different user on their home screen, without the last user's card", () => {
    signedIn(supervisor);
    open("supervisor", "KEL-2026-000001");
    endSession(null);
    signedIn(gateOfficer);
    expect(app.screen).toBe("gate");
    expect(app.passId).toBeNull();
  });

  it("signs out even when the core says the session had already ended", async () => {
    signedIn(clerk);
    const stopped: string[] = [];
    answers.next.push(refuse(auth("auth.signed_out")));
    await signOut(async () => void stopped.push("gate"));
    expect(stopped).toEqual(["gate"]);
    expect(app.user).toBeNull();
    expect(app.lastUsername).toBe("");
  });
});

describe("the idle lock", () => {
  const MINUTE = 60_000;

  it("waits the core's idle minutes after the last input", async () => {
    signedIn(clerk);
    noteActivity(0);
    expect(await lockIfIdle(14 * MINUTE)).toBe(false);
    expect(app.user?.username).toBe("clerk1");
  });

  it("locks when the core has ended the session as idle, naming the user", async () => {
    signedIn(clerk);
    noteActivity(0);
    answers.next.push(() => null);
    expect(await lockIfIdle(15 * MINUTE)).toBe(true);
    expect(app.user).toBeNull();
    expect(app.signInNotice).toMatchObject({ class: "auth", code: "auth.signed_out", params: { username: "clerk1" } });
    expect(app.signInNotice?.message).toContain("clerk1");
    expect(app.lastUsername).toBe("clerk1");
  });

  it("signs out a session the core still holds open", async () => {
    signedIn(clerk);
    noteActivity(0);
    const asked: string[] = [];
    answers.next.push(() => (asked.push("current_user"), clerk));
    answers.next.push(() => (asked.push("sign_out"), null));
    expect(await lockIfIdle(20 * MINUTE)).toBe(true);
    expect(asked).toEqual(["current_user", "sign_out"]);
    expect(app.user).toBeNull();
  });

  it("brings the same person back where they were", async () => {
    signedIn(clerk);
    open("handover", "KEL-2026-000001");
    noteActivity(0);
    answers.next.push(() => null);
    await lockIfIdle(15 * MINUTE);
    signedIn(clerk);
    expect(app.screen).toBe("handover");
    expect(app.passId).toBe("KEL-2026-000001");
  });
});

describe("reasons", () => {
  it("are trimmed, and an empty one never reaches the core", async () => {
    expect(reasonText("  印刷錯誤 ")).toBe("印刷錯誤");
    expect(() => reasonText("  ")).toThrow();
    signedIn(supervisor);
    await expect(api.voidCard("KEL-2026-000001", " ")).rejects.toMatchObject({ class: "usage" });
    answers.next.push((args) => ({ chip_uid: null, args }));
    await expect(api.voidCard("KEL-2026-000001", " lost ")).resolves.toMatchObject({
      args: { passId: "KEL-2026-000001", reason: "lost" },
    });
  });
});
