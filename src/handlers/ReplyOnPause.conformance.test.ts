import { describe, expect, it } from "vitest";
import type { AudioChunk } from "../audio/types.js";
import { createHarness } from "../session/testing/harness.js";
import { AdditionalOutputs, WebRTCData } from "./outputs.js";
import { ReplyOnPause } from "./ReplyOnPause.js";
import { DEFAULT_ALGO_OPTIONS } from "./replyOnPauseTypes.js";
import { cat, EnergyVad, failingVad, silence, tone } from "./testing/fakes.js";

const R = 16000;

function echoHandler(opts: ConstructorParameters<typeof ReplyOnPause>[1] = {}) {
  const calls: Array<{ audio: AudioChunk; args: unknown[]; at: number }> = [];
  const model = new EnergyVad();
  let now = () => 0;
  const handler = new ReplyOnPause(
    function* (audio: AudioChunk, ...args: unknown[]) {
      calls.push({ audio, args, at: now() });
      yield audio;
    },
    {
      inputSampleRate: R,
      outputSampleRate: R,
      model,
      ...opts,
      algoOptions: { preRollS: 0, ...opts.algoOptions },
    },
  );
  return { handler, calls, model, setNow: (f: () => number) => (now = f) };
}

/** 0.6 s silence, `speechS` of tone, then `after` s of silence. */
function utterance(speechS: number, after = 1.2): Int16Array {
  return cat(silence(0.6, R), tone(speechS, R), silence(after, R));
}

describe("ReplyOnPause (FastRTC §7) on a deterministic VAD", () => {
  it("53: AlgoOptions defaults are 0.6 / 0.2 / 0.1 / Infinity (plus our preRollS 0.4)", () => {
    expect(DEFAULT_ALGO_OPTIONS).toEqual({
      audioChunkDuration: 0.6,
      startedTalkingThreshold: 0.2,
      speechThreshold: 0.1,
      maxContinuousSpeechS: Number.POSITIVE_INFINITY,
      preRollS: 0.4,
    });
    const h = new ReplyOnPause(function* () {});
    expect(h.algoOptions).toEqual(DEFAULT_ALGO_OPTIONS);
    expect(h.canInterrupt).toBe(true);
    expect(h.inputSampleRate).toBe(48000);
    expect(h.outputSampleRate).toBe(24000);
  });

  it("54: the VAD runs only on full 0.6 s chunks, and the buffer is then cleared", async () => {
    const { handler, model } = echoHandler();
    const h = createHarness(handler);
    await h.silence(590, R);
    expect(model.calls).toHaveLength(0);
    await h.silence(10, R);
    expect(model.calls).toHaveLength(1);
    expect(model.calls[0]?.length).toBe(0.6 * R);
    await h.silence(600, R);
    expect(model.calls.map((c) => c.length)).toEqual([9600, 9600]);
    await h.close();
  });

  it("55: started_talking is sent once per utterance", async () => {
    const { handler } = echoHandler();
    const h = createHarness(handler);
    await h.feed(utterance(1.5), R);
    await h.feed(utterance(1.5), R);
    await h.run(5000);
    expect(h.logs().filter((l) => l === "started_talking")).toHaveLength(2);
    await h.close();
  });

  it("preRollS keeps the end of the chunk before onset (default 0.4 s)", async () => {
    const { handler, calls } = echoHandler({ algoOptions: { preRollS: 0.4 } });
    const h = createHarness(handler);
    await h.feed(utterance(1.0, 1.2), R);
    expect(calls[0]!.audio[1].length).toBe(2.2 * R);
    await h.close();
    expect(() => new ReplyOnPause(function* () {}, { algoOptions: { preRollS: -1 } })).toThrow(
      RangeError,
    );
    expect(
      () =>
        new ReplyOnPause(function* () {}, {
          algoOptions: { speechThreshold: "x" as unknown as number },
        }),
    ).toThrow(TypeError);
  });

  it("56 + 57 (preRollS 0 = FastRTC): audio before onset is dropped; onset chunk to the pause chunk is passed as (rate, int16)", async () => {
    const { handler, calls } = echoHandler();
    const h = createHarness(handler);
    // chunks: [0,.6) silence, [.6,1.2) speech, [1.2,1.8) speech .4s, [1.8,2.4) silence -> pause
    await h.feed(utterance(1.0, 1.2), R);
    expect(calls).toHaveLength(1);
    const [rate, samples] = calls[0]!.audio;
    expect(rate).toBe(R);
    expect(samples).toBeInstanceOf(Int16Array);
    expect(samples.length).toBe(1.8 * R);
    // First sample is the onset chunk's first (tone starts at 0.6 s), the last 0.6 s is silence.
    expect(Math.max(...samples.subarray(0, 400).map(Math.abs))).toBeGreaterThan(1000);
    expect(samples.subarray(1.2 * R).every((v) => v === 0)).toBe(true);
    const logs = h.logs();
    expect(logs.indexOf("started_talking")).toBeLessThan(logs.indexOf("pause_detected"));
    expect(logs.indexOf("pause_detected")).toBeLessThan(logs.indexOf("response_starting"));
    await h.close();
  });

  it("58: maxContinuousSpeechS forces a reply without a pause (and appends each chunk once)", async () => {
    const { handler, calls } = echoHandler({ algoOptions: { maxContinuousSpeechS: 1.2 } });
    const h = createHarness(handler);
    await h.feed(tone(1.2, R), R);
    await h.run(100);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.audio[1].length).toBe(1.2 * R);
    await h.close();
  });

  it("59 + 69: needsArgs asks for inputs each turn and passes them to fn", async () => {
    const { handler, calls } = echoHandler({ needsArgs: true });
    const h = createHarness(handler);
    await h.feed(utterance(1.0), R);
    expect(h.ofType("send_input")).toHaveLength(1);
    expect(calls).toHaveLength(0);
    handler.setArgs(["dark", 3]);
    await h.run(40);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args).toEqual(["dark", 3]);
    await h.run(3000);
    await h.feed(utterance(1.0), R);
    expect(h.ofType("send_input")).toHaveLength(2);
    await h.close();
  });

  it("60: a reply function without needsArgs never triggers send_input", async () => {
    const { handler, calls } = echoHandler();
    const h = createHarness(handler);
    await h.feed(utterance(1.0), R);
    expect(calls).toHaveLength(1);
    expect(h.ofType("send_input")).toHaveLength(0);
    await h.close();
  });

  it("61: response_starting per audio chunk; once at the end when a reply yields no audio", async () => {
    const model = new EnergyVad();
    const h1 = createHarness(
      new ReplyOnPause(
        function* () {
          yield [R, tone(0.1, R)] as AudioChunk;
          yield new AdditionalOutputs("x");
          yield [R, tone(0.1, R)] as AudioChunk;
        },
        { inputSampleRate: R, outputSampleRate: R, model },
      ),
    );
    await h1.feed(utterance(1.0), R);
    await h1.run(1000);
    expect(h1.logs().filter((l) => l === "response_starting")).toHaveLength(2);
    await h1.close();
    const h2 = createHarness(
      new ReplyOnPause(
        function* () {
          yield new AdditionalOutputs("only text");
        },
        { inputSampleRate: R, outputSampleRate: R, model },
      ),
    );
    await h2.feed(utterance(1.0), R);
    await h2.run(200);
    expect(h2.logs().filter((l) => l === "response_starting")).toHaveLength(1);
    expect(h2.ofType("fetch_output")).toHaveLength(1);
    await h2.close();
  });

  it("62: sync generators, async generators and functions returning iterables all work", async () => {
    const model = new EnergyVad();
    const fns = [
      function* (a: AudioChunk) {
        yield a;
      },
      async function* (a: AudioChunk) {
        await Promise.resolve();
        yield a;
      },
      (a: AudioChunk) => [a],
    ];
    for (const fn of fns) {
      const h = createHarness(
        new ReplyOnPause(fn, { inputSampleRate: R, outputSampleRate: R, model }),
      );
      await h.feed(utterance(1.0), R);
      await h.run(2000);
      expect(h.frames.length).toBeGreaterThan(80);
      await h.close();
    }
  });

  it("63: canInterrupt closes the running reply, flushes its audio and answers the new turn", async () => {
    const model = new EnergyVad();
    let closed = 0;
    const heard: number[] = [];
    const handler = new ReplyOnPause(
      function* (audio: AudioChunk) {
        heard.push(audio[1].length);
        try {
          yield [R, tone(10, R, 300)] as AudioChunk; // a long reply
        } finally {
          closed++;
        }
      },
      { inputSampleRate: R, outputSampleRate: R, model },
    );
    const h = createHarness(handler);
    await h.feed(utterance(1.0), R);
    await h.run(500);
    expect(h.session.queuedFrames).toBeGreaterThan(100);
    await h.feed(cat(tone(1.0, R), silence(1.2, R)), R);
    expect(heard).toHaveLength(2);
    expect(closed).toBeGreaterThanOrEqual(1);
    // The new reply's audio replaced the old one: at most 10 s of audio is queued, not ~19 s.
    expect(h.session.queuedFrames).toBeLessThanOrEqual(500);
    await h.close();
  });

  it("64: a pause after the reply finished still flushes unplayed audio", async () => {
    const { handler } = echoHandler();
    const h = createHarness(handler);
    await h.feed(utterance(3.0, 1.2), R);
    await h.run(100);
    const queued = h.session.queuedFrames;
    expect(queued).toBeGreaterThan(100);
    // Second utterance while the first echo still plays; the generator is already exhausted.
    await h.feed(cat(tone(0.6, R), silence(1.2, R)), R);
    expect(h.logs().filter((l) => l === "pause_detected")).toHaveLength(2);
    // Everything left of the first echo was dropped: only the second echo (2.4 s) remains at most.
    expect(h.session.queuedFrames).toBeLessThanOrEqual(2.4 * 50);
    await h.close();
  });

  it("65: canInterrupt false ignores audio while a reply runs", async () => {
    const model = new EnergyVad();
    let calls = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const handler = new ReplyOnPause(
      async function* () {
        calls++;
        yield [R, tone(0.2, R)] as AudioChunk;
        await h.clock.blocked(gate); // a wait the virtual clock may run past
      },
      { inputSampleRate: R, outputSampleRate: R, model, canInterrupt: false },
    );
    const h: ReturnType<typeof createHarness> = createHarness(handler);
    await h.feed(utterance(1.0), R);
    const vadCalls = model.calls.length;
    await h.feed(utterance(1.0), R);
    expect(model.calls.length).toBe(vadCalls); // nothing analysed while responding
    expect(calls).toBe(1);
    release();
    await h.run(100);
    await h.feed(utterance(1.0), R);
    expect(calls).toBe(2);
    await h.close();
  });

  it("66: startupFn plays first without pause_detected; with needsArgs it gets the inputs", async () => {
    const model = new EnergyVad();
    const h = createHarness(
      new ReplyOnPause(function* () {}, {
        inputSampleRate: R,
        outputSampleRate: R,
        model,
        startupFn: function* () {
          yield [R, tone(0.5, R)] as AudioChunk;
        },
      }),
    );
    await h.run(1000);
    expect(h.frames.length).toBe(25);
    expect(h.logs()).not.toContain("pause_detected");
    await h.close();

    const got: unknown[][] = [];
    const handler = new ReplyOnPause(function* () {}, {
      inputSampleRate: R,
      outputSampleRate: R,
      model,
      needsArgs: true,
      startupFn: async function* (...args: unknown[]) {
        got.push(args);
      },
    });
    const h2 = createHarness(handler);
    await h2.run(100);
    expect(h2.ofType("send_input")).toHaveLength(1);
    expect(got).toHaveLength(0);
    handler.setArgs(["name"]);
    await h2.run(100);
    expect(got).toEqual([["name"]]);
    await h2.close();
  });

  it("67: triggerResponse starts a reply with the audio so far (possibly empty)", async () => {
    const { handler, calls } = echoHandler();
    const h = createHarness(handler);
    handler.triggerResponse();
    await h.run(40);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.audio[0]).toBe(R);
    expect(calls[0]!.audio[1].length).toBe(0);
    await h.close();
  });

  it("68: an exception in fn sends error, resets, and the next turn is answered", async () => {
    const model = new EnergyVad();
    let n = 0;
    const h = createHarness(
      new ReplyOnPause(
        function* (a: AudioChunk) {
          n++;
          if (n === 1) throw new Error("boom");
          yield a;
        },
        { inputSampleRate: R, outputSampleRate: R, model },
      ),
    );
    await h.feed(utterance(1.0), R);
    expect(h.ofType("error").map((m) => m.msg)).toEqual([{ type: "error", message: "boom" }]);
    await h.feed(utterance(1.0), R);
    await h.run(2000);
    expect(n).toBe(2);
    expect(h.frames.length).toBeGreaterThan(50);
    await h.close();
  });

  it("70: copies are independent", async () => {
    const { handler } = echoHandler();
    const a = handler.copy();
    const b = handler.copy();
    const ha = createHarness(a);
    const hb = createHarness(b);
    await ha.feed(utterance(1.0), R);
    await hb.silence(2000, R);
    expect(ha.logs()).toContain("pause_detected");
    expect(hb.logs()).toEqual([]);
    a.setArgs(["x"]);
    expect(b.latestArgs).toEqual([]);
    await ha.close();
    await hb.close();
  });

  it("71: a custom model is used and modelOptions pass through", async () => {
    const model = new EnergyVad();
    const handler = new ReplyOnPause(function* () {}, {
      inputSampleRate: R,
      model,
      modelOptions: { level: 20000 },
    });
    const h = createHarness(handler);
    await h.feed(utterance(1.0), R);
    expect(model.calls.length).toBeGreaterThan(0);
    expect(model.calls[0]?.options).toEqual({ level: 20000 });
    expect(h.logs()).toEqual([]); // level 20000 > tone amplitude: no speech
    await h.close();
  });

  it("72: VAD errors count as infinite speech (never a pause)", async () => {
    const h = createHarness(
      new ReplyOnPause(function* () {}, { inputSampleRate: R, model: failingVad }),
    );
    await h.feed(utterance(1.0, 3), R);
    expect(h.logs()).toEqual(["started_talking"]);
    await h.close();
  });

  it("interrupting a reply stuck in a slow await starts the new reply at once; its late items are dropped", async () => {
    const model = new EnergyVad();
    let release: () => void = () => {};
    let calls = 0;
    const handler = new ReplyOnPause(
      async function* () {
        calls++;
        if (calls === 1) {
          await h.clock.blocked(new Promise<void>((r) => (release = r)));
          yield [R, tone(5, R, 200)] as AudioChunk; // produced after the interruption
        } else {
          yield [R, tone(0.2, R)] as AudioChunk;
        }
      },
      { inputSampleRate: R, outputSampleRate: R, model },
    );
    const h: ReturnType<typeof createHarness> = createHarness(handler);
    await h.feed(utterance(1.0), R);
    expect(calls).toBe(1);
    await h.feed(cat(tone(0.6, R), silence(1.2, R)), R);
    expect(calls).toBe(2);
    await h.run(500);
    expect(h.frames).toHaveLength(10); // the second reply's 0.2 s
    release();
    await h.run(500);
    expect(h.frames).toHaveLength(10);
    expect(h.session.queuedFrames).toBe(0);
    await h.close();
  });

  it("WebRTCData as first input gets the audio", async () => {
    const { handler, calls } = echoHandler({ needsArgs: true });
    const h = createHarness(handler);
    const data = new WebRTCData({ webrtcId: "test-connection", textbox: "hi" });
    handler.setArgs([data, 7]);
    await h.feed(utterance(1.0), R);
    await h.run(40);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.audio).toBe(data);
    expect(calls[0]!.args).toEqual([7]);
    expect((data.audio as AudioChunk)[1].length).toBe(1.8 * R);
    await h.close();
  });
});
