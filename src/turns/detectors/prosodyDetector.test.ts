/**
 * Prosody turn detector: the YIN pitch tracker on synthetic tones, the final-lowering rule on
 * gliding tones, and the detector on espeak clips from fixtures/audio/turns-detector.
 */
import { describe, expect, it } from "vitest";
import { fixturePath } from "../../audio/testing/fixtures.js";
import { readWavAsChunk } from "../../audio/wav.js";
import { toPitchRate, trackPitch, trackPitchAt8k } from "./pitch.js";
import { ProsodyTurnDetector, prosodyEndProbability, prosodyFeatures } from "./prosodyDetector.js";

const RATE = 16000;

/** A voiced-like tone (fundamental plus harmonics) whose F0 goes from f0(t) over `seconds`,
 *  followed by `silenceS` of silence. */
function glide(f0: (t: number) => number, seconds: number, silenceS = 0.2): Int16Array {
  const n = Math.round(seconds * RATE);
  const out = new Int16Array(n + Math.round(silenceS * RATE));
  let phase = 0;
  for (let i = 0; i < n; i++) {
    phase += (2 * Math.PI * f0(i / RATE)) / RATE;
    const v = 0.5 * Math.sin(phase) + 0.25 * Math.sin(2 * phase) + 0.12 * Math.sin(3 * phase);
    out[i] = Math.round(v * 12000);
  }
  return out;
}

describe("trackPitch", () => {
  it("finds the F0 of a steady tone within 2 %", () => {
    for (const f of [90, 150, 240]) {
      const frames = trackPitch([RATE, glide(() => f, 0.5, 0)]);
      const voiced = frames.filter((x) => x.f0 !== null).map((x) => x.f0 as number);
      expect(voiced.length).toBeGreaterThan(frames.length * 0.8);
      for (const v of voiced) expect(Math.abs(v - f) / f).toBeLessThan(0.02);
    }
  });

  it("reports silence as unvoiced, at a low level", () => {
    const frames = trackPitch([RATE, new Int16Array(RATE / 2)]);
    expect(frames.length).toBeGreaterThan(0);
    for (const x of frames) {
      expect(x.f0).toBeNull();
      expect(x.db).toBeLessThan(-90);
    }
  });

  it("accepts float32 and stereo audio", () => {
    const mono = glide(() => 200, 0.3, 0);
    const stereo = new Float32Array(mono.length * 2);
    for (let i = 0; i < mono.length; i++) {
      stereo[2 * i] = (mono[i] as number) / 32768;
      stereo[2 * i + 1] = (mono[i] as number) / 32768;
    }
    const frames = trackPitch([RATE, stereo, "stereo"]);
    const f = frames.find((x) => x.f0 !== null)?.f0 ?? 0;
    expect(Math.abs(f - 200)).toBeLessThan(4);
  });

  it("tracks a range of hops at a time: consecutive ranges join up to the whole", () => {
    const x = toPitchRate([RATE, glide((t) => 120 + 60 * t, 1.3, 0.2)]);
    const options = { minF0: 50, threshold: 0.3, hopS: 0.02 };
    const whole = trackPitchAt8k(x, options);
    const parts = [];
    for (let from = 0; ; from += 7) {
      const part = trackPitchAt8k(x, options, { from, to: from + 7 });
      parts.push(...part);
      if (part.length < 7) break;
    }
    expect(whole.length).toBeGreaterThan(50);
    expect(parts).toEqual(whole);
  });
});

describe("prosody features and probability", () => {
  // 1.2 s at 160 Hz, then the last 0.4 s glides to the end value.
  const contour = (end: number) => (t: number) =>
    t < 0.8 ? 160 : 160 + ((end - 160) * (t - 0.8)) / 0.4;

  it("a final fall answers high, a level or rising end low", () => {
    const fall = prosodyFeatures([RATE, glide(contour(110), 1.2)]);
    const level = prosodyFeatures([RATE, glide(contour(160), 1.2)]);
    const rise = prosodyFeatures([RATE, glide(contour(220), 1.2)]);
    expect(fall.slopeStPerS).toBeLessThan(-10);
    expect(fall.finalRelSt).toBeLessThan(-3);
    expect(rise.slopeStPerS).toBeGreaterThan(10);
    expect(prosodyEndProbability(fall)).toBeGreaterThan(0.7);
    expect(prosodyEndProbability(level)).toBeLessThan(0.5);
    expect(prosodyEndProbability(rise)).toBeLessThan(0.5);
    expect(fall.speechEndS).toBeCloseTo(1.2, 1);
  });

  it("the detector's answer, computed a few hops per event-loop turn, is prosodyFeatures'", async () => {
    const d = new ProsodyTurnDetector();
    expect(d.audioWindowMs).toBe(1500);
    expect(new ProsodyTurnDetector({ analysisMs: 900 }).audioWindowMs).toBe(900);
    for (const end of [110, 160, 220]) {
      const audio: [number, Int16Array] = [RATE, glide(contour(end), 2.5)];
      expect(await d.endOfTurnProbability({ audio })).toBe(
        prosodyEndProbability(prosodyFeatures(audio)),
      );
    }
  });

  it("answers 0.5 without enough voiced speech", async () => {
    const d = new ProsodyTurnDetector();
    expect(await d.endOfTurnProbability({ audio: [RATE, new Int16Array(RATE)] })).toBe(0.5);
    expect(await d.endOfTurnProbability({ audio: [RATE, glide(() => 150, 0.05)] })).toBe(0.5);
    expect(await d.endOfTurnProbability({ audio: [RATE, new Int16Array(0)] })).toBe(0.5);
  });

  it("rejects with the signal's reason when aborted, before or while it works", async () => {
    const c = new AbortController();
    c.abort(new Error("gone"));
    await expect(
      new ProsodyTurnDetector().endOfTurnProbability({
        audio: [RATE, new Int16Array(RATE)],
        signal: c.signal,
      }),
    ).rejects.toThrow("gone");
    const later = new AbortController();
    const answer = new ProsodyTurnDetector().endOfTurnProbability({
      audio: [RATE, glide(() => 150, 1.5)],
      signal: later.signal,
    });
    later.abort(new Error("went on"));
    await expect(answer).rejects.toThrow("went on");
  });

  it("on espeak speech: high after a falling statement, low after a comma and a yes/no question", async () => {
    const d = new ProsodyTurnDetector();
    const p = async (name: string) =>
      d.endOfTurnProbability({
        audio: await readWavAsChunk(fixturePath(`turns-detector/${name}.wav`)),
      });
    expect(await p("end_statement")).toBeGreaterThan(0.5);
    expect(await p("hold_comma")).toBeLessThan(0.5);
    expect(await p("end_question")).toBeLessThan(0.5);
  });
});
