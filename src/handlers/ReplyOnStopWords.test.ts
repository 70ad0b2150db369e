import { describe, expect, it } from "vitest";
import { audioToFloat32 } from "../audio/convert.js";
import type { AudioChunk } from "../audio/types.js";
import { createHarness } from "../session/testing/harness.js";
import type { SttModel } from "../stt/sttTypes.js";
import type { PauseDetectionModel, VadResult } from "../vad/types.js";
import { ReplyOnStopWords, stopWordPattern } from "./ReplyOnStopWords.js";
import { cat, silence, tone } from "./testing/fakes.js";

/** Speech = blocks of 10 ms louder than 0.015 (float or int16 input); one chunk per call. */
const loudVad: PauseDetectionModel = {
  async vad(audio: AudioChunk): Promise<VadResult> {
    const [rate, raw] = audio;
    const f = audioToFloat32(raw);
    const block = Math.round(rate / 100);
    let speech = 0;
    let first = -1;
    let last = -1;
    for (let i = 0; i < f.length; i += block) {
      let peak = 0;
      for (let j = i; j < Math.min(f.length, i + block); j++)
        peak = Math.max(peak, Math.abs(f[j] as number));
      if (peak > 0.015) {
        speech += Math.min(block, f.length - i);
        if (first < 0) first = i;
        last = Math.min(f.length, i + block);
      }
    }
    return [speech / rate, first < 0 ? [] : [{ start: first, end: last }]];
  },
  async warmup() {},
};

/** "Hears" the scripted text when some 0.1 s of the audio is the 880 Hz marker tone. */
function fakeStt(heard: string): SttModel & { calls: number } {
  return {
    calls: 0,
    async stt(audio: AudioChunk) {
      this.calls++;
      const f = audioToFloat32(audio[1]);
      const block = Math.round(audio[0] / 10);
      let hz = 0;
      for (let b = 0; b + block <= f.length; b += block) {
        let crossings = 0;
        for (let i = b + 1; i < b + block; i++) {
          if ((f[i - 1] as number) < 0 !== (f[i] as number) < 0) crossings++;
        }
        hz = Math.max(hz, crossings / 2 / 0.1);
      }
      return hz > 700 ? heard : "mumble";
    },
    async warmup() {},
    async close() {},
  };
}

describe("stopWordPattern (spec §8 step 2.4)", () => {
  it("matches whole words separated by any whitespace, with trailing punctuation", () => {
    expect(stopWordPattern("computer").test("hey computer what time")).toBe(true);
    expect(stopWordPattern("computer").test("hey computer, what time")).toBe(true);
    expect(stopWordPattern("computer").test("hey computer!?")).toBe(true);
    expect(stopWordPattern("computer").test("supercomputers")).toBe(false);
    expect(stopWordPattern("Hey  Computer ").test("ok hey \t computer.")).toBe(true);
    expect(stopWordPattern("hey computer").test("hey, computer")).toBe(false);
    expect(stopWordPattern("c++").test("i like c++ a lot")).toBe(false);
  });

  it("rejects bad options with clear errors", () => {
    const fn = async function* () {};
    expect(() => new ReplyOnStopWords(fn, { stopWords: [] })).toThrow(/non-empty array/);
    expect(() => new ReplyOnStopWords(fn, { stopWords: [" "] })).toThrow(/non-empty array/);
    expect(() => new ReplyOnStopWords(fn, {} as never)).toThrow(/stopWords/);
    expect(() => new ReplyOnStopWords(fn, { stopWords: ["x"], sttModel: {} as never })).toThrow(
      /stt\(audio\)/,
    );
  });
});

describe("ReplyOnStopWords turn flow (virtual clock, fake models)", () => {
  const rate = 16000;
  /** 0.6 s of speech-like 440 Hz, then the 880 Hz "stop word", then a 440 Hz question. */
  const utterance = cat(
    silence(0.6, rate),
    tone(0.6, rate, 440, 6000),
    tone(0.6, rate, 880, 6000),
    silence(0.6, rate),
    tone(1.2, rate, 440, 6000),
    silence(1.8, rate),
  );

  it("sends stopword once, then replies with only the audio after the stop word", async () => {
    const replies: number[] = [];
    const handler = new ReplyOnStopWords(
      async function* (audio: AudioChunk) {
        replies.push(audio[1].length / audio[0]);
        yield audio;
      },
      {
        stopWords: ["computer"],
        sttModel: fakeStt("hey computer"),
        model: loudVad,
        inputSampleRate: rate,
        outputSampleRate: rate,
      },
    );
    const h = createHarness(handler);
    await h.feed(utterance, rate);
    await h.run(3000);
    expect(h.ofType("stopword").map((m) => m.msg)).toEqual([{ type: "stopword", data: "" }]);
    expect(h.logs()).toContain("pause_detected");
    expect(replies).toHaveLength(1);
    // The question: its 1.2 s chunk pair (plus the chunk where it ended), not the stop word.
    expect(replies[0]).toBeGreaterThanOrEqual(1.2);
    expect(replies[0]).toBeLessThanOrEqual(1.8);
    await h.close();
  });

  it("without the stop word there is no reply", async () => {
    let calls = 0;
    const handler = new ReplyOnStopWords(
      async function* (audio: AudioChunk) {
        calls++;
        yield audio;
      },
      {
        stopWords: ["computer"],
        sttModel: fakeStt("hello there"),
        model: loudVad,
        inputSampleRate: rate,
        outputSampleRate: rate,
      },
    );
    const h = createHarness(handler);
    await h.feed(utterance, rate);
    await h.run(3000);
    expect(h.ofType("stopword")).toHaveLength(0);
    expect(calls).toBe(0);
    expect(h.frames).toHaveLength(0);
    await h.close();
  });

  it("copies share the models and keep the stop words", () => {
    const stt = fakeStt("x");
    const handler = new ReplyOnStopWords(async function* () {}, {
      stopWords: ["computer", "hey jarvis"],
      sttModel: stt,
      model: loudVad,
    });
    const copy = handler.copy();
    expect(copy).toBeInstanceOf(ReplyOnStopWords);
    expect(copy.stopWords).toEqual(["computer", "hey jarvis"]);
    expect(copy.matchesStopWord("Hey Jarvis.")).toBe(true);
  });
});
