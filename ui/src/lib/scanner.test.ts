// A scanner's burst is told from a person's typing, and its text is classified.
import { describe, expect, it } from "vitest";
import { classify, ScanBuffer, ScanRoute, typedCredential } from "./scanner";

function type(buffer: ScanBuffer, text: string, start: number, gap: number): string | null {
  let result: string | null = null;
  [...text, "Enter"].forEach((key, i) => {
    result = buffer.feed(key, start + i * gap);
  });
  return result;
}

describe("ScanBuffer", () => {
  it("returns a fast burst ending in Enter", () => {
    expect(type(new ScanBuffer(), "PP2:6BFOXN*TS0", 1000, 5)).toBe("PP2:6BFOXN*TS0");
  });

  it("ignores a person typing", () => {
    expect(type(new ScanBuffer(), "KEL-2026-000001", 1000, 120)).toBeNull();
  });

  it("ignores short bursts", () => {
    expect(type(new ScanBuffer(), "abc", 1000, 5)).toBeNull();
  });

  it("starts afresh after a pause", () => {
    const buffer = new ScanBuffer();
    type(buffer, "xx", 0, 5);
    expect(type(buffer, "KEL-2026-000001", 5000, 5)).toBe("KEL-2026-000001");
  });
});

describe("classify", () => {
  it("knows credentials, pass numbers and search text", () => {
    expect(classify("PP2:ABC")).toEqual({ kind: "credential", text: "PP2:ABC" });
    expect(classify("PP1:ABC")).toEqual({ kind: "credential", text: "PP1:ABC" });
    expect(classify("PP3:ABC")).toEqual({ kind: "text", text: "PP3:ABC" });
    expect(classify(" kel-2026-000001 ")).toEqual({ kind: "pass", passId: "KEL-2026-000001" });
    expect(classify("王小明")).toEqual({ kind: "text", text: "王小明" });
  });
});

describe("ScanRoute", () => {
  it("hands credentials to the screen that takes them, and back to the app when it lets go", () => {
    const route = new ScanRoute();
    expect(route.deliver("PP1:ABC")).toBe(false);
    const taken: string[] = [];
    const release = route.take((text) => taken.push(text));
    expect(route.deliver("PP1:ABC")).toBe(true);
    expect(taken).toEqual(["PP1:ABC"]);
    release();
    expect(route.deliver("PP1:DEF")).toBe(false);
  });

  it("a screen that let go does not remove the one that took over after it", () => {
    const route = new ScanRoute();
    const first = route.take(() => undefined);
    const taken: string[] = [];
    route.take((text) => taken.push(text));
    first();
    expect(route.deliver("PP2:XYZ")).toBe(true);
    expect(taken).toEqual(["PP2:XYZ"]);
  });
});

describe("ScanBuffer outside text fields", () => {
  const typeLoose = (buffer: ScanBuffer, text: string, gaps: number[]) => {
    let at = 0;
    let result: string | null = null;
    [...text, "Enter"].forEach((key, i) => {
      at += gaps[i % gaps.length] ?? 5;
      result = buffer.feed(key, at, false);
    });
    return result;
  };

  it("takes a credential whose keys a busy window delayed", () => {
    expect(typeLoose(new ScanBuffer(), "PP2:6BFOXN*TS0 AB", [3, 700, 2, 40])).toBe("PP2:6BFOXN*TS0 AB");
  });

  it("takes the whole credential when only its tail came in one fast burst", () => {
    const text = "PP2:6BFOXN*TS0 AB-CDEFGHIJKLMNOP";
    const gaps = [...text].map((_, i) => (i < text.length - 14 ? 100 : 1));
    expect(typeLoose(new ScanBuffer(), text, [...gaps, 1])).toBe(text);
  });

  it("knows a credential is coming in, so its spaces do not scroll the page", () => {
    const buffer = new ScanBuffer();
    [..."PP2:6B"].forEach((key, i) => buffer.feed(key, i * 300, false));
    expect(buffer.scanning()).toBe(true);
    buffer.feed("Enter", 2000, false);
    expect(buffer.scanning()).toBe(false);
  });

  it("takes nothing else typed slowly, nor after a long pause", () => {
    expect(typeLoose(new ScanBuffer(), "KEL-2026-000001", [300])).toBeNull();
    expect(typeLoose(new ScanBuffer(), "PP2:6BFOXN", [3, 6000])).toBeNull();
  });

  it("leaves slow typing in a field to the field", () => {
    const buffer = new ScanBuffer();
    let result: string | null = null;
    [..."PP2:6BFOXN", "Enter"].forEach((key, i) => (result = buffer.feed(key, i * 300, true)));
    expect(result).toBeNull();
  });
});

describe("typedCredential", () => {
  it("takes a credential a scanner typed into a field, and nothing else", () => {
    expect(typedCredential("  PP2:6BFOXN*TS0 ")).toBe("PP2:6BFOXN*TS0");
    expect(typedCredential("KEL-2026-000001")).toBeNull();
    expect(typedCredential("")).toBeNull();
  });
});
