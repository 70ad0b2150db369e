/**
 * ReplyOnPause with the real Silero model on the shared, labelled fixtures, through the session
 * driver on virtual time.
 */
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { fixturePath } from "../audio/testing/fixtures.js";
import type { AudioChunk } from "../audio/types.js";
import { readWavFile } from "../audio/wav.js";
import { createHarness } from "../session/testing/harness.js";
import { getSileroModel } from "../vad/silero.js";
import { ReplyOnPause } from "./ReplyOnPause.js";

interface Segment {
  file: string;
  start: number;
  end: number;
}

function segments(file: string): Segment[] {
  const tsv = readFileSync(fixturePath("synthetic/segments.tsv"), "utf8")
    .trim()
    .split("\n")
    .slice(1);
  return tsv
    .map((line) => line.split("\t"))
    .filter((c) => c[0] === file)
    .map((c) => ({ file, start: Number(c[5]), end: Number(c[6]) }));
}

async function loadMono(name: string): Promise<[number, Int16Array]> {
  const wav = await readWavFile(fixturePath(name));
  expect(wav.channels).toBe(1);
  expect(wav.samples).toBeInstanceOf(Int16Array);
  return [wav.sampleRate, wav.samples as Int16Array];
}

interface Reply {
  /** Virtual time (s) when fn was called. */
  at: number;
  /** Audio passed to fn: [start, end] in seconds of the input stream. */
  span: [number, number];
}

/** Streams a file (then `tailS` of silence) in 20 ms frames to an echo ReplyOnPause. */
async function run(name: string, tailS = 2.0) {
  const [rate, samples] = await loadMono(name);
  const replies: Reply[] = [];
  let harness: ReturnType<typeof createHarness> | null = null;
  const handler = new ReplyOnPause(function* (audio: AudioChunk) {
    const h = harness as ReturnType<typeof createHarness>;
    const end = h.pushedSeconds;
    replies.push({ at: h.clock.now() / 1000, span: [end - audio[1].length / audio[0], end] });
    yield audio;
  });
  const h = createHarness(handler);
  harness = h;
  await h.feed(samples, rate);
  await h.silence(tailS * 1000, rate);
  await h.run(100);
  await h.close();
  return { replies, logs: h.logs(), frames: h.frames.length };
}

afterAll(async () => {
  await getSileroModel().close();
});

describe("ReplyOnPause on labelled fixtures (Silero v4, FastRTC defaults)", () => {
  for (const rate of ["16k", "48k"]) {
    it(`${rate}/two_turns.wav: two replies, each holding its utterance and starting after it`, async () => {
      const file = `${rate}/two_turns.wav`;
      const { replies, logs } = await run(`synthetic/${file}`);
      const segs = segments(file);
      expect(segs).toHaveLength(2);
      expect(replies).toHaveLength(2);
      replies.forEach((r, i) => {
        const seg = segs[i] as Segment;
        expect(r.span[0]).toBeLessThanOrEqual(seg.start);
        expect(r.span[1]).toBeGreaterThanOrEqual(seg.end);
        expect(r.at).toBeGreaterThan(seg.end);
      });
      // The second reply's audio does not reach back into the first utterance.
      expect(replies[1]!.span[0]).toBeGreaterThan(segs[0]!.end);
      expect(logs.filter((l) => l === "started_talking")).toHaveLength(2);
      expect(logs.filter((l) => l === "pause_detected")).toHaveLength(2);
    });

    it(`${rate}/short_pause_inside_turn.wav: a 0.3 s pause does not end the turn`, async () => {
      const file = `${rate}/short_pause_inside_turn.wav`;
      const { replies } = await run(`synthetic/${file}`);
      const segs = segments(file);
      expect(replies).toHaveLength(1);
      expect(replies[0]!.span[0]).toBeLessThanOrEqual(segs[0]!.start);
      expect(replies[0]!.span[1]).toBeGreaterThanOrEqual(segs[1]!.end);
    });
  }

  for (const file of ["silence_only.wav", "noise_only.wav"]) {
    it(`16k and 48k ${file}: no reply`, async () => {
      for (const rate of ["16k", "48k"]) {
        const { replies, logs } = await run(`synthetic/${rate}/${file}`);
        expect(replies).toHaveLength(0);
        expect(logs).toEqual([]);
      }
    });
  }

  it("leopard__test.wav (real speech): exactly one reply, after the last word", async () => {
    const { replies } = await run("leopard__test.wav");
    expect(replies).toHaveLength(1);
    expect(replies[0]!.at).toBeGreaterThan(5.34);
    expect(replies[0]!.span[0]).toBeLessThanOrEqual(0.54);
  });

  it("speechbrain__vad_train.wav: replies come only after labelled speech", async () => {
    const speech: Array<[number, number]> = [
      [0.52, 0.85],
      [1.32, 1.83],
      [2.35, 3.7],
      [4.16, 5.64],
    ];
    const { replies } = await run("speechbrain__vad_train.wav");
    expect(replies.length).toBeGreaterThanOrEqual(1);
    for (const r of replies) {
      // Each reply follows the end of some speech, and its audio holds that speech.
      const before = speech.filter(([, end]) => end < r.at);
      expect(before.length).toBeGreaterThan(0);
      const last = before.at(-1) as [number, number];
      expect(r.span[1]).toBeGreaterThanOrEqual(last[1]);
      // It answers that speech within two chunks (a pause needs one silent 0.6 s chunk). With
      // FastRTC's chunking a 0.5 s gap can end a turn, so a reply may start just as the next
      // labelled segment begins (here at 2.38 s, 30 ms into the segment starting at 2.35 s).
      expect(r.at - last[1]).toBeLessThanOrEqual(1.2);
    }
    expect(replies.at(-1)!.at).toBeGreaterThan(5.64);
  });
});
