/**
 * The real eSpeak-NG engine in its worker thread (needs the optional package
 * @echogarden/espeak-ng-emscripten, installed in this repository).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AudioChunk } from "../audio/types.js";
import { ESPEAK_SAMPLE_RATE, EspeakTts } from "./espeak.js";
import { getTtsModel } from "./getTtsModel.js";
import { sentenceSilenceSamples } from "./sentences.js";

let model: EspeakTts;

beforeAll(async () => {
  model = await getTtsModel("espeak");
});

afterAll(async () => {
  await model.close();
});

function rms(x: Float32Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s / Math.max(1, x.length));
}

function isSilence(chunk: AudioChunk, length: number): boolean {
  return chunk[1].length === length && chunk[1].every((v) => v === 0);
}

async function collect(it: AsyncIterable<AudioChunk>): Promise<AudioChunk[]> {
  const out: AudioChunk[] = [];
  for await (const c of it) out.push(c);
  return out;
}

/** Splits a stream at its inter-sentence silences; returns the sample count of each sentence. */
function sentenceLengths(chunks: AudioChunk[], silence: number): number[] {
  const lengths: number[] = [0];
  for (const c of chunks) {
    if (isSilence(c, silence)) lengths.push(0);
    else lengths[lengths.length - 1]! += c[1].length;
  }
  return lengths;
}

const THREE = [
  "Hi.",
  "This second sentence is a good deal longer than the first one, by design!",
  "Is the third one in order?",
];

describe("espeak model (real engine, worker thread)", () => {
  it("is shared: the same promise for the same name and options", async () => {
    const a = getTtsModel("espeak");
    const b = getTtsModel("espeak", { voice: "en-us", speed: 1 });
    expect(a).toBe(b);
    expect(await a).toBe(model);
    expect(getTtsModel("espeak", { voice: "en-gb" })).not.toBe(a);
    await (await getTtsModel("espeak", { voice: "en-gb" })).close();
  });

  it("tts(): mono float32 at 22050 Hz, plausible duration, clearly not silent", async () => {
    const chunk = await model.tts("Hello world, this is a test.");
    expect(chunk.length).toBe(2);
    const [rate, samples] = chunk;
    expect(rate).toBe(ESPEAK_SAMPLE_RATE);
    expect(model.sampleRate).toBe(22050);
    expect(samples).toBeInstanceOf(Float32Array);
    const seconds = samples.length / rate;
    expect(seconds).toBeGreaterThan(1);
    expect(seconds).toBeLessThan(4);
    expect(rms(samples as Float32Array)).toBeGreaterThan(0.02);
    expect(samples.every((v) => v >= -1 && v <= 1)).toBe(true);
  });

  it("streamTts(): sentences in order with 3150 zero samples before sentences 2 and 3", async () => {
    const silence = sentenceSilenceSamples(22050);
    expect(silence).toBe(3150);
    const chunks = await collect(model.streamTts(THREE.join(" ")));
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    for (const [rate, s] of chunks) {
      expect(rate).toBe(22050);
      expect(s).toBeInstanceOf(Float32Array);
    }
    expect(chunks.filter((c) => isSilence(c, silence)).length).toBe(2);
    expect(isSilence(chunks[0]!, silence)).toBe(false);
    // Each sentence's audio matches that sentence synthesized alone (eSpeak varies by a few
    // samples from call to call); the lengths differ enough to prove the order.
    const alone = await Promise.all(THREE.map((s) => model.tts(s)));
    const got = sentenceLengths(chunks, silence);
    expect(got.length).toBe(3);
    got.forEach((n, i) => {
      const want = alone[i]![1].length;
      expect(Math.abs(n - want)).toBeLessThan(want * 0.02);
    });
    const total = chunks.reduce((n, c) => n + c[1].length, 0);
    expect(total).toBe(got[0]! + got[1]! + got[2]! + 2 * silence);
  });

  it("streamTtsSync() gives the same structure, blocking for each chunk", () => {
    const chunks = [...model.streamTtsSync(THREE.join(" "), { speed: 1.3 })];
    const got = sentenceLengths(chunks, 3150);
    expect(got.length).toBe(3);
    expect(got[0]!).toBeLessThan(got[2]!);
    expect(got[2]!).toBeLessThan(got[1]!);
    for (const n of got) expect(n).toBeGreaterThan(2205);
  });

  it("streamTtsSync() works on a fresh model before anything was loaded", async () => {
    const fresh = new EspeakTts();
    try {
      const chunks = [...fresh.streamTtsSync("Synchronous start.")];
      expect(chunks.length).toBeGreaterThan(0);
      expect(rms(chunks.map((c) => c[1] as Float32Array).reduce(join))).toBeGreaterThan(0.02);
    } finally {
      await fresh.close();
    }
  });

  it("voice, speed and pitch change the audio", async () => {
    const text = "The quick brown fox jumps over the lazy dog.";
    const normal = (await model.tts(text))[1].length;
    const fast = (await model.tts(text, { speed: 2 }))[1].length;
    const slow = (await model.tts(text, { speed: 0.5 }))[1].length;
    expect(fast).toBeLessThan(normal * 0.7);
    expect(slow).toBeGreaterThan(normal * 1.5);
    const british = await model.tts(text, { voice: "en-gb+f3", pitch: 70 });
    expect(rms(british[1] as Float32Array)).toBeGreaterThan(0.02);
  });

  it("rejects bad input with TypeError / RangeError", async () => {
    await expect(model.tts(123 as never)).rejects.toThrow(TypeError);
    expect(() => model.streamTts({} as never)).toThrow(TypeError);
    expect(() => model.streamTtsSync(undefined as never)).toThrow(TypeError);
    await expect(model.tts("Hi.", { speed: 10 })).rejects.toThrow(RangeError);
    await expect(model.tts("Hi.", { pitch: "high" as never })).rejects.toThrow(TypeError);
    await expect(model.tts("Hi.", { rate: 200 } as never)).rejects.toThrow(/unknown option/);
    // Checked by the engine inside the worker; the RangeError crosses the thread boundary.
    await expect(model.tts("Hi.", { voice: "xx-none" })).rejects.toThrow(RangeError);
    await expect(model.tts("Hi.", { voice: "xx-none" })).rejects.toThrow(
      /English voices: .*"en-us"/,
    );
    expect(() => [...model.streamTtsSync("Hi.", { voice: "xx-none" })]).toThrow(RangeError);
    // The engine still works afterwards.
    expect((await model.tts("Still fine."))[1].length).toBeGreaterThan(10000);
  });

  it("blank text gives no audio", async () => {
    expect((await model.tts("  \n"))[1].length).toBe(0);
    expect(await collect(model.streamTts(""))).toEqual([]);
  });

  it("two concurrent tts() calls both resolve", async () => {
    const [a, b] = await Promise.all([
      model.tts("First concurrent request."),
      model.tts("Second concurrent request, a little longer."),
    ]);
    expect(a[1].length).toBeGreaterThan(22050 * 0.8);
    expect(b[1].length).toBeGreaterThan(a[1].length);
  });

  it("concurrent streams each get their own sentences", async () => {
    const [x, y] = await Promise.all([
      collect(model.streamTts("Alpha one. Alpha two.")),
      collect(model.streamTts("Bravo one. Bravo two. Bravo three.")),
    ]);
    expect(x.filter((c) => isSilence(c, 3150)).length).toBe(1);
    expect(y.filter((c) => isSilence(c, 3150)).length).toBe(2);
  });

  it("the main thread keeps ticking while a long text is synthesized", async () => {
    const text = Array.from(
      { length: 60 },
      (_, i) => `This is sentence number ${i + 1} of a rather long reply.`,
    ).join(" ");
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      const [, samples] = await model.tts(text);
      expect(samples.length / 22050).toBeGreaterThan(60);
    } finally {
      clearInterval(timer);
    }
    // Synthesizing a minute of speech takes well over 15 ms; on the main thread it would have
    // been one uninterrupted block with no tick at all.
    expect(ticks).toBeGreaterThanOrEqual(3);
  });

  it("breaking out of a stream cancels it and the engine keeps serving", async () => {
    const long = Array.from({ length: 30 }, (_, i) => `Sentence ${i}.`).join(" ");
    let n = 0;
    for await (const _ of model.streamTts(long)) {
      if (++n === 2) break;
    }
    for (const _ of model.streamTtsSync(long)) break;
    expect((await model.tts("After the cancel."))[1].length).toBeGreaterThan(10000);
  });

  it("close() ends the worker; the next call starts it again", async () => {
    const m = new EspeakTts();
    await m.warmup();
    await m.close();
    await m.close();
    expect((await m.tts("Back again."))[1].length).toBeGreaterThan(10000);
    await m.close();
  });
});

describe("espeak model when eSpeak-NG is missing", () => {
  const missing = "@echogarden/espeak-ng-emscripten-not-installed";

  it("warmup() rejects with a clear error naming the module", async () => {
    const m = new EspeakTts({ moduleSpecifier: missing });
    await expect(m.warmup()).rejects.toThrow(/could not find its eSpeak-NG module.*GPL-3\.0/s);
    expect(() => [...m.streamTtsSync("Hi.")]).toThrow(
      /npm install @echogarden\/espeak-ng-emscripten/,
    );
    await m.close();
  });

  it("getTtsModel rejects and does not keep the failed model", async () => {
    const first = getTtsModel("espeak", { moduleSpecifier: missing });
    await expect(first).rejects.toThrow(/@echogarden\/espeak-ng-emscripten/);
    const second = getTtsModel("espeak", { moduleSpecifier: missing });
    expect(second).not.toBe(first);
    await expect(second).rejects.toThrow(Error);
  });
});

function join(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
