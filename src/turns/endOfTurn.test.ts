import { describe, expect, it } from "vitest";
import { BargeInPolicy, resolveBargeInOptions } from "./bargeIn.js";
import { EndOfTurnPolicy, requiredSilence, resolveEndOfTurnOptions } from "./endOfTurn.js";
import { DEFAULT_END_OF_TURN_OPTIONS, type EndOfTurnSignal } from "./endOfTurnTypes.js";

const F = 32;
const SPEECH = 0.9;
const QUIET = 0.05;

/** Pushes `ms` of frames of one probability; returns the signals with their frame times. */
function feed(policy: EndOfTurnPolicy, p: number, ms: number): EndOfTurnSignal[] {
  const out: EndOfTurnSignal[] = [];
  for (let t = 0; t < ms; t += F) out.push(...policy.pushFrame(p));
  return out;
}

describe("EndOfTurnPolicy (frame by frame, audio time)", () => {
  it("starts a turn after minSpeechMs, raises a candidate, ends after endSilenceMs", () => {
    const policy = new EndOfTurnPolicy({ dynamic: false });
    expect(feed(policy, QUIET, 320)).toEqual([]);
    const start = feed(policy, SPEECH, 64);
    expect(start).toEqual([{ type: "speech_started", atMs: 384, onsetMs: 320 }]);
    feed(policy, SPEECH, 1000 - 64);
    expect(policy.state).toBe("speaking");
    const end = feed(policy, QUIET, 2000);
    // Speech ended at 1344 ms (after 1024 ms of speech frames); candidate 96 ms later, end after
    // 640 ms of silence.
    expect(end).toEqual([
      { type: "candidate", atMs: 1344 + 96, speechEndMs: 1344, candidate: 1 },
      { type: "end_of_turn", atMs: 1344 + 640, speechEndMs: 1344, requiredSilenceMs: 640 },
    ]);
    expect(policy.state).toBe("idle");
  });

  it("hysteresis: frames between the thresholds keep the current state", () => {
    const policy = new EndOfTurnPolicy({ dynamic: false });
    expect(feed(policy, 0.45, 640)).toEqual([]); // not enough to start
    feed(policy, SPEECH, 64);
    expect(policy.state).toBe("speaking");
    expect(feed(policy, 0.4, 2000)).toEqual([]); // not low enough to count as silence
    expect(policy.state).toBe("speaking");
  });

  it("a single speech frame does not start a turn (minSpeechMs = 64)", () => {
    const policy = new EndOfTurnPolicy();
    for (let i = 0; i < 20; i++) {
      expect(policy.pushFrame(SPEECH)).toEqual([]);
      expect(policy.pushFrame(QUIET)).toEqual([]);
    }
  });

  it("a pause shorter than the window is a hold: the candidate is cancelled with its length", () => {
    const policy = new EndOfTurnPolicy({ dynamic: false });
    feed(policy, SPEECH, 640);
    const hold = [...feed(policy, QUIET, 416), ...feed(policy, SPEECH, 32)];
    expect(hold.map((s) => s.type)).toEqual(["candidate", "candidate_cancelled"]);
    expect(hold[1]).toMatchObject({ pauseMs: 416, candidate: 1 });
    const next = feed(policy, QUIET, 1000);
    expect(next.map((s) => s.type)).toEqual(["candidate", "end_of_turn"]);
    expect(next[0]).toMatchObject({ candidate: 2 });
  });

  it("the detector's answer moves the required silence: 1 → minEnd, 0 → maxEnd, 0.5 → window", () => {
    const endAfter = (p: number | null) => {
      const policy = new EndOfTurnPolicy({ dynamic: false });
      feed(policy, SPEECH, 320);
      const signals: EndOfTurnSignal[] = [];
      for (let t = 0; t < 3000; t += F) {
        for (const s of policy.pushFrame(QUIET)) {
          signals.push(s);
          if (s.type === "candidate" && p !== null) policy.setEndProbability(s.candidate, p);
        }
      }
      const end = signals.find((s) => s.type === "end_of_turn");
      return end && end.type === "end_of_turn" ? end.atMs - end.speechEndMs : null;
    };
    expect(endAfter(null)).toBe(640);
    expect(endAfter(0.5)).toBe(640);
    expect(endAfter(1)).toBe(256);
    expect(endAfter(0)).toBe(1600);
    expect(endAfter(0.75)).toBe(448); // 640 - 0.5 * 384 = 448, counted in whole frames
  });

  it("an answer for a candidate that is no longer open is ignored", () => {
    const policy = new EndOfTurnPolicy({ dynamic: false });
    feed(policy, SPEECH, 320);
    feed(policy, QUIET, 128); // candidate 1
    feed(policy, SPEECH, 64); // cancelled
    policy.setEndProbability(1, 1);
    const end = feed(policy, QUIET, 2000).find((s) => s.type === "end_of_turn");
    expect(end).toMatchObject({ requiredSilenceMs: 640 });
  });

  it("adaptive window: long holds inside turns make it wait longer, within [min, max]", () => {
    const policy = new EndOfTurnPolicy({ dynamic: true });
    expect(policy.windowMs).toBe(640);
    for (let i = 0; i < 6; i++) {
      feed(policy, SPEECH, 320);
      feed(policy, QUIET, 608); // a 608 ms hold, just under the window
      feed(policy, SPEECH, 32);
    }
    // learned → 608, window → 608 + 240
    expect(policy.windowMs).toBeGreaterThan(800);
    expect(policy.windowMs).toBeLessThanOrEqual(DEFAULT_END_OF_TURN_OPTIONS.maxEndSilenceMs);
    // Short gaps between words (< 200 ms) teach nothing.
    const before = policy.windowMs;
    for (let i = 0; i < 10; i++) {
      feed(policy, QUIET, 128);
      feed(policy, SPEECH, 64);
    }
    expect(policy.windowMs).toBe(before);
    // A cut-off reported by the handler (the person went on after the end) teaches too.
    const quick = new EndOfTurnPolicy({ dynamic: true });
    quick.learnHold(1400);
    expect(quick.windowMs).toBeGreaterThan(640);
    // dynamic: false never moves.
    const fixed = new EndOfTurnPolicy({ dynamic: false });
    fixed.learnHold(1400);
    expect(fixed.windowMs).toBe(640);
  });

  it("maxTurnMs ends a long turn at its next candidate", () => {
    const policy = new EndOfTurnPolicy({ maxTurnMs: 2000, dynamic: false });
    feed(policy, SPEECH, 2400);
    const out = feed(policy, QUIET, 200);
    expect(out.map((s) => s.type)).toEqual(["candidate", "end_of_turn"]);
  });

  it("startTurn() opens a turn at once (a committed barge-in)", () => {
    const policy = new EndOfTurnPolicy({ dynamic: false });
    policy.startTurn();
    expect(policy.state).toBe("speaking");
    expect(feed(policy, QUIET, 700).map((s) => s.type)).toEqual(["candidate", "end_of_turn"]);
  });

  it("requiredSilence is linear on each side of 0.5", () => {
    const o = { minEndSilenceMs: 100, maxEndSilenceMs: 2100 };
    expect(requiredSilence(600, null, o)).toBe(600);
    expect(requiredSilence(600, 1, o)).toBe(100);
    expect(requiredSilence(600, 0, o)).toBe(2100);
    expect(requiredSilence(600, 0.25, o)).toBe(1350);
    expect(requiredSilence(600, 7, o)).toBe(100); // clamped
  });

  it("rejects bad options with the field's name", () => {
    expect(() => resolveEndOfTurnOptions({ endSilenceMs: -1 })).toThrow(/endSilenceMs/);
    expect(() => resolveEndOfTurnOptions({ activationThreshold: 2 })).toThrow(
      /activationThreshold/,
    );
    expect(() =>
      resolveEndOfTurnOptions({ activationThreshold: 0.3, deactivationThreshold: 0.4 }),
    ).toThrow(/deactivationThreshold/);
    expect(() => resolveEndOfTurnOptions({ minEndSilenceMs: 900 })).toThrow(/minEndSilenceMs/);
    expect(() => resolveEndOfTurnOptions({ dynamic: "yes" as unknown as boolean })).toThrow(
      /dynamic/,
    );
    expect(() => resolveEndOfTurnOptions(null as unknown as object)).toThrow(TypeError);
  });
});

describe("BargeInPolicy (pause / commit / resume)", () => {
  function run(policy: BargeInPolicy, p: number, ms: number, loud = true) {
    const out = [];
    for (let t = 0; t < ms; t += F) out.push(...policy.pushFrame(p, loud));
    return out;
  }

  it("pauses after 96 ms of confident speech and commits at 480 ms from the onset", () => {
    const policy = new BargeInPolicy();
    expect(run(policy, 0.1, 320)).toEqual([]);
    const out = run(policy, 0.95, 512);
    expect(out).toEqual([
      { type: "pause", atMs: 320 + 96, onsetMs: 320 },
      { type: "commit", atMs: 320 + 480, onsetMs: 320 },
    ]);
    expect(policy.paused).toBe(false);
  });

  it("resumes when the sound stops before commit (a cough)", () => {
    const policy = new BargeInPolicy();
    const out = [...run(policy, 0.95, 160), ...run(policy, 0.05, 640)];
    expect(out.map((s) => s.type)).toEqual(["pause", "resume"]);
    expect(out[1]).toMatchObject({ atMs: 160 + 320 });
  });

  it("uses its own, higher threshold: 0.6 does not pause a reply", () => {
    expect(run(new BargeInPolicy(), 0.6, 1000)).toEqual([]);
  });

  it("a frame that fails the echo guard is not speech", () => {
    expect(run(new BargeInPolicy(), 0.99, 1000, false)).toEqual([]);
  });

  it("rejects bad options", () => {
    expect(() => resolveBargeInOptions({ commitAfterMs: 10 })).toThrow(/commitAfterMs/);
    expect(() => resolveBargeInOptions({ pauseAfterMs: -1 })).toThrow(/pauseAfterMs/);
    expect(() => resolveBargeInOptions({ activationThreshold: 3 })).toThrow(/Threshold/);
  });
});
