/**
 * ReplyOnPause with the streaming policy (the default), on virtual time with a deterministic
 * energy frame VAD: end of turn, holds, preemptive replies, barge-in (pause / commit / resume),
 * echo, and `turnTaking: "fastrtc"` kept apart.
 */
import { describe, expect, it } from "vitest";
import type { AudioChunk } from "../audio/types.js";
import { createHarness, type Harness } from "../session/testing/harness.js";
import type { SessionTurnEvent } from "../session/turnTypes.js";
import type { TurnDetector } from "../turns/turnDetectorTypes.js";
import { EnergyFrameVad } from "../vad/testing/energyFrameVad.js";
import { ReplyOnPause } from "./ReplyOnPause.js";
import type { ReplyOnPauseOptions } from "./replyOnPauseTypes.js";
import { cat, silence, tone } from "./testing/fakes.js";

const RATE = 16000;

interface Call {
  at: number;
  seconds: number;
  closed: boolean;
  finished: boolean;
}

/** A reply that waits `thinkMs` (on the session clock), then yields `replySeconds` of tone. */
function slowEcho(h: () => Harness, calls: Call[], thinkMs: number, replySeconds: number) {
  return async function* (audio: AudioChunk) {
    const call: Call = {
      at: h().clock.now(),
      seconds: audio[1].length / audio[0],
      closed: true,
      finished: false,
    };
    calls.push(call);
    try {
      if (thinkMs > 0) await h().clock.sleep(thinkMs);
      yield [RATE, tone(replySeconds, RATE, 300)] as AudioChunk;
      call.finished = true;
    } finally {
      call.closed = !call.finished;
    }
  };
}

function setup(
  options: Partial<ReplyOnPauseOptions> & { thinkMs?: number; replySeconds?: number } = {},
) {
  const calls: Call[] = [];
  const events: SessionTurnEvent[] = [];
  let harness: Harness | null = null;
  const { thinkMs = 0, replySeconds = 0.4, ...rest } = options;
  const handler = new ReplyOnPause(
    slowEcho(() => harness as Harness, calls, thinkMs, replySeconds),
    {
      frameVad: new EnergyFrameVad(),
      inputSampleRate: RATE,
      outputSampleRate: RATE,
      turnTaking: { dynamic: false },
      turnDetector: null,
      ...rest,
    },
  );
  harness = createHarness(handler, { onTurnEvent: (e) => events.push(e) });
  const h = harness;
  const at = (type: string, turn = 1) =>
    events.find((e) => e.type === type && e.turn === turn)?.at ?? Number.NaN;
  return { h, handler, calls, events, at };
}

describe("ReplyOnPause, streaming policy (default)", () => {
  it("is the default; algoOptions, model or 'fastrtc' keep FastRTC's algorithm", () => {
    const fn = function* () {};
    expect(new ReplyOnPause(fn).turnTakingMode).toBe("streaming");
    expect(new ReplyOnPause(fn, { turnTaking: "fastrtc" }).turnTakingMode).toBe("fastrtc");
    expect(new ReplyOnPause(fn, { algoOptions: {} }).turnTakingMode).toBe("fastrtc");
    expect(
      new ReplyOnPause(fn, { model: { vad: async () => [0, []], warmup: async () => {} } })
        .turnTakingMode,
    ).toBe("fastrtc");
    expect(() => new ReplyOnPause(fn, { turnTaking: { endSilenceMs: -5 } })).toThrow(
      /endSilenceMs/,
    );
    expect(() => new ReplyOnPause(fn, { bargeIn: { commitAfterMs: 1 } })).toThrow(/commitAfterMs/);
    expect(() => new ReplyOnPause(fn, { maxPreemptiveStarts: -1 })).toThrow(/maxPreemptive/);
  });

  it("one utterance: one reply, pause_detected one silence window after the speech ends", async () => {
    const { h, calls, at } = setup();
    await h.feed(cat(silence(0.5, RATE), tone(1.0, RATE), silence(1.5, RATE)), RATE);
    await h.run(500);
    await h.close();
    expect(calls).toHaveLength(1);
    expect(h.logs()).toEqual(["started_talking", "pause_detected", "response_starting"]);
    // Speech 0.5–1.5 s; frames of 32 ms: the silence window (640 ms) counts from the first
    // silent frame, so the turn ends 640–672 ms after the true end, not 0.5–1.1 s as FastRTC.
    const delay = at("turn_detected") - at("speech_ended");
    expect(delay).toBeGreaterThanOrEqual(640);
    expect(delay).toBeLessThanOrEqual(640 + 32);
    expect(at("speech_ended")).toBeGreaterThanOrEqual(1500);
    expect(at("speech_ended")).toBeLessThanOrEqual(1500 + 32);
    // The reply got the turn with its prefix padding (0.5 s before the onset).
    expect(calls[0]?.seconds).toBeGreaterThan(1.4);
  });

  it("on an 8 kHz wire it takes the frames unresampled; the reply function gets the turn at inputSampleRate", async () => {
    const fn = function* () {};
    expect(new ReplyOnPause(fn).receiveRateFor(8000)).toBe(8000);
    expect(new ReplyOnPause(fn).receiveRateFor(48000)).toBe(48000);
    expect(new ReplyOnPause(fn, { inputSampleRate: 8000 }).receiveRateFor(8000)).toBe(8000);
    // FastRTC's algorithm, stereo, or a subclass with its own receive(): inputSampleRate.
    expect(new ReplyOnPause(fn, { turnTaking: "fastrtc" }).receiveRateFor(8000)).toBe(48000);
    expect(new ReplyOnPause(fn, { expectedLayout: "stereo" }).receiveRateFor(8000)).toBe(48000);
    class Spy extends ReplyOnPause {
      override receive(frame: AudioChunk): Promise<void> {
        return super.receive(frame);
      }
    }
    expect(new Spy(fn).receiveRateFor(8000)).toBe(48000);

    const got: AudioChunk[] = [];
    const received: number[] = [];
    const handler = new ReplyOnPause(
      function* (audio: AudioChunk) {
        got.push(audio);
      },
      { frameVad: new EnergyFrameVad(), turnTaking: { dynamic: false }, turnDetector: null },
    );
    const receive = handler.receive.bind(handler);
    const h = createHarness(handler, {
      wireInputRate: 8000,
      inputFraming: "duration",
      inputQuality: "fast",
    });
    // Frames reach the handler as they came (a spy on the instance: receiveRateFor was asked).
    handler.receive = (frame: AudioChunk) => {
      received.push(frame[0], frame[1].length);
      return receive(frame);
    };
    await h.feed(cat(silence(0.5, 8000), tone(1.0, 8000, 440), silence(1.5, 8000)), 8000);
    await h.run(300);
    await h.close();
    expect(received.slice(0, 4)).toEqual([8000, 160, 8000, 160]);
    expect(got).toHaveLength(1);
    const [rate, audio] = got[0] as AudioChunk;
    expect(rate).toBe(48000);
    // The turn with its prefix padding, six samples per wire sample, the tone at its pitch.
    expect(audio.length % 6).toBe(0);
    expect(audio.length / 48000).toBeGreaterThan(1.4);
    let crossings = 0;
    const mid = audio.subarray(48000 * 0.6, 48000 * 1.2);
    for (let i = 1; i < mid.length; i++) if (mid[i - 1]! < 0 !== mid[i]! < 0) crossings++;
    expect(crossings / 2 / 0.6).toBeCloseTo(440, -1);
  });

  it("a pause shorter than the window stays inside the turn: one reply with all the speech", async () => {
    const { h, calls, events } = setup();
    await h.feed(
      cat(silence(0.3, RATE), tone(0.8, RATE), silence(0.45, RATE), tone(0.8, RATE)),
      RATE,
    );
    await h.feed(silence(1.5, RATE), RATE);
    await h.close();
    expect(calls).toHaveLength(1);
    expect(calls[0]?.seconds).toBeGreaterThan(2.0);
    expect(events.map((e) => e.type)).toContain("candidate_cancelled");
  });

  it("preemptive: fn starts at the candidate, its audio waits for the confirmation", async () => {
    const { h, calls, at, handler } = setup({ preemptive: true, thinkMs: 300 });
    expect(handler.preemptive).toBe(true);
    await h.feed(cat(silence(0.5, RATE), tone(1.0, RATE), silence(1.5, RATE)), RATE);
    await h.close();
    expect(calls).toHaveLength(1);
    const candidate = at("end_candidate");
    const detected = at("turn_detected");
    // fn was called at the candidate (96 ms of silence), ~540 ms before the confirmation.
    expect(calls[0]?.at).toBe(candidate);
    expect(detected - candidate).toBeGreaterThanOrEqual(500);
    // Its audio was held: nothing before the confirmation; at once after it (it was ready).
    const first = h.frames[0]?.t ?? Number.NaN;
    expect(first).toBeGreaterThanOrEqual(detected);
    expect(first - detected).toBeLessThanOrEqual(20);
    expect(h.logs()).toEqual(["started_talking", "pause_detected", "response_starting"]);
  });

  it("preemptive: the person goes on → the reply is closed and started again later", async () => {
    const { h, calls } = setup({ preemptive: true, thinkMs: 400 });
    await h.feed(
      cat(silence(0.3, RATE), tone(0.8, RATE), silence(0.4, RATE), tone(0.8, RATE)),
      RATE,
    );
    await h.feed(silence(1.5, RATE), RATE);
    await h.close();
    expect(calls).toHaveLength(2);
    expect(calls[0]?.closed).toBe(true); // return() reached its finally block, nothing played
    expect(calls[1]?.finished).toBe(true);
    expect(calls[1]?.seconds).toBeGreaterThan(calls[0]?.seconds ?? 0);
    // Only the second reply's audio played (0.4 s).
    expect(h.frames.length).toBe(20);
  });

  it("preemptive starts are bounded per turn (maxPreemptiveStarts)", async () => {
    const { h, calls } = setup({ preemptive: true, thinkMs: 300, maxPreemptiveStarts: 2 });
    const word = cat(tone(0.3, RATE), silence(0.3, RATE));
    await h.feed(cat(silence(0.3, RATE), word, word, word, word, tone(0.3, RATE)), RATE);
    await h.feed(silence(1.5, RATE), RATE);
    await h.close();
    // Two preemptive starts cancelled, then the confirmed turn's normal start.
    expect(calls).toHaveLength(3);
    expect(calls.slice(0, 2).every((c) => c.closed)).toBe(true);
  });

  it("preemptive with a detector: a candidate it calls 'not over' spends no start", async () => {
    const startsWith = async (p: number) => {
      const detector: TurnDetector = { endOfTurnProbability: async () => p };
      const { h, calls } = setup({ preemptive: true, thinkMs: 300, turnDetector: detector });
      const word = cat(tone(0.3, RATE), silence(0.25, RATE));
      await h.feed(cat(silence(0.3, RATE), word, word, word, word, tone(0.3, RATE)), RATE);
      await h.feed(silence(2.5, RATE), RATE);
      await h.close();
      return calls;
    };
    // "Not over" everywhere: no preemptive start; the confirmed turn is the only call.
    expect(await startsWith(0.1)).toHaveLength(1);
    // "Over" at each pause: every candidate starts one (four cancelled, then the last held one
    // is released... up to maxPreemptiveStarts = 3, then the confirmed turn's normal start).
    const eager = await startsWith(0.9);
    expect(eager.length).toBeGreaterThanOrEqual(3);
    expect(eager.slice(0, -1).every((c) => c.closed)).toBe(true);
  });

  it("a detector with audioWindowMs gets only that much of the turn's end; others the whole turn", async () => {
    const heard = async (audioWindowMs?: number) => {
      const lengths: number[] = [];
      const detector: TurnDetector = {
        ...(audioWindowMs === undefined ? {} : { audioWindowMs }),
        endOfTurnProbability: async ({ audio }) => {
          lengths.push(audio[1].length / audio[0]);
          return 0.5;
        },
      };
      const { h } = setup({ turnDetector: detector });
      await h.feed(cat(silence(0.3, RATE), tone(2, RATE), silence(2, RATE)), RATE);
      await h.close();
      return lengths;
    };
    const windowed = await heard(500);
    expect(windowed.length).toBeGreaterThan(0);
    for (const s of windowed) expect(s).toBeCloseTo(0.5, 2);
    const whole = await heard();
    // The turn from its onset (with 500 ms of padding) to the candidate: over 2 s.
    for (const s of whole) expect(s).toBeGreaterThan(2);
  });

  it("a detector that says 'over' answers sooner; 'not over' waits longer", async () => {
    const delayWith = async (p: number) => {
      const detector: TurnDetector = { endOfTurnProbability: async () => p };
      const { h, at } = setup({ turnDetector: detector });
      await h.feed(cat(silence(0.3, RATE), tone(0.8, RATE), silence(2.5, RATE)), RATE);
      await h.close();
      return at("turn_detected") - at("speech_ended");
    };
    const sure = await delayWith(1);
    const unsure = await delayWith(0.5);
    const notOver = await delayWith(0);
    expect(sure).toBeLessThanOrEqual(256 + 32);
    expect(unsure).toBeGreaterThanOrEqual(640);
    expect(unsure).toBeLessThanOrEqual(672);
    expect(notOver).toBeGreaterThanOrEqual(1600);
  });

  it("speech right after a confirmed turn, before its reply is heard, continues that turn", async () => {
    // The reply thinks 1 s; the person goes on 0.8 s after the end: one merged turn answered.
    const { h, calls, events } = setup({ thinkMs: 1000 });
    await h.feed(
      cat(silence(0.3, RATE), tone(0.8, RATE), silence(0.8, RATE), tone(0.8, RATE)),
      RATE,
    );
    await h.feed(silence(3, RATE), RATE);
    await h.close();
    expect(calls).toHaveLength(2);
    expect(calls[0]?.closed).toBe(true);
    // The second call has both parts (0.8 + 0.8 + 0.8 pause + padding).
    expect(calls[1]?.seconds).toBeGreaterThan(2.4);
    expect(events.filter((e) => e.type === "first_audio_sent")).toHaveLength(1);
  });
});

describe("barge-in at speech onset", () => {
  /** A 5 s reply to a first turn, then `interrupt` fed while it plays. */
  async function talkOver(interrupt: Int16Array, options: Partial<ReplyOnPauseOptions> = {}) {
    const s = setup({ replySeconds: 5, ...options });
    await s.h.feed(cat(silence(0.3, RATE), tone(0.6, RATE), silence(0.8, RATE)), RATE);
    const replyStart = s.h.frames[0]?.t ?? Number.NaN;
    await s.h.feed(silence(0.5, RATE), RATE);
    const onset = s.h.clock.now();
    await s.h.feed(interrupt, RATE);
    await s.h.feed(silence(1.5, RATE), RATE);
    await s.h.run(4000);
    await s.h.close();
    return { ...s, replyStart, onset };
  }

  it("pauses the reply within 150 ms of the onset and commits: one new turn from the onset", async () => {
    const { h, calls, events, onset, at } = await talkOver(tone(1.0, RATE, 500));
    const paused = at("playback_paused");
    expect(paused - onset).toBeLessThanOrEqual(150);
    // No reply frame went out between the pause and the commit.
    const interrupted = at("interrupted");
    expect(interrupted).toBeGreaterThan(paused);
    expect(h.frames.filter((f) => f.t > paused && f.t <= interrupted + 1)).toEqual([]);
    expect(events.map((e) => `${e.turn}:${e.type}`)).toContain("2:speech_started");
    expect(calls).toHaveLength(2);
    // The new turn has the interrupting speech from its onset (1 s) with padding.
    expect(calls[1]?.seconds).toBeGreaterThan(1.0);
    expect(calls[0]?.finished).toBe(true); // its generator had finished; its audio was dropped
  });

  it("a short noise pauses the reply, then it resumes where it stopped", async () => {
    const { h, calls, events, replyStart } = await talkOver(tone(0.15, RATE, 500));
    const types = events.map((e) => e.type);
    expect(types).toContain("playback_paused");
    expect(types).toContain("playback_resumed");
    expect(types).not.toContain("interrupted");
    expect(calls).toHaveLength(1);
    // The whole 5 s reply still played (nothing dropped), with a gap of the pause.
    expect(h.frames.length).toBe(250);
    const last = h.frames[h.frames.length - 1]?.t ?? 0;
    expect(last - replyStart).toBeGreaterThan(5000);
  });

  it("a quiet person (20 dB under the reply) who talks over it still barges in", async () => {
    const { events, calls } = await talkOver(tone(1.0, RATE, 500, 800));
    const types = events.map((e) => e.type);
    expect(types).toContain("playback_paused");
    expect(types).toContain("interrupted");
    expect(calls).toHaveLength(2);
  });

  it("the reply's own voice fed back at -25 dB, 100 ms late, never pauses it", async () => {
    const s = setup({ replySeconds: 4, frameVad: new EnergyFrameVad(100) });
    const { h } = s;
    await h.feed(cat(silence(0.3, RATE), tone(0.6, RATE), silence(0.8, RATE)), RATE);
    // Feed back what the session sends, 100 ms later, 25 dB down.
    const gain = 10 ** (-25 / 20);
    const delayFrames = 5;
    for (let i = 0; i < 250; i++) {
      const played = h.frames[h.frames.length - 1 - delayFrames];
      const echo = new Int16Array(RATE / 50);
      if (played) for (let j = 0; j < echo.length; j++) echo[j] = (played.samples[j] ?? 0) * gain;
      await h.feed(echo, RATE);
    }
    await h.close();
    const types = s.events.map((e) => e.type);
    expect(types).not.toContain("playback_paused");
    expect(s.calls).toHaveLength(1);
    expect(h.frames.length).toBe(200);
  });

  it("bargeIn: false interrupts only when the interrupting turn ends (FastRTC's way)", async () => {
    const { events, at } = await talkOver(tone(1.0, RATE, 500), { bargeIn: false });
    expect(events.map((e) => e.type)).not.toContain("playback_paused");
    expect(at("interrupted")).toBeGreaterThanOrEqual(at("speech_ended", 2));
  });

  it("canInterrupt: false ignores speech while the reply plays", async () => {
    const { events, calls } = await talkOver(tone(1.0, RATE, 500), { canInterrupt: false });
    expect(events.map((e) => e.type)).not.toContain("playback_paused");
    expect(events.map((e) => e.type)).not.toContain("interrupted");
    expect(calls).toHaveLength(1);
  });
});
