import { describe, expect, it } from "vitest";
import { nextState } from "./app/state.js";
import { parseTurnStep } from "./app/turnSteps.js";

describe("the page leaves 'thinking' when no reply is coming", () => {
  it("an error or a turn_ended while thinking: back to listening; elsewhere: no change", () => {
    expect(nextState("thinking", { type: "error" })).toBe("listening");
    expect(nextState("thinking", { type: "turn-ended" })).toBe("listening");
    expect(nextState("listening", { type: "error" })).toBe("listening");
    expect(nextState("speaking", { type: "error" })).toBe("speaking");
    expect(nextState("idle", { type: "turn-ended" })).toBe("idle");
  });
});

describe("parseTurnStep", () => {
  it("reads the meta of a turn_event log, keeping finite numeric latencies", () => {
    const text = JSON.stringify({
      type: "log",
      data: "turn_event",
      meta: {
        turn: 3,
        type: "first_audio_sent",
        at: 12,
        latencies: { speechEndToFirstAudioMs: 640.5, bad: "x", inf: null },
      },
    });
    expect(parseTurnStep(text)).toEqual({
      turn: 3,
      type: "first_audio_sent",
      latencies: { speechEndToFirstAudioMs: 640.5 },
    });
  });

  it("ignores other messages and malformed ones", () => {
    expect(parseTurnStep('{"type":"log","data":"pause_detected"}')).toBeUndefined();
    expect(parseTurnStep('{"type":"log","data":"turn_event"}')).toBeUndefined();
    expect(parseTurnStep('{"type":"log","data":"turn_event","meta":{"type":1}}')).toBeUndefined();
    expect(parseTurnStep("turn_event not json")).toBeUndefined();
    expect(parseTurnStep(42)).toBeUndefined();
  });
});
