import { describe, expect, it } from "vitest";
import type { AudioChunk } from "../audio/types.js";
import { getCurrentContext } from "../handlers/context.js";
import type { EmitType } from "../handlers/emit.js";
import { WebRTCError, warning } from "../handlers/errors.js";
import { AdditionalOutputs, CloseStream, WebRTCData } from "../handlers/outputs.js";
import { ReplyOnPause } from "../handlers/ReplyOnPause.js";
import { AsyncStreamHandler, StreamHandler } from "../handlers/StreamHandler.js";
import { cat, EnergyVad, silence, tone } from "../handlers/testing/fakes.js";
import { waitForItem } from "../handlers/waitForItem.js";
import { configureLogger } from "../logger.js";
import { AsyncQueue } from "../utils/asyncQueue.js";
import { Session } from "./Session.js";
import { createHarness } from "./testing/harness.js";

/** Emits a scripted list of values, then null forever; records what it receives. */
class Scripted extends StreamHandler {
  received: AudioChunk[] = [];
  emits = 0;
  constructor(
    public script: unknown[] = [],
    opts: ConstructorParameters<typeof StreamHandler>[0] = {},
  ) {
    super(opts);
  }
  receive(frame: AudioChunk): void {
    this.received.push(frame);
  }
  emit(): EmitType {
    this.emits++;
    return (this.script.shift() ?? null) as EmitType;
  }
  copy(): Scripted {
    return new Scripted([...this.script]);
  }
}

/** Dominant frequency by zero crossings. */
function zeroCrossFreq(samples: Int16Array, rate: number): number {
  let z = 0;
  for (let i = 1; i < samples.length; i++) {
    if ((samples[i - 1] as number) < 0 !== (samples[i] as number) < 0) z++;
  }
  return z / 2 / (samples.length / rate);
}

describe("handler construction", () => {
  it("ReplyOnPause and Session reject bad arguments with clear errors", () => {
    expect(() => new ReplyOnPause(null as unknown as () => [])).toThrow(/needs a reply function/);
    expect(() => new ReplyOnPause(() => [], { startupFn: 5 as unknown as () => [] })).toThrow(
      TypeError,
    );
    expect(() => new ReplyOnPause(() => [], { model: {} as never })).toThrow(
      /vad\(\) and warmup\(\)/,
    );
    expect(() => new ReplyOnPause(() => [], { algoOptions: { audioChunkDuration: 0 } })).toThrow(
      RangeError,
    );
    expect(
      () => new ReplyOnPause(() => [], { algoOptions: { speechThreshold: Number.NaN } }),
    ).toThrow(TypeError);
    expect(() => new Session({} as never, { id: "x" })).toThrow(TypeError);
    expect(() => new Session(new Scripted(), { id: "" })).toThrow(TypeError);
    expect(() => new Session(new Scripted(), { id: "x", mode: "both" as never })).toThrow(
      TypeError,
    );
    expect(() => new Session(new Scripted(), { id: "x", idlePollMs: 0 })).toThrow(RangeError);
  });

  it("a reply function that returns a non-iterable is reported, and the next turn still works", async () => {
    let n = 0;
    const handler = new ReplyOnPause(
      ((audio: AudioChunk) => (++n === 1 ? (42 as unknown as []) : [audio])) as never,
      { inputSampleRate: 16000, outputSampleRate: 16000, model: new EnergyVad() },
    );
    const h = createHarness(handler);
    const turn = cat(silence(0.6, 16000), tone(1, 16000), silence(1.2, 16000));
    await h.feed(turn, 16000);
    expect(h.ofType("error")[0]?.msg.message).toMatch(/must return an iterable/);
    await h.feed(turn, 16000);
    await h.run(3000);
    expect(h.frames.length).toBeGreaterThan(100);
    await h.close();
  });

  it("44: outputSampleRate not divisible by 50 is rejected", () => {
    expect(() => new Scripted([], { outputSampleRate: 22049 })).toThrow(
      /outputSampleRate must be a multiple of 50, got 22049/,
    );
  });
  it("45: deprecated outputFrameSize is ignored (frame = rate / 50)", () => {
    expect(
      new Scripted([], { outputSampleRate: 24000, outputFrameSize: 123 }).outputFrameSize,
    ).toBe(480);
  });
  it("rejects bad rates and layouts with clear errors", () => {
    expect(() => new Scripted([], { inputSampleRate: 0 })).toThrow(RangeError);
    expect(() => new Scripted([], { inputSampleRate: 400000 })).toThrow(RangeError);
    expect(() => new Scripted([], { inputSampleRate: Number.NaN })).toThrow(TypeError);
    expect(() => new Scripted([], { outputSampleRate: "24000" as unknown as number })).toThrow(
      TypeError,
    );
    expect(() => new Scripted([], { expectedLayout: "5.1" as "mono" })).toThrow(TypeError);
  });
});

describe("34-36: setArgs", () => {
  it("34: setArgs([a, b]) stores ['__webrtc_value__', a, b]", () => {
    const h = new Scripted();
    h.setArgs(["a", 2]);
    expect(h.latestArgs).toEqual(["__webrtc_value__", "a", 2]);
    expect(h.argsSet).toBe(true);
  });
  it("35: setArgs([WebRTCData, b]) keeps the WebRTCData first", () => {
    const h = new Scripted();
    const data = new WebRTCData({ webrtcId: "x", textbox: "hi" });
    h.setArgs([data, "b"]);
    expect(h.latestArgs).toEqual([data, "b"]);
    expect(() => new WebRTCData({ webrtcId: 3 as unknown as string })).toThrow(TypeError);
  });
  it("36: non-array -> TypeError, empty -> RangeError", () => {
    const h = new Scripted();
    expect(() => h.setArgs("x" as unknown as unknown[])).toThrow(TypeError);
    expect(() => h.setArgs([])).toThrow(RangeError);
  });
});

describe("session input (spec §4.9)", () => {
  it("42/43: 48 kHz stereo 960-sample frames reach receive() as mono frames of 960 at inputSampleRate", async () => {
    const handler = new Scripted([], { inputSampleRate: 16000 });
    const h = createHarness(handler);
    const stereo = new Int16Array(960 * 2);
    for (let k = 0; k < 9; k++) {
      h.session.pushAudio([48000, stereo, "stereo"]);
      await h.run(20);
    }
    expect(handler.received).toHaveLength(3); // 9 x 20 ms = 180 ms = 3 frames of 60 ms
    for (const [rate, s] of handler.received) {
      expect(rate).toBe(16000);
      expect(s).toBeInstanceOf(Int16Array);
      expect(s.length).toBe(960);
    }
    await h.close();
  });

  it("wireInputRate: a handler whose receiveRateFor takes the wire's rate gets its frames unresampled", async () => {
    class AnyRate extends Scripted {
      override receiveRateFor(wireRate: number): number {
        return wireRate;
      }
    }
    const phone = { wireInputRate: 8000, inputFraming: "duration", inputQuality: "fast" } as const;
    const any = new AnyRate();
    const h = createHarness(any, phone);
    const wire = tone(0.1, 8000, 440);
    await h.feed(wire, 8000);
    expect(any.received.map(([rate, s]) => [rate, s.length])).toEqual(
      Array.from({ length: 5 }, () => [8000, 160]),
    );
    expect(Array.from(any.received.flatMap(([, s]) => Array.from(s)))).toEqual(Array.from(wire));
    await h.close();
    // By default the frames are at inputSampleRate, as FastRTC (one 20 ms message, one frame).
    const plain = new Scripted();
    const h2 = createHarness(plain, phone);
    await h2.feed(wire, 8000);
    expect(plain.received.map(([rate, s]) => [rate, s.length])).toEqual(
      Array.from({ length: 5 }, () => [48000, 960]),
    );
    await h2.close();
  });

  it("a receiveRateFor that throws or gives no sample rate is reported, and inputSampleRate is used", async () => {
    const records: string[] = [];
    const note = (message: string) => records.push(message);
    configureLogger({ level: "warn", sink: { debug: note, info: note, warn: note, error: note } });
    try {
      for (const answer of [Number.NaN, 0, 1.5, "8000", () => 8000]) {
        class Odd extends Scripted {
          override receiveRateFor(): number {
            if (typeof answer === "function") throw new Error("no rate");
            return answer as number;
          }
        }
        const odd = new Odd();
        const h = createHarness(odd, { wireInputRate: 8000, inputFraming: "duration" });
        await h.feed(tone(0.02, 8000, 440), 8000);
        expect(odd.received.map(([rate, s]) => [rate, s.length])).toEqual([[48000, 960]]);
        await h.close();
      }
    } finally {
      configureLogger({ level: "warn" });
    }
    expect(records.filter((m) => /receiveRateFor gave no valid sample rate/.test(m))).toHaveLength(
      4,
    );
    expect(records.filter((m) => /receiveRateFor threw/.test(m))).toHaveLength(1);
  });

  it("playback: playing while reply audio goes out, with the loudest level of the last 500 ms", async () => {
    const handler = new Scripted([[16000, tone(0.3, 16000, 440, 8000)]], {
      outputSampleRate: 16000,
    });
    const h = createHarness(handler);
    expect(h.session.playback.playing).toBe(false);
    await h.run(100);
    const during = h.session.playback;
    expect(during.playing).toBe(true);
    expect(during.paused).toBe(false);
    expect(during.sent.length).toBeGreaterThan(0);
    // A sine of amplitude 8000: about -15 dBFS.
    expect(during.levelDb).toBeGreaterThan(-18);
    expect(during.levelDb).toBeLessThan(-10);
    await h.run(2000);
    const after = h.session.playback;
    expect(after.playing).toBe(false);
    expect(after.levelDb).toBe(Number.NEGATIVE_INFINITY);
    await h.close();
  });

  it("delivers frames in order, and stereo when the handler asks for it", async () => {
    const handler = new Scripted([], { inputSampleRate: 48000, expectedLayout: "stereo" });
    const h = createHarness(handler);
    for (let k = 0; k < 3; k++) h.session.pushAudio([48000, new Int16Array(960).fill(k)]);
    await h.run(0);
    expect(handler.received.map((f) => [f[1].length, f[2], f[1][0]])).toEqual([
      [1920, "stereo", 0],
      [1920, "stereo", 1],
      [1920, "stereo", 2],
    ]);
    await h.close();
  });

  it("bad input raises TypeError/RangeError and the session keeps working", async () => {
    const handler = new Scripted([], { inputSampleRate: 16000 });
    const h = createHarness(handler);
    const bad: unknown[] = [
      null,
      "audio",
      [],
      [16000],
      [Number.NaN, new Int16Array(4)],
      [0, new Int16Array(4)],
      [-8000, new Int16Array(4)],
      [500000, new Int16Array(4)],
      [16000, [1, 2, 3]],
      [16000, new Int32Array(4)],
      [16000, new Int16Array(3), "stereo"],
      [16000, new Int16Array(4), "quad"],
      [16000, new Int16Array(4), "mono", "extra"],
    ];
    for (const b of bad) {
      expect(() => h.session.pushAudio(b as AudioChunk), JSON.stringify(b)).toThrow(/./);
      try {
        h.session.pushAudio(b as AudioChunk);
      } catch (e) {
        expect(e instanceof TypeError || e instanceof RangeError).toBe(true);
      }
    }
    h.session.pushAudio([16000, new Int16Array(320)]);
    h.session.pushAudio([16000, new Int16Array(0)]);
    await h.run(20);
    expect(handler.received).toHaveLength(1);
    expect(h.session.state).toBe("running");
    await h.close();
  });

  it("a throwing receive() sends error and later frames are still delivered", async () => {
    class Flaky extends Scripted {
      override receive(frame: AudioChunk): void {
        super.receive(frame);
        if (this.received.length === 1) throw new TypeError("bad frame");
      }
    }
    const handler = new Flaky([], { inputSampleRate: 16000 });
    const h = createHarness(handler);
    for (let i = 0; i < 3; i++) h.session.pushAudio([16000, new Int16Array(320)]);
    await h.run(20);
    expect(handler.received).toHaveLength(3);
    expect(h.ofType("error").map((m) => m.msg)).toEqual([{ type: "error", message: "bad frame" }]);
    await h.close();
  });
});

describe("session output (spec §4.9, §5.4)", () => {
  it("46: int16 and float32, mono and stereo chunks are all accepted", async () => {
    const stereo = new Float32Array(960 * 2).fill(0.5);
    const handler = new Scripted(
      [
        [48000, new Int16Array(960).fill(1000)],
        [48000, new Float32Array(960).fill(0.25)],
        [48000, stereo, "stereo"],
      ],
      { outputSampleRate: 48000 },
    );
    const h = createHarness(handler);
    await h.run(100);
    expect(h.frames).toHaveLength(3);
    expect(h.frames[0]?.samples[500]).toBe(1000);
    expect(h.frames[1]?.samples[500]).toBe(8192);
    expect(h.frames[2]?.samples[500]).toBe(16384);
    await h.close();
  });

  it("47: audio at another rate plays at the right pitch and duration", async () => {
    const handler = new Scripted([[16000, tone(1, 16000, 440)]], { outputSampleRate: 24000 });
    const h = createHarness(handler);
    await h.run(2000);
    const out = h.outputAudio();
    expect(out.length / 24000).toBeCloseTo(1, 1);
    expect(zeroCrossFreq(out.subarray(2400, 21600), 24000)).toBeCloseTo(440, -1);
    await h.close();
  });

  it("48: a later chunk at a different rate is resampled too (no pitch change)", async () => {
    const handler = new Scripted(
      [
        [24000, tone(0.5, 24000, 300)],
        [48000, tone(0.5, 48000, 300)],
      ],
      { outputSampleRate: 24000 },
    );
    const h = createHarness(handler);
    await h.run(2000);
    const out = h.outputAudio();
    expect(out.length / 24000).toBeGreaterThan(0.95);
    expect(out.length / 24000).toBeLessThan(1.1);
    expect(zeroCrossFreq(out.subarray(14400, 22800), 24000)).toBeCloseTo(300, -1);
    await h.close();
  });

  it("49: playback is paced in real time; after a >200 ms gap it restarts at once", async () => {
    const handler = new Scripted([[24000, tone(0.2, 24000)]]);
    const h = createHarness(handler);
    await h.run(1000);
    expect(h.frames).toHaveLength(10);
    const times = h.frames.map((f) => f.t);
    for (let i = 1; i < times.length; i++)
      expect((times[i] as number) - (times[i - 1] as number)).toBe(20);
    handler.script.push([24000, tone(0.1, 24000)]);
    const before = h.clock.now();
    await h.run(200);
    const late = h.frames.slice(10);
    expect(late).toHaveLength(5);
    expect((late[0]?.t as number) - before).toBeLessThanOrEqual(20); // no catch-up burst, no wait
    expect(late[0]?.discontinuity).toBe(true);
    for (let i = 1; i < late.length; i++)
      expect((late[i]?.t as number) - (late[i - 1]?.t as number)).toBe(20);
    await h.close();
  });

  it("50: clearQueue drops all queued audio within one frame", async () => {
    const handler = new Scripted([[24000, tone(2, 24000)]]);
    const h = createHarness(handler);
    await h.run(100);
    const played = h.frames.length;
    h.session.clearQueue();
    await h.run(1000);
    expect(h.frames.length - played).toBeLessThanOrEqual(1);
    expect(h.session.queuedFrames).toBe(0);
    await h.close();
  });

  it("51: emit() returning null is polled again and nothing is sent", async () => {
    const handler = new Scripted();
    const h = createHarness(handler, { idlePollMs: 20 });
    await h.run(1000);
    expect(handler.emits).toBeGreaterThanOrEqual(50);
    expect(handler.emits).toBeLessThanOrEqual(52);
    expect(h.messages).toEqual([]);
    expect(h.frames).toEqual([]);
    await h.close();
  });

  it("an idle handler (emitIdle) is not polled until it calls wake(); then its output plays", async () => {
    class Waker extends Scripted {
      due = false;
      override get emitIdle(): boolean {
        return !this.due;
      }
      override receive(frame: AudioChunk): void {
        super.receive(frame);
        if (this.received.length === 25) {
          this.due = true;
          this.wake();
        }
      }
      override emit(): EmitType {
        if (!this.due) return super.emit();
        this.due = false;
        this.emits++;
        return [24000, tone(0.2, 24000)] as EmitType;
      }
    }
    const handler = new Waker();
    const h = createHarness(handler, { idlePollMs: 20 });
    await h.silence(400, 48000);
    await h.run(200);
    expect(handler.received.length).toBe(20);
    expect(handler.emits).toBe(0);
    await h.silence(200, 48000);
    await h.run(400);
    expect(handler.received.length).toBe(30);
    expect(handler.emits).toBe(1);
    expect(h.frames.length).toBe(10);
    await h.close();
  });

  it("52: [audio, AdditionalOutputs] plays and outputs; malformed pairs get FastRTC's messages", async () => {
    const out = new AdditionalOutputs("hi", 1);
    const handler = new Scripted([
      [[24000, tone(0.04, 24000)], out],
      [[24000, tone(0.02, 24000)], "x", "y"],
      [[24000, tone(0.02, 24000)], { not: "outputs" }],
      { some: "object" },
      [[24000, tone(0.04, 24000)], new AdditionalOutputs("after")],
    ]);
    const h = createHarness(handler);
    await h.run(500);
    expect(h.outputs.map((o) => o.outputs.args)).toEqual([["hi", 1], ["after"]]);
    expect(h.ofType("fetch_output")).toHaveLength(2);
    expect(h.ofType("error").map((m) => m.msg.message)).toEqual([
      "The tuple must have exactly two elements: the data and an instance of AdditionalOutputs.",
      "The last element of the tuple must be an instance of AdditionalOutputs.",
      expect.stringMatching(/^Cannot emit an object/),
    ]);
    expect(h.frames).toHaveLength(4);
    await h.close();
  });

  it("29: CloseStream ends the session after the queued audio has played", async () => {
    const handler = new Scripted([[24000, tone(0.2, 24000)], new CloseStream("bye")]);
    let shutdowns = 0;
    handler.shutdown = () => {
      shutdowns++;
    };
    const h = createHarness(handler);
    await h.run(100);
    expect(h.ofType("end_stream")).toHaveLength(0);
    await h.run(500);
    expect(h.frames).toHaveLength(10);
    const end = h.ofType("end_stream");
    expect(end.map((m) => m.msg)).toEqual([{ type: "end_stream", data: "bye" }]);
    expect(end[0]!.t).toBeGreaterThanOrEqual(h.frames[9]!.t);
    await h.session.ended;
    expect(h.session.endReason).toEqual({ kind: "close-stream", message: "bye" });
    expect(shutdowns).toBe(1);
    expect(new CloseStream().msg).toBe("Stream closed");
  });

  it("the last partial frame of a reply is played (FastRTC Q14 fixed)", async () => {
    const handler = new Scripted([[24000, tone(0.03, 24000)]]);
    const h = createHarness(handler);
    await h.run(200);
    expect(h.frames).toHaveLength(2); // 20 ms + 10 ms padded to a frame
    await h.close();
  });

  it("emit exceptions are reported and the loop keeps going (Q8 fixed)", async () => {
    class Boom extends Scripted {
      override emit(): EmitType {
        if (this.emits++ === 0) throw new Error("emit failed");
        return (this.script.shift() ?? null) as EmitType;
      }
    }
    const handler = new Boom([[24000, tone(0.02, 24000)]]);
    const h = createHarness(handler);
    await h.run(200);
    expect(h.ofType("error").map((m) => m.msg.message)).toEqual(["emit failed"]);
    expect(h.frames).toHaveLength(1);
    await h.close();
  });

  it("send mode runs the handler but plays nothing", async () => {
    const handler = new Scripted([[24000, tone(0.2, 24000)], new AdditionalOutputs(1)]);
    const h = createHarness(handler, { mode: "send" });
    await h.run(500);
    expect(h.frames).toHaveLength(0);
    expect(h.outputs).toHaveLength(1);
    await h.close();
  });

  it("close() calls shutdown once, resets, and stops every loop", async () => {
    const handler = new Scripted([[24000, tone(1, 24000)]]);
    let shutdowns = 0;
    handler.shutdown = () => {
      shutdowns++;
    };
    const h = createHarness(handler);
    await h.run(100);
    await Promise.all([h.close(), h.close()]);
    const n = h.frames.length;
    await h.run(1000);
    expect(h.frames.length).toBe(n);
    expect(shutdowns).toBe(1);
    expect(h.session.state).toBe("closed");
    expect(h.clock.pendingTimers).toBe(0);
    h.session.pushAudio([24000, new Int16Array(480)]); // ignored after close
  });
});

describe("context and utilities", () => {
  it("95: getCurrentContext() gives the connection id in handler code, throws outside", async () => {
    const seen: string[] = [];
    class Ctx extends Scripted {
      override emit(): EmitType {
        if (seen.length === 0) seen.push(getCurrentContext().webrtcId);
        return null;
      }
    }
    const h = createHarness(new Ctx());
    await h.run(40);
    expect(seen).toEqual(["test-connection"]);
    expect(() => getCurrentContext()).toThrow("No context found");
    await h.close();
  });

  it("94: waitForItem returns the item, or null after the timeout (on the session clock)", async () => {
    class Echo extends AsyncStreamHandler {
      queue = new AsyncQueue<AudioChunk>();
      results: Array<[number, boolean]> = [];
      async receive(frame: AudioChunk) {
        this.queue.put(frame);
      }
      async emit() {
        const start = this.clock.now();
        const item = await waitForItem(this.queue);
        this.results.push([this.clock.now() - start, item !== null]);
        return item;
      }
      copy() {
        return new Echo();
      }
    }
    const handler = new Echo({ inputSampleRate: 24000 });
    const h = createHarness(handler);
    await h.run(250);
    expect(handler.results.slice(0, 2)).toEqual([
      [100, false],
      [100, false],
    ]);
    h.session.pushAudio([24000, new Int16Array(480)]);
    await h.run(0);
    expect(handler.results.at(-1)?.[1]).toBe(true);
    await h.close();
    const q = new AsyncQueue<number>();
    q.put(7);
    expect(await waitForItem(q, 0.01)).toBe(7);
    expect(await waitForItem(q, 0.01)).toBeNull();
    await expect(waitForItem(q, -1)).rejects.toThrow(RangeError);
  });

  it("33: waitForArgs sends send_input and resolves only after setArgs", async () => {
    let done = false;
    class Waits extends Scripted {
      override async startUp() {
        await this.waitForArgs();
        done = true;
      }
    }
    const handler = new Waits();
    const h = createHarness(handler);
    await h.run(100);
    expect(h.ofType("send_input").map((m) => m.msg)).toEqual([{ type: "send_input", data: [] }]);
    expect(done).toBe(false);
    handler.setArgs([1]);
    await h.run(0);
    expect(done).toBe(true);
    await h.close();
  });
});

describe("on the real clock", () => {
  it("plays queued audio frame by frame, not in one burst", async () => {
    const frames: number[] = [];
    const handler = new Scripted([[24000, tone(0.1, 24000)]]);
    const session = new Session(handler, {
      id: "real",
      onAudio: () => frames.push(performance.now()),
    });
    session.start();
    while (frames.length < 5) await new Promise((r) => setTimeout(r, 10));
    await session.close();
    expect(frames).toHaveLength(5);
    expect((frames[4] as number) - (frames[0] as number)).toBeGreaterThanOrEqual(60);
  });
});

describe("errors and warnings from handler code", () => {
  it("30/31: WebRTCError is sent once with key message; warning() sends a warning", async () => {
    class Talks extends Scripted {
      override emit(): EmitType {
        this.emits++;
        if (this.emits === 1) warning("speak up");
        if (this.emits === 2) throw new WebRTCError("no microphone");
        return null;
      }
    }
    const h = createHarness(new Talks());
    await h.run(100);
    expect(h.messages.map((m) => m.msg)).toEqual([
      { type: "warning", message: "speak up" },
      { type: "error", message: "no microphone" },
    ]);
    await h.close();
  });

  it("phone mode: waitForArgs never asks, ReplyOnPause calls fn(audio) only", async () => {
    const seen: unknown[][] = [];
    const handler = new ReplyOnPause(
      function* (...args: unknown[]) {
        seen.push(args);
      },
      { inputSampleRate: 16000, needsArgs: true, model: new EnergyVad() },
    );
    const h = createHarness(handler, { phoneMode: true });
    await h.feed(cat(silence(0.6, 16000), tone(1, 16000), silence(1.2, 16000)), 16000);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toHaveLength(1);
    expect(h.ofType("send_input")).toHaveLength(0);
    await h.close();
  });
});

describe("interruption report and send-ahead (transports that buffer)", () => {
  it("onClear reports the frames released in this reply and the frames dropped", async () => {
    const clears: Array<{ droppedFrames: number; releasedFrames: number }> = [];
    const handler = new Scripted([[24000, tone(1, 24000)]], { outputSampleRate: 24000 });
    const h = createHarness(handler, { onClear: (info) => clears.push(info) });
    await h.run(300);
    handler.clearQueue();
    await h.run(100);
    expect(clears).toHaveLength(1);
    const info = clears[0] as { droppedFrames: number; releasedFrames: number };
    expect(info.releasedFrames).toBe(h.frames.length);
    expect(info.releasedFrames + info.droppedFrames).toBe(50);
    // Nothing queued and nothing played since: a second clear is not reported.
    handler.clearQueue();
    expect(clears).toHaveLength(1);
    await h.close();
  });

  it("a reply that finished playing is not reported as interrupted by the next turn's clear", async () => {
    const clears: unknown[] = [];
    const handler = new Scripted([[24000, tone(0.4, 24000)]], { outputSampleRate: 24000 });
    const h = createHarness(handler, { onClear: (info) => clears.push(info), sendAheadMs: 100 });
    await h.run(1000);
    expect(h.frames).toHaveLength(20);
    handler.clearQueue();
    expect(clears).toEqual([]);
    await h.close();
  });

  it("sendAheadMs releases frames that much before their play time, pacing unchanged", async () => {
    const handler = new Scripted([[24000, tone(1, 24000)]], { outputSampleRate: 24000 });
    const h = createHarness(handler, { sendAheadMs: 100 });
    await h.run(2000);
    const first = h.frames[0]?.t ?? 0;
    // The first 100 ms (5 frames) go out together, then one frame every 20 ms.
    expect(h.frames.slice(0, 6).map((f) => f.t - first)).toEqual([0, 0, 0, 0, 0, 0]);
    expect((h.frames[10]?.t ?? 0) - first).toBe(100);
    expect(h.frames).toHaveLength(50);
    expect(() => new Session(new Scripted(), { id: "x", sendAheadMs: -1 })).toThrow(RangeError);
    await h.close();
  });
});
