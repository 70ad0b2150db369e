import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { interleave } from "../audio/convert.js";
import { resample } from "../audio/resample.js";
import { sourceAudioOf } from "../audio/sourceAudio.js";
import { fixturePath } from "../audio/testing/fixtures.js";
import { readWavFile } from "../audio/wav.js";
import { configureLogger } from "../logger.js";
import { InputConverter } from "../session/inputConverter.js";
import { VirtualClock } from "../utils/clock.js";
import { type FrameVadVersion, getFrameVad, SileroFrameVad } from "./frameVad.js";
import type { FrameVadStream } from "./frameVadTypes.js";
import { FRAME_VAD_MS, FRAME_VAD_RATE, FRAME_VAD_SAMPLES } from "./frameVadTypes.js";
import { SileroVad } from "./silero.js";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

const SPEECH_FILES = [
  "one_utterance_then_silence.wav",
  "two_turns.wav",
  "short_pause_inside_turn.wav",
  "wake_word_computer.wav",
];

/** Speech segments of a 16 kHz synthetic fixture, in 16 kHz samples (from segments.tsv). */
function segmentsOf(name: string): [start: number, end: number][] {
  const rows = readFileSync(fixturePath("synthetic/segments.tsv"), "utf8").trim().split("\n");
  return rows
    .slice(1)
    .map((l) => l.split("\t"))
    .filter((c) => c[0] === `16k/${name}`)
    .map((c) => [Number(c[3]), Number(c[4])]);
}

async function pcm(rate: "16k" | "48k", name: string): Promise<Int16Array> {
  const wav = await readWavFile(fixturePath(`synthetic/${rate}/${name}`));
  if (wav.channels !== 1 || !(wav.samples instanceof Int16Array)) {
    throw new Error(`${name}: expected a mono 16-bit fixture`);
  }
  return wav.samples;
}

function toFloat(x: Int16Array): Float32Array {
  return Float32Array.from(x, (v) => v / 32768);
}

/** Pushes `samples` through a new stream in pieces of `piece` samples, one push at a time. */
async function streamed(
  stream: FrameVadStream,
  rate: number,
  samples: Int16Array | Float32Array,
  piece: number,
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < samples.length; i += piece) {
    out.push(...(await stream.push([rate, samples.subarray(i, i + piece)])));
  }
  return out;
}

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  expect(worst).toBeLessThanOrEqual(tol);
}

let v6: SileroFrameVad;
let v5: SileroFrameVad;

beforeAll(async () => {
  v6 = new SileroFrameVad();
  v5 = new SileroFrameVad({ version: "v5" });
  await Promise.all([v6.warmup(), v5.warmup()]);
});

afterAll(async () => {
  await Promise.all([v6.close(), v5.close()]);
  await getFrameVad().close();
});

describe("SileroFrameVad", () => {
  it("constants: 512 samples = 32 ms at 16 kHz", () => {
    expect(FRAME_VAD_RATE).toBe(16000);
    expect(FRAME_VAD_SAMPLES).toBe(512);
    expect(FRAME_VAD_MS).toBe(32);
  });

  for (const version of ["v6", "v5"] as FrameVadVersion[]) {
    it(`${version}: high inside the labelled speech, low in the silence (16 kHz fixtures)`, async () => {
      const vad = version === "v6" ? v6 : v5;
      for (const name of SPEECH_FILES) {
        const probs = await vad.createStream().push([16000, await pcm("16k", name)]);
        const segs = segmentsOf(name);
        expect(segs.length).toBeGreaterThan(0);
        let inside = 0;
        let speech = 0;
        let silent = 0;
        for (let i = 0; i < probs.length; i++) {
          const a = i * FRAME_VAD_SAMPLES;
          const b = a + FRAME_VAD_SAMPLES;
          if (segs.some(([s, e]) => a >= s && b <= e)) {
            inside++;
            if (probs[i]! >= 0.5) speech++;
          }
          // Silence before a segment, or from 250 ms after its end (the model's decay).
          if (segs.every(([s, e]) => b <= s || a >= e + 4000)) {
            silent++;
            expect(probs[i], `${name} frame ${i}`).toBeLessThan(0.2);
          }
        }
        expect(inside).toBeGreaterThan(40);
        expect(silent).toBeGreaterThan(40);
        expect(speech / inside, name).toBeGreaterThanOrEqual(0.85);
      }
      for (const name of ["silence_only.wav", "noise_only.wav"]) {
        const probs = await vad.createStream().push([16000, await pcm("16k", name)]);
        expect(probs).toHaveLength(Math.floor(48000 / FRAME_VAD_SAMPLES));
        for (const p of probs) expect(p).toBeLessThan(0.2);
      }
    });
  }

  it("one frame per 512 samples at 16 kHz, partial frames carried to the next push", async () => {
    const s = v6.createStream();
    expect(await s.push([16000, new Float32Array(511)])).toHaveLength(0);
    expect(await s.push([16000, new Float32Array(1)])).toHaveLength(1);
    expect(await s.push([16000, new Float32Array(3 * 512 + 100)])).toHaveLength(3);
    expect(await s.push([16000, new Float32Array(412)])).toHaveLength(1);
    expect(await s.push([16000, new Float32Array(0)])).toHaveLength(0);
    s.close();
  });

  it("pieces of any size give exactly the probabilities of one push", async () => {
    const samples = await pcm("48k", "two_turns.wav");
    const whole = await v6.createStream().push([48000, samples]);
    const in20ms = await streamed(v6.createStream(), 48000, samples, 960);
    const odd = await streamed(v6.createStream(), 48000, samples, 1237);
    expectClose(in20ms, whole, 1e-6);
    expectClose(odd, whole, 1e-6);
  });

  it("20 ms pieces at 48 kHz match one 16 kHz push of the same recording (resampling only)", async () => {
    const ref = await v6.createStream().push([16000, await pcm("16k", "two_turns.wav")]);
    const got = await streamed(v6.createStream(), 48000, await pcm("48k", "two_turns.wav"), 960);
    expect(got).toHaveLength(ref.length);
    let sum = 0;
    let agree = 0;
    for (let i = 0; i < ref.length; i++) {
      const d = Math.abs(got[i]! - ref[i]!);
      expect(d, `frame ${i}`).toBeLessThan(0.25);
      sum += d;
      if (got[i]! >= 0.5 === ref[i]! >= 0.5) agree++;
    }
    expect(sum / ref.length).toBeLessThan(0.01);
    expect(agree / ref.length).toBeGreaterThanOrEqual(0.98);
  });

  it("8 kHz and 24 kHz input: frames line up in time with the 16 kHz result", async () => {
    const at16 = toFloat(await pcm("16k", "short_pause_inside_turn.wav"));
    const ref = await v6.createStream().push([16000, at16]);
    for (const rate of [8000, 24000]) {
      const audio = resample(at16, 16000, rate);
      const got = await streamed(v6.createStream(), rate, audio, rate / 50);
      // The stream emits only complete frames; the tail of the filter is still inside.
      expect(Math.abs(got.length - ref.length)).toBeLessThanOrEqual(1);
      let agree = 0;
      const n = Math.min(got.length, ref.length);
      for (let i = 0; i < n; i++) if (got[i]! >= 0.5 === ref[i]! >= 0.5) agree++;
      expect(agree / n, `${rate} Hz`).toBeGreaterThanOrEqual(0.9);
    }
  });

  it("phone frames (8 kHz wire → 48 kHz handler frames) are evaluated from their noted 8 kHz audio, with the result of the 48 kHz audio", async () => {
    const at16 = toFloat(await pcm("16k", "short_pause_inside_turn.wav"));
    const wire = resample(at16, 16000, 8000);
    const conv = new InputConverter(48000, "mono");
    const frames: Int16Array[] = [];
    for (let i = 0; i < wire.length; i += 160) {
      frames.push(...conv.push([8000, wire.subarray(i, i + 160)])); // 160-sample 48 kHz frames (the converter's default framing)
    }
    expect(frames.every((f) => sourceAudioOf(f)?.[0] === 8000)).toBe(true);
    const noted = v6.createStream();
    const plain = v6.createStream();
    const a: number[] = [];
    const b: number[] = [];
    for (const f of frames) {
      a.push(...(await noted.push([48000, f])));
      b.push(...(await plain.push([48000, f.slice()]))); // a copy has no note: 48 → 16 kHz
    }
    expect(Math.abs(a.length - b.length)).toBeLessThanOrEqual(1);
    const n = Math.min(a.length, b.length);
    expect(n).toBeGreaterThan(100);
    let sum = 0;
    let agree = 0;
    for (let i = 0; i < n; i++) {
      sum += Math.abs(a[i]! - b[i]!);
      if (a[i]! >= 0.5 === b[i]! >= 0.5) agree++;
    }
    expect(sum / n).toBeLessThan(0.01);
    expect(agree / n).toBeGreaterThanOrEqual(0.98);
  });

  it("int16, float32 and stereo input give the same probabilities; the input is not modified", async () => {
    const samples = await pcm("16k", "wake_word_computer.wav");
    const copy = samples.slice();
    const a = await v6.createStream().push([16000, samples]);
    const f = toFloat(samples);
    const b = await v6.createStream().push([16000, f]);
    const c = await v6.createStream().push([16000, interleave([samples, samples]), "stereo"]);
    expectClose(b, a, 1e-6);
    expectClose(c, a, 1e-6);
    expect(samples).toEqual(copy);
    expect(f).toEqual(toFloat(copy));
  });

  it("the frames of several streams pushed together are one batch, with the same probabilities as each alone", async () => {
    const vad = new SileroFrameVad();
    try {
      const inputs = await Promise.all(SPEECH_FILES.map((n) => pcm("16k", n)));
      const alone: number[][] = [];
      for (const x of inputs) alone.push(await streamed(v6.createStream(), 16000, x, 512));
      const streams = inputs.map(() => vad.createStream());
      const together: number[][] = inputs.map(() => []);
      const rounds = Math.max(...inputs.map((x) => Math.floor(x.length / FRAME_VAD_SAMPLES)));
      for (let k = 0; k < rounds; k++) {
        const before = vad.stats;
        const due = inputs.map((x, i) =>
          k * FRAME_VAD_SAMPLES < x.length
            ? streams[i]!.push([
                16000,
                x.subarray(k * FRAME_VAD_SAMPLES, (k + 1) * FRAME_VAD_SAMPLES),
              ])
            : Promise.resolve(new Float32Array(0)),
        );
        const res = await Promise.all(due);
        res.forEach((r, i) => {
          together[i]!.push(...r);
        });
        const after = vad.stats;
        const frames = res.reduce((n, r) => n + r.length, 0);
        expect(after.frames - before.frames).toBe(frames);
        // One session.run for one frame of every stream.
        expect(after.runs - before.runs).toBe(frames > 0 ? 1 : 0);
      }
      together.forEach((t, i) => {
        expectClose(t, alone[i]!, 1e-5);
      });
    } finally {
      await vad.close();
    }
  });

  it("maxBatch splits a turn's frames into several batches without changing the results", async () => {
    const vad = new SileroFrameVad({ maxBatch: 2 });
    try {
      const x = await pcm("16k", "two_turns.wav");
      const ref = await v6.createStream().push([16000, x]);
      const streams = [0, 1, 2, 3, 4].map(() => vad.createStream());
      const before = vad.stats.batches;
      const res = await Promise.all(streams.map((s) => s.push([16000, x])));
      expect(vad.stats.batches - before).toBe(3);
      for (const r of res) expectClose(r, ref, 1e-5);
    } finally {
      await vad.close();
    }
  });

  it("batchDelayMs gathers frames pushed in different turns into one batch (virtual clock)", async () => {
    const clock = new VirtualClock();
    const vad = new SileroFrameVad({ batchDelayMs: 5, clock });
    try {
      await vad.warmup();
      const x = await pcm("16k", "two_turns.wav");
      const frame = (k: number) => x.subarray(k * 512, (k + 1) * 512);
      const streams = [0, 1, 2].map(() => vad.createStream());
      let resolved = 0;
      const done: Promise<Float32Array>[] = [];
      for (const [i, s] of streams.entries()) {
        done.push(s.push([16000, frame(20 + i)]).finally(() => resolved++));
        await new Promise<void>((r) => setImmediate(r)); // the next push is in another turn
      }
      await clock.advance(4);
      expect(resolved).toBe(0);
      await clock.advance(1);
      const res = await Promise.all(done);
      expect(vad.stats.batches).toBe(1);
      expect(vad.stats.runs).toBe(1);
      expect(vad.stats.frames).toBe(3);
      for (const [i, r] of res.entries()) {
        expectClose(r, await v6.createStream().push([16000, frame(20 + i)]), 1e-5);
      }
    } finally {
      await vad.close();
    }
  });

  it("many streams at once: 60 streams in 20 ms pieces at 48 kHz, each as if alone", async () => {
    const inputs = await Promise.all(SPEECH_FILES.map((n) => pcm("48k", n)));
    const piece = 960;
    const len = 48000 * 1.5; // first 1.5 s of each file (the first word)
    const refs: number[][] = [];
    for (const x of inputs)
      refs.push(await streamed(v6.createStream(), 48000, x.subarray(0, len), piece));
    const vad = new SileroFrameVad();
    try {
      const n = 60;
      const streams = Array.from({ length: n }, () => vad.createStream());
      const got: number[][] = streams.map(() => []);
      for (let at = 0; at < len; at += piece) {
        const res = await Promise.all(
          streams.map((s, i) =>
            s.push([48000, inputs[i % inputs.length]!.subarray(at, Math.min(len, at + piece))]),
          ),
        );
        res.forEach((r, i) => {
          got[i]!.push(...r);
        });
      }
      for (let i = 0; i < n; i++) expectClose(got[i]!, refs[i % refs.length]!, 1e-5);
      expect(refs[0]!.some((p) => p >= 0.5)).toBe(true);
      for (const s of streams) s.close();
    } finally {
      await vad.close();
    }
  });

  it("reset() forgets the state and the partial frame", async () => {
    const x = await pcm("16k", "two_turns.wav");
    const fresh = await v6.createStream().push([16000, x]);
    const s = v6.createStream();
    await s.push([16000, x.subarray(0, 30000)]); // mid-speech, with a partial frame pending
    s.reset();
    expectClose(await s.push([16000, x]), fresh, 1e-6);
    // Resampled streams too.
    const y = await pcm("48k", "two_turns.wav");
    const fresh48 = await v6.createStream().push([48000, y]);
    const t = v6.createStream();
    await t.push([48000, y.subarray(0, 90001)]);
    t.reset();
    expectClose(await t.push([48000, y]), fresh48, 1e-6);
    s.close();
    t.close();
  });

  it("close(): later pushes reject; pushes already made still resolve; close twice is fine", async () => {
    const s = v6.createStream();
    const pending = s.push([16000, new Float32Array(2048)]);
    s.close();
    expect(await pending).toHaveLength(4);
    await expect(s.push([16000, new Float32Array(512)])).rejects.toThrow(/after close/);
    s.close();
    s.reset(); // no effect on a closed stream
    await expect(s.push([16000, new Float32Array(512)])).rejects.toThrow(/after close/);
  });

  it("bad input rejects with a clear error and leaves the stream usable", async () => {
    const s = v6.createStream();
    const bad: [unknown, RegExp][] = [
      [null, /must be an array/],
      ["audio", /must be an array/],
      [[16000], /2 or 3 elements/],
      [[0, new Float32Array(512)], /sample rate/],
      [[16000.5, new Float32Array(512)], /sample rate/],
      [["16000", new Float32Array(512)], /sample rate/],
      [[16000, [1, 2, 3]], /samples/],
      [[16000, new Float64Array(512)], /samples/],
      [[16000, new Float32Array(512), "surround"], /layout/],
      [[16000, new Int16Array(3), "stereo"], /even/],
    ];
    for (const [input, message] of bad) {
      await expect(s.push(input as never)).rejects.toThrow(message);
    }
    expect(await s.push([16000, new Float32Array(512)])).toHaveLength(1);
    s.close();
  });

  it("a model that fails resolves every frame as speech (1) and logs a warning", async () => {
    const warnings: string[] = [];
    configureLogger({
      level: "warn",
      sink: { debug() {}, info() {}, warn: (m) => warnings.push(m), error() {} },
    });
    const dir = mkdtempSync(join(tmpdir(), "fastrtc-framevad-"));
    try {
      writeFileSync(join(dir, "garbage.onnx"), "not an onnx file");
      const broken = new SileroFrameVad({ modelPath: join(dir, "garbage.onnx") });
      const s = broken.createStream();
      expect(Array.from(await s.push([16000, new Float32Array(1024)]))).toEqual([1, 1]);
      // 100 ms at 48 kHz: three complete frames once the resampler's delay is dropped.
      expect(Array.from(await s.push([48000, new Int16Array(4800)]))).toEqual([1, 1, 1]);
      expect(warnings.some((w) => /frame VAD failed/.test(w))).toBe(true);
      expect(broken.stats.failedBatches).toBeGreaterThanOrEqual(1);
      await expect(broken.warmup()).rejects.toThrow();
      await broken.close();
      const missing = new SileroFrameVad({ modelPath: join(dir, "missing.onnx") });
      expect(Array.from(await missing.createStream().push([16000, new Float32Array(512)]))).toEqual(
        [1],
      );
      await missing.close();
    } finally {
      configureLogger({ level: "silent" });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("constructor options are validated; getFrameVad is one instance per version", () => {
    expect(() => new SileroFrameVad({ version: "v4" as never })).toThrow(RangeError);
    expect(() => new SileroFrameVad({ modelPath: "" })).toThrow(TypeError);
    expect(() => new SileroFrameVad({ maxBatch: 0 })).toThrow(RangeError);
    expect(() => new SileroFrameVad({ batchDelayMs: -1 })).toThrow(RangeError);
    expect(() => new SileroFrameVad({ batchDelayMs: Number.NaN })).toThrow(RangeError);
    expect(() => new SileroFrameVad(null as never)).toThrow(TypeError);
    expect(new SileroFrameVad().version).toBe("v6");
    expect(new SileroFrameVad().modelPath).toMatch(/silero_vad_v6\.onnx$/);
    expect(new SileroFrameVad({ version: "v5" }).modelPath).toMatch(/silero_vad_v5\.onnx$/);
    const a = getFrameVad();
    expect(getFrameVad()).toBe(a);
    // The shared instance gathers frames of all sessions for at most 5 ms into one batch.
    expect(a.batchDelayMs).toBe(5);
    expect(getFrameVad({ version: "v6" })).toBe(a);
    expect(a.version).toBe("v6");
    const b = getFrameVad({ version: "v5" });
    expect(b).not.toBe(a);
    expect(b.version).toBe("v5");
    // The chunk VAD knows v6 too, and keeps v4 (FastRTC's model) as its default.
    expect(new SileroVad({ version: "v6" }).modelPath).toMatch(/silero_vad_v6\.onnx$/);
    expect(new SileroVad().version).toBe("v4");
  });

  it("an idle frame VAD does not keep the process alive", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fastrtc-framevad-exit-"));
    try {
      const script = join(dir, "script.mts");
      const url = new URL("./frameVad.ts", import.meta.url).href;
      writeFileSync(
        script,
        `import { getFrameVad } from ${JSON.stringify(url)};\n` +
          "const s = getFrameVad().createStream();\n" +
          "const p = await s.push([16000, new Float32Array(1024)]);\n" +
          "process.stdout.write(JSON.stringify(Array.from(p, (x) => x < 0.5)));\n",
      );
      const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
      const out = await new Promise<string>((resolve, reject) => {
        execFile(
          process.execPath,
          ["--import", tsx, script],
          { timeout: 30_000, cwd: repoRoot },
          (err, stdout) => (err ? reject(err) : resolve(stdout)),
        );
      });
      expect(JSON.parse(out)).toEqual([true, true]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
