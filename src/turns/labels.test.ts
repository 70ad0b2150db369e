/**
 * The labelled end-of-turn set (fixtures/audio/turns/labels.json, used by bench B2) must agree
 * with its WAVs, so it cannot rot: durations, segments and pauses that tile the file, every
 * pause >= 0.2 s labelled and silent by energy, every end followed by >= 2 s of silence.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { audioToFloat32 } from "../audio/convert.js";
import { fixturePath } from "../audio/testing/fixtures.js";
import { readWavFile } from "../audio/wav.js";

interface Pause {
  start: number;
  end: number;
  label: string;
}
interface LabelFile {
  file: string;
  origin: string;
  inBench: boolean;
  rate: number;
  durationS: number;
  padAfterS: number;
  silenceDbfs: number;
  segments: Array<[number, number]>;
  pauses: Pause[];
  turns: Array<{ start: number; end: number; text: string }>;
}

const labels = JSON.parse(readFileSync(fixturePath("turns/labels.json"), "utf8")) as {
  files: LabelFile[];
};

const FRAME_S = 0.01;
const MIN_PAUSE_S = 0.2;

/** Level of each 10 ms frame in dBFS. */
function frameDb(x: Float32Array, rate: number): Float32Array {
  const n = Math.round(rate * FRAME_S);
  const out = new Float32Array(Math.floor(x.length / n));
  for (let k = 0; k < out.length; k++) {
    let s = 0;
    for (let j = k * n; j < (k + 1) * n; j++) s += (x[j] ?? 0) ** 2;
    out[k] = 10 * Math.log10(s / n + 1e-20);
  }
  return out;
}

/** Frames lying wholly inside [a, b] seconds. */
function framesIn(db: Float32Array, a: number, b: number): Float32Array {
  const lo = Math.ceil(a / FRAME_S - 1e-9);
  const hi = Math.floor(b / FRAME_S + 1e-9);
  return db.subarray(Math.max(0, lo), Math.max(0, Math.min(db.length, hi)));
}

function longestQuietRun(frames: Float32Array, thresholdDb: number): number {
  let best = 0;
  let run = 0;
  for (const d of frames) {
    run = d < thresholdDb ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return best * FRAME_S;
}

describe("labelled end-of-turn set", () => {
  it("has real and synthetic rows, 20+ turns and holds to measure", () => {
    const bench = labels.files.filter((f) => f.inBench);
    expect(new Set(bench.map((f) => f.origin))).toEqual(new Set(["real", "synthetic"]));
    const turns = bench.reduce((a, f) => a + f.turns.length, 0);
    const holds = bench.reduce((a, f) => a + f.pauses.filter((p) => p.label === "hold").length, 0);
    expect(turns).toBeGreaterThanOrEqual(20);
    expect(holds).toBeGreaterThanOrEqual(20);
    expect(labels.files.map((f) => f.file)).toContain("turns/jfk_commas_48k.wav");
  });

  for (const f of labels.files) {
    describe(f.file, () => {
      // Real recordings: boundaries come from alignment or energy, so allow 50 ms at each edge.
      const edge = f.origin === "real" ? 0.05 : 0;

      it("matches its WAV (rate, duration)", async () => {
        const wav = await readWavFile(fixturePath(f.file));
        expect(wav.sampleRate).toBe(f.rate);
        expect(wav.samples.length / f.rate).toBeCloseTo(f.durationS, 5);
      });

      it("has segments and pauses that tile the speech, pauses >= 0.2 s, ends >= 2 s", () => {
        const total = f.durationS + f.padAfterS;
        expect(f.segments.length).toBe(f.pauses.length);
        f.segments.forEach(([a, b], i) => {
          expect(b).toBeGreaterThan(a);
          const pause = f.pauses[i] as Pause;
          // the pause after segment i runs from its end to the next segment (or the end)
          expect(pause.start).toBeCloseTo(b, 6);
          expect(pause.end).toBeCloseTo(f.segments[i + 1]?.[0] ?? total, 6);
          expect(pause.end - pause.start).toBeGreaterThan(MIN_PAUSE_S - 1e-6);
          expect(["hold", "end"]).toContain(pause.label);
          if (pause.label === "end") expect(pause.end - pause.start).toBeGreaterThan(2 - 1e-6);
        });
        expect(f.pauses.at(-1)?.label).toBe("end");
      });

      it("has one turn per end, spanning its segments, with a text", () => {
        const ends = f.pauses.filter((p) => p.label === "end");
        expect(f.turns.length).toBe(ends.length);
        let next = 0;
        f.turns.forEach((t, k) => {
          expect(t.start).toBeCloseTo((f.segments[next] as [number, number])[0], 6);
          expect(t.end).toBeCloseTo((ends[k] as Pause).start, 6);
          expect(t.text.trim().length).toBeGreaterThan(0);
          while (next < f.segments.length && (f.segments[next] as [number, number])[0] < t.end) {
            next++;
          }
        });
        expect(next).toBe(f.segments.length);
      });

      it("is silent in every labelled pause and has no unlabelled pause >= 0.2 s in speech", async () => {
        const wav = await readWavFile(fixturePath(f.file));
        const db = frameDb(audioToFloat32(wav.samples as Int16Array), wav.sampleRate);
        for (const p of f.pauses) {
          // the part of the pause inside the file (padAfterS is appended by the bench)
          const quiet = framesIn(db, p.start + edge, Math.min(p.end, f.durationS) - edge);
          expect(quiet.length).toBeGreaterThan(0);
          expect(Math.max(...quiet), `${p.label} ${p.start}..${p.end}`).toBeLessThan(f.silenceDbfs);
        }
        for (const [a, b] of f.segments) {
          const frames = framesIn(db, a, b);
          expect(Math.max(...frames), `speech ${a}..${b}`).toBeGreaterThan(f.silenceDbfs + 15);
          expect(longestQuietRun(frames, f.silenceDbfs), `speech ${a}..${b}`).toBeLessThan(
            MIN_PAUSE_S,
          );
        }
      });
    });
  }
});
